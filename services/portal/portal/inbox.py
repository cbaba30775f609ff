"""The notification centre's reads and writes: an event's messages stored (in the consumer's transaction, with
their emails queued when email is on), a person's page of messages and unread count, marking read. Every query
names the person's audience and role (``notifications.audience_of``): a message id of another organization typed
into the address bar matches nothing."""
from datetime import datetime, timezone

from . import notifications
from .documents import AuctionLead, EmailDelivery, Notification

PAGE_SIZE = 20


def record(uow, event_name, data, event_id, at, email_on):
    """Store the messages ``event_name`` makes (idempotent per event and audience); returns them."""
    lead = None
    if event_name == notifications.BID_ACCEPTED:
        found = uow.find_one(AuctionLead, {"_id": data["auction_id"]})
        lead = {"organization_id": found.organization_id, "sequence": found.sequence} if found else None
        if notifications.is_newer_lead(lead, data):
            uow.replace(AuctionLead(id=data["auction_id"], organization_id=data["bidder_organization_id"],
                                    sequence=int(data["sequence"])), upsert=True)
    made = notifications.messages_of(event_name, data, lead=lead)
    for message in made:
        message_id = notifications.message_id(event_id, message.audience)
        if uow.find_one(Notification, {"_id": message_id}) is not None:
            continue
        uow.insert(Notification(id=message_id, kind=message.kind, audience=message.audience, roles=list(message.roles),
                                title=message.title, text=message.text, link=message.link, subject=message.subject,
                                event_id=event_id, created_at=at, read_by=[]))
        if email_on:
            uow.insert(EmailDelivery(id=message_id, state="pending", attempts=0, next_at=at))
    return made


def _mine(user):
    audience = notifications.audience_of(user)
    if audience is None or not user.get("role"):
        return None
    return {"audience": audience, "roles": user["role"]}


def unread_count(repo, user):
    query = _mine(user)
    if query is None:
        return 0
    return repo.count(Notification, {**query, "read_by": {"$ne": user["sub"]}})


def page_of(repo, user, page=1, size=PAGE_SIZE):
    """(messages on ``page``, each with ``unread``; total; number of pages), newest first."""
    query = _mine(user)
    if query is None:
        return [], 0, 1
    total = repo.count(Notification, query)
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    found = repo.find(Notification, query, sort=[("created_at", -1), ("_id", -1)], skip=(page - 1) * size, limit=size)
    return [{"id": n.id, "kind": n.kind, "title": n.title, "text": n.text, "link": n.link,
             "created_at": n.created_at.replace(tzinfo=n.created_at.tzinfo or timezone.utc),
             "unread": user["sub"] not in (n.read_by or ())} for n in found], total, pages


def mark_read(repo, user, message_id):
    """True when the message is the person's (and now read by them); False for anyone else's or none."""
    query = _mine(user)
    if query is None:
        return False
    return repo.update(Notification, {"_id": message_id, **query}, {"$addToSet": {"read_by": user["sub"]}}) == 1


def mark_all_read(repo, user):
    query = _mine(user)
    if query is None:
        return 0
    return repo.update(Notification, {**query, "read_by": {"$ne": user["sub"]}},
                       {"$addToSet": {"read_by": user["sub"]}}, many=True)


def now():
    return datetime.now(timezone.utc)
