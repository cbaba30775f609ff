"""Persistence: mongoengine documents of the innovation service's database, and the replica of what the
registry announced (organizations' kinds, registered achievements), never its database."""
from mongoengine import BooleanField, DateTimeField, DecimalField, Document, IntField, ListField, StringField


def _view(doc, fields):
    return {f: doc[f] for f in fields}


class Facility(Document):
    meta = {"collection": "facilities", "indexes": [("kind", "region_code"), "owner_organization_id"]}

    id = StringField(primary_key=True)
    owner_organization_id = StringField(required=True)
    kind = StringField(required=True)
    name = StringField(required=True)
    region_code = StringField(required=True)
    terms = StringField(required=True)
    open_hours_per_year = IntField(required=True)
    listed_at = DateTimeField(required=True)
    listed_by = StringField(required=True)

    def public(self):
        return _view(self, ("id", "owner_organization_id", "kind", "name", "region_code", "terms",
                            "open_hours_per_year", "listed_at"))


class Booking(Document):
    """A request for time on a facility (使用预约), seen only by the enterprise, the owner and admins."""

    meta = {"collection": "bookings", "indexes": ["enterprise_organization_id", "owner_organization_id",
                                                   ("status", "used_at")]}

    id = StringField(primary_key=True)
    facility_id = StringField(required=True)
    facility_kind = StringField(required=True)
    region_code = StringField(required=True)
    owner_organization_id = StringField(required=True)
    enterprise_organization_id = StringField(required=True)
    starts_at = DateTimeField(required=True)
    ends_at = DateTimeField(required=True)
    hours = IntField(required=True)
    purpose = StringField(required=True)
    status = StringField(required=True)
    requested_at = DateTimeField(required=True)
    requested_by = StringField(required=True)
    decided_at = DateTimeField()
    decided_by = StringField()
    decline_reason = StringField()
    hours_used = DecimalField(precision=1, force_string=True)
    used_at = DateTimeField()

    def view(self):
        return _view(self, ("id", "facility_id", "facility_kind", "region_code", "owner_organization_id",
                            "enterprise_organization_id", "starts_at", "ends_at", "hours", "purpose", "status",
                            "requested_at", "decided_at", "decline_reason", "hours_used", "used_at"))


class Carrier(Document):
    meta = {"collection": "carriers", "indexes": [("kind", "level", "region_code")]}

    id = StringField(primary_key=True)
    name = StringField(required=True)
    kind = StringField(required=True)
    level = StringField(required=True)
    region_code = StringField(required=True)
    operator_organization_id = StringField(required=True)
    recorded_at = DateTimeField(required=True)
    recorded_by = StringField(required=True)

    def public(self):
        return _view(self, ("id", "name", "kind", "level", "region_code", "operator_organization_id", "recorded_at"))


class Incubation(Document):
    """An enterprise's stay in a carrier. At most one open stay per enterprise and carrier (``open_key``)."""

    meta = {"collection": "incubations", "indexes": [
        "carrier_id", "region_code", {"fields": ["open_key"], "unique": True}]}

    id = StringField(primary_key=True)
    carrier_id = StringField(required=True)
    region_code = StringField(required=True)
    enterprise_organization_id = StringField(required=True)
    entered_on = StringField(required=True)  # ISO date, China Standard Time
    achievement_ids = ListField(StringField())
    built_on_achievement = BooleanField(required=True)
    status = StringField(required=True)
    graduated_on = StringField()
    open_key = StringField(required=True)  # "<carrier>|<enterprise>" while incubating, then the id
    recorded_by = StringField(required=True)

    def view(self):
        return _view(self, ("id", "carrier_id", "region_code", "enterprise_organization_id", "entered_on",
                            "achievement_ids", "built_on_achievement", "status", "graduated_on"))


class OrganizationReplica(Document):
    """The registry's organizations, from ``registry.organization.registered.v1``: kind and region."""

    meta = {"collection": "organizations"}

    id = StringField(primary_key=True)
    kind = StringField()
    region_code = StringField()


class AchievementReplica(Document):
    """The registry's registered achievements, from ``registry.achievement.registered.v1``."""

    meta = {"collection": "achievements"}

    id = StringField(primary_key=True)
    organization_id = StringField()
    registered_at = DateTimeField()
