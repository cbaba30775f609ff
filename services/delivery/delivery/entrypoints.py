"""The delivery service's entrypoints: the subscription API (its owner's client token or an administrator) and the
consumer of every public event. Thin: the rules are in ``subscriptions``, ``filters``, ``ordering``, ``retries``; the
work in ``handlers``; the sending in ``dispatcher``."""
from typing import Literal

from pydantic import Field

from ttp_common import events, paging
from ttp_common.auth import Roles
from ttp_common.consumer import consume
from ttp_common.endpoints import created, endpoint
from ttp_common.mongo import DUPLICATE

from . import handlers, subscriptions
from .documents import Delivery, Subscription
from .metrics import FANNED_OUT, forget

SUBSCRIPTIONS = "/api/v1/subscriptions"
ONE = f"{SUBSCRIPTIONS}/<string:subscription_id>"
MANAGERS = (Roles.CLIENT, Roles.ADMIN)
RECORD = {"type": "object", "additionalProperties": True}
PUBLIC_EVENTS = events.repository().names()


class SubscriptionQuery(paging.OffsetParams):
    event_type: str | None = Field(default=None, max_length=200)


class DeliveryQuery(paging.OffsetParams):
    status: Literal[subscriptions.STATUSES] | None = None


class SubscriptionEntrypoints:
    @endpoint("POST", SUBSCRIPTIONS, roles=MANAGERS, body=subscriptions.SubscriptionIn, status=201, response=RECORD,
              summary="Register a webhook for some event types, with filters; the answer shows its signing secret "
                      "once (a client system for itself, admins)")
    def create_subscription(self, ctx):
        owner = subscriptions.owner_scope(ctx.principal, "write") or ctx.principal.sub
        subscription, secret = self.store.transact(handlers.create, ctx.body, owner, self.dispatcher.box,
                                                   self.dispatcher.allow_private, ctx.principal, ctx.now)
        return created({**subscription.view(), "secret": secret}, f"{SUBSCRIPTIONS}/{subscription.id}")

    @endpoint("GET", SUBSCRIPTIONS, roles=MANAGERS, query=SubscriptionQuery, response=RECORD,
              summary="The caller's subscriptions (admins: all), newest first")
    def list_subscriptions(self, ctx):
        query = handlers.owner_query(subscriptions.owner_scope(ctx.principal, "read"))
        if ctx.query.event_type:
            query["event_types"] = ctx.query.event_type
        return paging.by_offset(self.store.collection(Subscription), query, [("created_at", -1), ("_id", -1)],
                                ctx.query, lambda raw: self.store.load(Subscription, raw).view())

    @endpoint("GET", ONE, roles=MANAGERS, response=RECORD,
              summary="A subscription with its lag (its owner, admins; 404 for others)")
    def get_subscription(self, ctx, subscription_id):
        subscription = handlers.visible(self.store, subscription_id, subscriptions.owner_scope(ctx.principal, "read"))
        counts = {status: self.store.count(Delivery, {"subscription_id": subscription.id, "status": status})
                  for status in subscriptions.STATUSES}
        return {**subscription.view(), "deliveries": counts}

    @endpoint("DELETE", ONE, roles=MANAGERS, response=RECORD,
              summary="Delete a subscription and its deliveries not yet made (its owner, admins)")
    def delete_subscription(self, ctx, subscription_id):
        subscription = self.store.transact(handlers.delete, subscription_id,
                                           subscriptions.owner_scope(ctx.principal, "write"))
        forget(subscription.id)
        return {"id": subscription.id, "deleted": True}

    @endpoint("POST", f"{ONE}/secret-rotation", roles=MANAGERS, response=RECORD,
              summary="A new signing secret, shown once; the previous one also signs for "
                      "DELIVERY_SECRET_OVERLAP_SECONDS (its owner, admins)")
    def rotate_subscription_secret(self, ctx, subscription_id):
        subscription, secret = self.store.transact(
            handlers.rotate_secret, subscription_id, subscriptions.owner_scope(ctx.principal, "write"),
            self.dispatcher.box, ctx.now, self.dispatcher.secret_overlap_seconds)
        return {**subscription.view(), "secret": secret}

    @endpoint("GET", f"{ONE}/deliveries", roles=MANAGERS, query=DeliveryQuery, response=RECORD,
              summary="A subscription's deliveries, oldest first, by status (its owner, admins)")
    def list_deliveries(self, ctx, subscription_id):
        subscription = handlers.visible(self.store, subscription_id, subscriptions.owner_scope(ctx.principal, "read"))
        query = {"subscription_id": subscription.id} | ({"status": ctx.query.status} if ctx.query.status else {})
        return paging.by_offset(self.store.collection(Delivery), query, [("seq", 1)], ctx.query,
                                lambda raw: self.store.load(Delivery, raw).view())

    @endpoint("POST", f"{ONE}/redelivery", roles=MANAGERS, body=subscriptions.RedeliveryIn, body_required=False,
              response=RECORD, errors=(409,),
              summary="Deliver parked deliveries again, in order (all, or those named; its owner, admins)")
    def redeliver(self, ctx, subscription_id):
        count = self.store.transact(handlers.redeliver, subscription_id,
                                    subscriptions.owner_scope(ctx.principal, "write"), ctx.body.delivery_ids, ctx.now)
        self.dispatcher.wake()
        return {"subscription_id": subscription_id, "requeued": count}


class FanOutEntrypoints:
    @consume(*PUBLIC_EVENTS)
    def on_event(self, event):
        """Every public event: a delivery for each subscription it matches (once per event, ``dedup``). Most events
        match no subscription: those are passed by with one read, no transaction (nothing to apply twice)."""
        if not handlers.matching(self.store, event):
            return
        matched = self.store.transact(handlers.fan_out, event, dedup=event)
        if matched and matched is not DUPLICATE:
            FANNED_OUT.labels(event.event_name).inc(len(matched))
            self.dispatcher.wake()
