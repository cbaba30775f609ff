"""Persistence: mongoengine documents of the innovation service's database, and the replica of what the
registry announced (organizations' kinds, registered achievements), never its database."""
from mongoengine import (BooleanField, DateTimeField, DecimalField, DictField, Document, IntField, ListField,
                         StringField)


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


class DesignationCall(Document):
    """A call for applications (年度申报) with its criteria and weights (``designations.CallIn``)."""

    meta = {"collection": "designation_calls", "indexes": [("kind", "year")]}

    id = StringField(primary_key=True)
    kind = StringField(required=True)
    year = IntField(required=True)
    title = StringField(required=True)
    criteria = ListField(DictField(), required=True)  # [{code, name, weight}]
    pass_score = IntField(required=True)
    keep_score = IntField(required=True)
    panel_size = IntField(required=True)
    expert_field = StringField(required=True)
    closes_on = StringField(required=True)  # ISO date, China Standard Time
    opened_at = DateTimeField(required=True)
    opened_by = StringField(required=True)

    def public(self):
        return _view(self, ("id", "kind", "year", "title", "criteria", "pass_score", "keep_score", "panel_size",
                            "expert_field", "closes_on", "opened_at"))


class DesignationApplication(Document):
    """An organization's application to a call; one per organization and call (``one_key``). The statements,
    the panel and its sheets are seen by the applicant, the reviewers of its region and admins."""

    meta = {"collection": "designation_applications", "indexes": [
        "call_id", "organization_id", ("status", "region_code"), {"fields": ["one_key"], "unique": True}]}

    id = StringField(primary_key=True)
    call_id = StringField(required=True)
    kind = StringField(required=True)
    year = IntField(required=True)
    organization_id = StringField(required=True)
    county_code = StringField()
    region_code = StringField(required=True)
    statements = DictField(required=True)
    status = StringField(required=True)
    submitted_at = DateTimeField(required=True)
    submitted_by = StringField(required=True)
    eligibility_reasons = ListField(DictField())
    checked_at = DateTimeField()
    panel = ListField(StringField())
    excluded_organization_ids = ListField(StringField())
    sheets = ListField(DictField())  # [{person_id, scores, weighted, remarks, recorded_at}]
    score = StringField()  # the panel's weighted mean, two places
    decided_at = DateTimeField()
    designation_id = StringField()
    one_key = StringField(required=True)  # "<call>|<organization>"

    def view(self):
        return _view(self, ("id", "call_id", "kind", "year", "organization_id", "county_code", "region_code",
                            "statements", "status", "submitted_at", "eligibility_reasons", "checked_at", "panel",
                            "sheets", "score", "decided_at", "designation_id"))


class Designation(Document):
    """A designation (认定) with its annual assessments; at most one in force per organization and kind
    (``in_force_key``, the id once revoked)."""

    meta = {"collection": "designations", "indexes": [
        ("kind", "region_code"), "organization_id", {"fields": ["in_force_key"], "unique": True}]}

    id = StringField(primary_key=True)
    application_id = StringField(required=True)
    call_id = StringField(required=True)
    kind = StringField(required=True)
    organization_id = StringField(required=True)
    region_code = StringField(required=True)
    year = IntField(required=True)
    score = StringField(required=True)
    status = StringField(required=True)
    designated_at = DateTimeField(required=True)
    assessments = ListField(DictField())  # [{year, score, outcome, remarks, assessed_at}]
    revoked_at = DateTimeField()
    in_force_key = StringField(required=True)

    def public(self):
        return _view(self, ("id", "application_id", "call_id", "kind", "organization_id", "region_code", "year",
                            "score", "status", "designated_at", "assessments", "revoked_at"))


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
