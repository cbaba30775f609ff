"""Persistence: mongoengine documents of the registry's database."""
import datetime as dt

from mongoengine import BooleanField, DateTimeField, Document, StringField


def now_ms():
    """Now, to MongoDB's millisecond precision, so the 201 body equals what a later GET returns."""
    now = dt.datetime.now(dt.timezone.utc)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class Organization(Document):
    meta = {"collection": "organizations", "indexes": [{"fields": ["credit_code"], "unique": True}]}

    id = StringField(primary_key=True)
    name = StringField(required=True)
    credit_code = StringField(required=True, min_length=18, max_length=18)
    kind = StringField(required=True)
    region_code = StringField(required=True, min_length=6, max_length=6)
    supervising_department = StringField()
    created_at = DateTimeField(required=True, default=now_ms)
    created_by = StringField(required=True)
    accredited = BooleanField(default=False)  # 认定 as a professional service institution
    accredited_at = DateTimeField()
    accreditation_basis = StringField()

    def public(self):
        return {
            "id": self.id, "name": self.name, "credit_code": self.credit_code, "kind": self.kind,
            "region_code": self.region_code, "supervising_department": self.supervising_department,
            "created_at": self.created_at, "accredited": bool(self.accredited),
            "accredited_at": self.accredited_at,
        }
