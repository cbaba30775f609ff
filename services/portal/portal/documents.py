"""The portal's own database holds browser sessions and the notification centre's messages (it owns no domain
data: a message is what an event of another service said, addressed by ``portal.notifications``)."""
from mongoengine import DateTimeField, DictField, Document, IntField, ListField, StringField


class BrowserSession(Document):
    """A browser's session: ``id`` is the SHA-256 of the cookie's key (``portal.sessions``)."""

    meta = {"collection": "sessions", "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}]}

    id = StringField(primary_key=True)
    started_at = DateTimeField(required=True)
    last_seen_at = DateTimeField(required=True)
    expires_at = DateTimeField(required=True)  # the database drops it then (sessions.ends_at, checked on read too)
    csrf_token = StringField(required=True)
    # during a sign-in: the OAuth state, the PKCE verifier and where to go afterwards
    state = StringField()
    code_verifier = StringField()
    next_path = StringField()
    # once signed in
    user = DictField()
    access_token = StringField()
    refresh_token = StringField()
    access_expires_at = DateTimeField()


class Notification(Document):
    """A message of the notification centre (``portal.notifications``): ``read_by`` the ids (``sub``) of the
    people who marked it read. The index serves a person's list (their audience, newest first)."""

    meta = {"collection": "notifications", "indexes": [{"fields": ["audience", "created_at"]}]}

    id = StringField(primary_key=True)     # notifications.message_id: one per event and audience
    kind = StringField(required=True)
    audience = StringField(required=True)  # org:<id> | region:<code>
    roles = ListField(StringField(), required=True)
    title = StringField(required=True)
    text = StringField(required=True)
    link = StringField()
    subject = StringField(required=True)
    event_id = StringField(required=True)
    created_at = DateTimeField(required=True)
    read_by = ListField(StringField())


class AuctionLead(Document):
    """An auction's leading bid as the ``bid_accepted`` events told it (who is outbid by the next one)."""

    meta = {"collection": "auction_leads"}

    id = StringField(primary_key=True)     # the auction id
    organization_id = StringField(required=True)
    sequence = IntField(required=True)


class EmailDelivery(Document):
    """The email of one message (``portal.mail``): pending until sent, tried again after a failure, given up
    (``failed``) after the last try; the message itself stays in the centre either way. No address is kept:
    the recipients are looked up at the identity service when it is sent."""

    meta = {"collection": "email_deliveries", "indexes": [{"fields": ["state", "next_at"]}]}

    id = StringField(primary_key=True)     # the notification's id
    state = StringField(required=True, default="pending")  # pending | sent | failed
    attempts = IntField(required=True, default=0)
    next_at = DateTimeField(required=True)
    last_error = StringField()             # the kind of failure (an exception's class name), never its text
    sent_at = DateTimeField()
    recipients = IntField()


DOCUMENTS = (BrowserSession, Notification, AuctionLead, EmailDelivery)
