"""The work of the delivery service's entrypoints, on a unit of work (``StoreHandle.transact``) or a repository:
a consumed event becomes one delivery per matching subscription; subscriptions are created, listed and deleted
by their owners; parked deliveries are put back in line."""
import datetime as dt
import uuid

from ttp_common import refusals, web
from ttp_common.mongo import next_serial, now as utc_now

from . import filters, messages, sealing, subscriptions
from .documents import Delivery, Subscription


def matching(repo, event):
    """The subscriptions ``event`` goes to."""
    return [s for s in repo.find(Subscription, {"event_types": event.event_name})
            if filters.matches(s.event_types, s.regions, s.organizations, event.event_name, event.data)]


def fan_out(uow, event):
    """One pending delivery of ``event`` for each subscription it matches; the ids of the subscriptions."""
    matched = matching(uow, event)
    if not matched:
        return []
    attributes, data = messages.attributes_of(event), web.dumps(event.data)
    aggregate = f"{event.topic}|{event.subject or (event.key or b'').decode('utf-8', 'replace')}"
    for subscription in matched:
        uow.insert(Delivery(id=uuid.uuid4().hex, subscription_id=subscription.id, seq=next_serial(uow.db, "deliveries"),
                            aggregate=aggregate, event_id=event.id, event_name=event.event_name,
                            attributes=attributes, data=data, status="pending", attempts=0, next_attempt_at=None,
                            created_at=utc_now()))
    return [s.id for s in matched]


def create(uow, body, owner, box, allow_private, principal, now):
    """A new subscription of ``owner`` and its secret (returned once, stored sealed)."""
    subscriptions.check_url(body.url, allow_private)
    secret = sealing.new_secret()
    subscription = Subscription(id=uuid.uuid4().hex, owner=owner, url=body.url, event_types=body.event_types,
                                regions=body.regions, organizations=body.organizations, mode=body.mode,
                                description=body.description, secret_sealed=box.seal(secret), created_at=now,
                                created_by=principal.sub)
    uow.insert(subscription)
    return subscription, secret


def rotate_secret(uow, subscription_id, owner, box, now, overlap_seconds):
    """A new secret for the subscription (returned once); the previous one still signs for ``overlap_seconds``, so
    the receiver can switch without refusing a delivery."""
    subscription = visible(uow, subscription_id, owner)
    secret = sealing.new_secret()
    subscription.previous_secret_sealed = subscription.secret_sealed
    subscription.previous_until = now + dt.timedelta(seconds=overlap_seconds)
    subscription.secret_sealed = box.seal(secret)
    uow.replace(subscription)
    return subscription, secret


def signing_secrets(subscription, box, now):
    """The secrets a delivery is signed with now: the current one, and the previous one during its overlap."""
    secrets = [box.open(subscription.secret_sealed)]
    if subscription.previous_secret_sealed and subscription.previous_until and subscription.previous_until > now:
        secrets.append(box.open(subscription.previous_secret_sealed))
    return secrets


def owner_query(owner):
    return {} if owner is None else {"owner": owner}


def visible(repo, subscription_id, owner):
    """The subscription, if ``owner`` (None: an administrator) manages it; another's is "no such" (404)."""
    found = repo.find_one(Subscription, {"_id": str(subscription_id), **owner_query(owner)})
    if found is None:
        raise refusals.NotFound("no such subscription")
    return found


def delete(uow, subscription_id, owner):
    subscription = visible(uow, subscription_id, owner)
    uow.delete(Subscription, {"_id": subscription.id})
    uow.delete(Delivery, {"subscription_id": subscription.id}, many=True)
    return subscription


def redeliver(uow, subscription_id, owner, delivery_ids, now):
    """Put the subscription's parked deliveries (those of ``delivery_ids``, or all) back in line, their attempts
    counted afresh; the number put back. Named deliveries that are not parked are refused (409)."""
    subscription = visible(uow, subscription_id, owner)
    query = {"subscription_id": subscription.id, "status": "parked"}
    if delivery_ids:
        wanted = set(delivery_ids)
        found = {d.id for d in uow.find(Delivery, {**query, "_id": {"$in": sorted(wanted)}})}
        if wanted - found:
            raise refusals.Conflict("only parked deliveries of this subscription are delivered again",
                                    field="delivery_ids", detail=f"not parked here: {', '.join(sorted(wanted - found))}")
        query["_id"] = {"$in": sorted(wanted)}
    return uow.update(Delivery, query, {"$set": {"status": "pending", "attempts": 0, "next_attempt_at": now,
                                                 "parked_at": None}}, many=True)
