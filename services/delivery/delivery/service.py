"""The delivery service (事件推送, issue 20 item 5): the platform's events pushed to registered webhooks as
CloudEvents over HTTP, for systems that cannot run a Kafka client.

A client system registers subscriptions (event types, region and organization filters, a webhook); every public
event that matches one becomes a delivery, signed with the subscription's secret, retried with back-off, kept in
order per aggregate and parked after too many failures until its owner asks for a redelivery. This module only
composes the service: entrypoints in ``delivery.entrypoints``, the sending in ``delivery.dispatcher``; the state keeper
(every aggregate's latest state on its compacted ``<topic>.state``, for subscribers that start late) in
``delivery.state_keeper``.
"""
from ttp_common.auth import Roles
from ttp_common.service_base import PlatformService

from . import subscriptions
from .dispatcher import Dispatcher
from .documents import Delivery, Subscription
from .entrypoints import FanOutEntrypoints, SubscriptionEntrypoints
from .state_keeper import StateKeeperEntrypoints


class DeliveryService(SubscriptionEntrypoints, FanOutEntrypoints, StateKeeperEntrypoints, PlatformService):
    name = "delivery"
    api_title = "事件推送 Delivery API"
    api_description = (
        "Webhook subscriptions (订阅) to the platform's public events, delivered as CloudEvents 1.0 over HTTP "
        "(binary or structured mode), signed with HMAC-SHA256 over the timestamp and body (headers "
        "TTP-Webhook-Timestamp, TTP-Webhook-Signature), retried with exponential back-off, in order per aggregate, "
        "parked after repeated failures. A client system manages its own subscriptions with a token scope covering "
        "delivery:subscriptions:read or :write; administrators manage all.")
    documents = [Subscription, Delivery]
    # A client acts here as itself (its subscriptions are its own), not as the role it may act for elsewhere:
    # ``subscriptions.owner_scope`` checks its scope, so the platform's acting-client rule is not applied.
    client_scopes = False

    dispatcher = Dispatcher()

    def principal(self, request):
        """The caller, and for a client system its scope checked at once (403 before the body is looked at)."""
        caller = super().principal(request)
        if caller.role == Roles.CLIENT and request.path.startswith("/api/v1/subscriptions"):
            subscriptions.owner_scope(caller, "read" if request.method in ("GET", "HEAD") else "write")
        return caller

    @classmethod
    def openapi_document(cls):
        document = super().openapi_document()
        for path, operations in document["paths"].items():
            if path.startswith("/api/v1/subscriptions"):
                for method, operation in operations.items():
                    access = "read" if method == "get" else "write"
                    operation["x-client-scope"] = f"{subscriptions.SCOPE}:{access}"
        return document
