"""Persistence: subscriptions and their deliveries (one per event and subscription), in the service's database."""
from mongoengine import DateTimeField, DictField, Document, IntField, ListField, StringField


class Subscription(Document):
    meta = {"collection": "subscriptions", "indexes": ["owner", "event_types"]}

    id = StringField(primary_key=True)
    owner = StringField(required=True)  # the client system's id (admins create for a client: ``owner`` given)
    url = StringField(required=True)
    event_types = ListField(StringField(), required=True)
    regions = ListField(StringField())
    organizations = ListField(StringField())
    mode = StringField(required=True)
    description = StringField()
    secret_sealed = StringField(required=True)  # ``sealing.Box``: never answered, never logged
    previous_secret_sealed = StringField()  # after a rotation, also signed with until ``previous_until``
    previous_until = DateTimeField()
    created_at = DateTimeField(required=True)
    created_by = StringField(required=True)

    def view(self):
        return {"id": self.id, "owner": self.owner, "url": self.url, "event_types": list(self.event_types),
                "regions": list(self.regions), "organizations": list(self.organizations), "mode": self.mode,
                "description": self.description or "", "created_at": self.created_at,
                "previous_secret_valid_until": self.previous_until}


class Delivery(Document):
    """One event for one subscription, until the receiver answered 2xx (``delivered``) or it was parked."""

    meta = {"collection": "deliveries",
            "indexes": [{"fields": ["subscription_id", "event_id"], "unique": True},
                        ("subscription_id", "status", "seq"), ("status", "delivered_at")]}

    id = StringField(primary_key=True)
    subscription_id = StringField(required=True)
    seq = IntField(required=True)  # the order deliveries were created in (``mongo.next_serial``)
    aggregate = StringField(required=True)  # topic and subject: the events kept in order
    event_id = StringField(required=True)
    event_name = StringField(required=True)
    attributes = DictField(required=True)  # the CloudEvent's attributes (id, source, type, subject, time, ...)
    data = StringField(required=True)  # the event's data as JSON
    status = StringField(required=True)
    attempts = IntField(required=True, default=0)
    next_attempt_at = DateTimeField()
    last_error = StringField()
    last_status_code = IntField()
    created_at = DateTimeField(required=True)
    delivered_at = DateTimeField()
    parked_at = DateTimeField()

    def view(self):
        return {"id": self.id, "subscription_id": self.subscription_id, "event_id": self.event_id,
                "event_name": self.event_name, "subject": self.attributes.get("subject"), "status": self.status,
                "attempts": self.attempts, "next_attempt_at": self.next_attempt_at, "last_error": self.last_error,
                "last_status_code": self.last_status_code, "created_at": self.created_at,
                "delivered_at": self.delivered_at, "parked_at": self.parked_at}
