"""Persistence: mongoengine documents of the registry's database."""
from mongoengine import (
    BooleanField, DateTimeField, DecimalField, DictField, Document, IntField, ListField, StringField,
)

from ttp_common.clock import now_ms

from . import ip, search


class Organization(Document):
    meta = {"collection": "organizations", "indexes": [{"fields": ["credit_code"], "unique": True},
                                                       {"fields": ["kind", "region_code"]}]}

    id = StringField(primary_key=True)
    name = StringField(required=True)
    credit_code = StringField(required=True, min_length=18, max_length=18)
    kind = StringField(required=True)
    region_code = StringField(required=True, min_length=6, max_length=6)
    supervising_department = StringField()
    contact = StringField()  # 联系方式 of the organization's office
    state_established = BooleanField(null=True)  # 国家设立 (第四十五条第二款); None: not stated
    created_at = DateTimeField(required=True, default=now_ms)
    created_by = StringField(required=True)
    accredited = BooleanField(default=False)  # 认定 as a professional service institution
    accredited_at = DateTimeField()
    accreditation_basis = StringField()
    # 高校院所's transfer units (技术转移机构) accredited now: {"name", "accredited_at", "basis"}
    accredited_units = ListField(DictField())
    imported_accreditations = ListField(StringField())  # keys of accreditations loaded from an earlier system
    # corrections (主体信息变更), oldest first: {"at", "by", "changes": [{"field", "old", "new"}]}
    corrections = ListField(DictField())

    def public(self):
        return {
            "id": self.id, "name": self.name, "credit_code": self.credit_code, "kind": self.kind,
            "region_code": self.region_code, "supervising_department": self.supervising_department,
            "contact": self.contact, "state_established": self.state_established,
            "created_at": self.created_at, "accredited": bool(self.accredited),
            "accredited_at": self.accredited_at,
            "accredited_units": [{"name": unit["name"], "accredited_at": unit["accredited_at"]}
                                 for unit in self.accredited_units or ()],
        }


class Achievement(Document):
    """An achievement registration; ``record`` is the validated form (``AchievementIn``, JSON mode)."""

    meta = {"collection": "achievements", "indexes": [
        {"fields": ["registration_number"], "unique": True, "sparse": True},
        {"fields": ["status", "region_code"]},
        {"fields": ["owner_organization_id", "status"]},
    ]}

    id = StringField(primary_key=True)
    owner_organization_id = StringField(required=True)
    region_code = StringField(required=True)
    status = StringField(required=True)
    record = DictField(required=True)
    registration_number = StringField()
    return_reasons = ListField(StringField())
    withdraw_reason = StringField()
    created_at = DateTimeField(required=True, default=now_ms)
    created_by = StringField(required=True)
    updated_at = DateTimeField(required=True, default=now_ms)
    registered_at = DateTimeField()
    published_at = DateTimeField()

    def view(self):
        return {
            "id": self.id, "status": self.status, "owner_organization_id": self.owner_organization_id,
            "region_code": self.region_code, "registration_number": self.registration_number,
            "return_reasons": list(self.return_reasons or []), "created_at": self.created_at,
            "updated_at": self.updated_at, "registered_at": self.registered_at,
            "published_at": self.published_at, **self.record,
        }


class PublicAchievement(Document):
    """Read model of the public query service (公益查询): published achievements only."""

    # A search asks for one term by equality and pages by one sort key (registry.search): (terms, key)
    # serves it in the key's order on MongoDB; SecantusDB (development) fetches the term's documents
    # through it and sorts them. A page without keywords walks a sort-key index.
    meta = {"collection": "public_achievements", "indexes": [
        [("terms", 1), ("newest_key", -1)], [("terms", 1), ("maturity_key", -1)], [("newest_key", -1)],
        [("maturity_key", -1)], "region_code",
    ]}

    id = StringField(primary_key=True)
    published_at = DateTimeField(required=True)
    registration_number = StringField(required=True)
    owner_organization_id = StringField(required=True)
    region_code = StringField(required=True)
    programme = IntField()
    type = StringField(required=True)
    trl = IntField(required=True)
    dual_use = BooleanField(required=True)
    organization_ids = ListField(StringField())
    record = DictField(required=True)
    terms = ListField(StringField())
    newest_key = StringField(required=True)
    maturity_key = StringField(required=True)

    @classmethod
    def of(cls, achievement, published_at):
        """The public copy of an achievement published at ``published_at``."""
        record = achievement.record
        return cls(id=achievement.id, published_at=published_at, registration_number=achievement.registration_number,
                   owner_organization_id=achievement.owner_organization_id, region_code=achievement.region_code,
                   programme=record["programme"], type=record["type"], trl=record["trl"],
                   dual_use=record["dual_use"], organization_ids=record["organization_ids"], record=record,
                   terms=search.document_terms(record),
                   **search.sort_keys(published_at, achievement.id, record["trl"]))

    def public(self):
        return {"id": self.id, "registration_number": self.registration_number, "published_at": self.published_at,
                "region_code": self.region_code, **self.record}


class PlanProject(Document):
    meta = {"collection": "plan_projects", "indexes": [
        {"fields": ["code"], "unique": True}, {"fields": ["fiscal", "satisfied", "overdue", "due_date"]},
    ]}

    id = StringField(primary_key=True)
    code = StringField(required=True)
    title = StringField(required=True)
    organization_id = StringField(required=True)
    region_code = StringField(required=True)
    fiscal = BooleanField(required=True)
    fiscal_funding_yuan = DecimalField(required=True, precision=2, force_string=True)
    end_date = StringField(required=True)  # ISO dates compare as strings
    due_date = StringField(required=True)
    satisfied = BooleanField(default=False)  # a registered achievement or a tech report exists
    overdue = BooleanField(default=False)
    tech_reports = ListField(DictField())
    created_by = StringField(required=True)

    def view(self):
        return {k: self[k] for k in ("id", "code", "title", "organization_id", "region_code", "fiscal",
                                     "fiscal_funding_yuan", "end_date", "due_date", "satisfied", "overdue")} | {
            "tech_reports": list(self.tech_reports or [])}


class CatalogueEntry(Document):
    """An achievement in a dual-use catalogue (军民两用目录)."""

    meta = {"collection": "catalogue_entries", "indexes": ["catalogue", "achievement_id"]}

    id = StringField(primary_key=True)  # "<catalogue>|<achievement id>"
    catalogue = StringField(required=True)
    achievement_id = StringField(required=True)
    note = StringField()
    added_at = DateTimeField(required=True, default=now_ms)
    added_by = StringField(required=True)


class AnnualReport(Document):
    """One organization's report for one year; ``id`` is ``<organization_id>:<year>``."""

    meta = {"collection": "annual_reports", "indexes": ["year", "region_code"]}

    id = StringField(primary_key=True)
    organization_id = StringField(required=True)
    region_code = StringField(required=True)
    year = IntField(required=True)
    status = StringField(required=True)
    record = DictField(required=True)
    late = BooleanField(default=False)
    return_reasons = ListField(StringField())
    submitted_at = DateTimeField()
    forwarded_at = DateTimeField()

    def view(self):
        return {"id": self.id, "organization_id": self.organization_id, "region_code": self.region_code,
                "year": self.year, "status": self.status, "late": self.late,
                "return_reasons": list(self.return_reasons or []), "submitted_at": self.submitted_at,
                "forwarded_at": self.forwarded_at, **self.record}


class AnnualReportFinding(Document):
    """A missing annual report flagged once (``id``: ``missing|<organization_id>:<year>``), or a filer reminded
    once of its approaching deadline (``due_soon|<organization_id>:<year>``)."""

    meta = {"collection": "annual_report_findings"}

    id = StringField(primary_key=True)
    at = DateTimeField(required=True, default=now_ms)


class Disclosure(Document):
    """A duty-achievement disclosure (职务科技成果披露); ``record`` is the disclosed form (``AchievementIn``, JSON
    mode), ``due_date`` the last day of the decision period (ISO, China's date)."""

    meta = {"collection": "disclosures", "indexes": [
        {"fields": ["organization_id", "status"]}, {"fields": ["status", "overdue", "due_date"]},
    ]}

    id = StringField(primary_key=True)
    organization_id = StringField(required=True)
    region_code = StringField(required=True)
    status = StringField(required=True)  # disclosed | decided
    basis = StringField(required=True)
    record = DictField(required=True)
    remarks = StringField(default="")
    disclosed_by = StringField(required=True)
    disclosed_at = DateTimeField(required=True)
    due_date = StringField(required=True)  # ISO dates compare as strings
    overdue = BooleanField(default=False)
    decision = StringField()
    reasons = StringField()
    decided_by = StringField()
    decided_at = DateTimeField()
    decided_late = BooleanField()
    achievement_id = StringField()

    def view(self):
        return {k: self[k] for k in ("id", "organization_id", "region_code", "status", "basis", "remarks",
                                     "disclosed_by", "disclosed_at", "due_date", "overdue", "decision", "reasons",
                                     "decided_by", "decided_at", "decided_late", "achievement_id")} | {
            "achievement": dict(self.record)}


class IpRight(Document):
    """An intellectual property right (知识产权): a patent, software copyright, plant variety right or IC layout
    design (``registry.ip``); ``number_key`` (``<family>|<number>``) makes one record per right."""

    meta = {"collection": "ip_rights", "indexes": [
        {"fields": ["number_key"], "unique": True}, {"fields": ["holder_organization_ids", "kind"]},
        "achievement_ids", "recorded_at",
    ]}

    id = StringField(primary_key=True)
    kind = StringField(required=True)
    number = StringField(required=True)
    number_key = StringField(required=True)
    title = StringField(required=True)
    holder_organization_ids = ListField(StringField(), required=True)
    status = StringField(required=True)  # pending | in_force | lapsed
    filed_on = StringField(required=True)  # ISO dates
    granted_on = StringField()
    lapsed_on = StringField()
    expires_on = StringField()
    achievement_ids = ListField(StringField())
    # state changes, oldest first: {"status", "effective_on", "reason", "at", "by"} (not public: "by")
    history = ListField(DictField())
    recorded_at = DateTimeField(required=True, default=now_ms)
    recorded_by = StringField(required=True)

    def public(self):
        view = {k: self[k] for k in ("id", "kind", "number", "title", "status", "filed_on", "granted_on",
                                     "lapsed_on", "expires_on", "recorded_at")}
        return view | {
            "kind_label": ip.KINDS[self.kind], "status_label": ip.STATUSES[self.status],
            "patent_number": f"ZL{self.number}" if self.kind in ip.PATENT_KINDS and self.granted_on else None,
            "holder_organization_ids": list(self.holder_organization_ids),
            "achievement_ids": list(self.achievement_ids or ()),
            "history": [{k: entry.get(k) for k in ("status", "effective_on", "reason", "at")}
                        for entry in self.history or ()]}


class IpReview(Document):
    """An IP analysis and review (知识产权分析评议) of a major project or plan decision (``registry.ip_reviews``)."""

    meta = {"collection": "ip_reviews", "indexes": ["requesting_organization_id", "region_code"]}

    id = StringField(primary_key=True)
    subject_kind = StringField(required=True)
    subject = StringField(required=True)
    reference = StringField()
    requesting_organization_id = StringField(required=True)
    region_code = StringField(required=True)  # the requesting organization's
    ip_right_ids = ListField(StringField())
    expert_field = StringField(required=True)
    panel_size = IntField(required=True)
    status = StringField(required=True)  # requested | panel_drawn | concluded
    excluded_organization_ids = ListField(StringField())
    panel = ListField(DictField())  # {"id", "organization_id"} of each expert drawn
    conclusion = StringField()
    opinion = StringField()
    signed_by = ListField(StringField())
    requested_at = DateTimeField(required=True)
    requested_by = StringField(required=True)
    panel_drawn_at = DateTimeField()
    concluded_at = DateTimeField()

    def view(self):
        return {k: self[k] for k in ("id", "subject_kind", "subject", "reference", "requesting_organization_id",
                                     "region_code", "expert_field", "panel_size", "status", "conclusion", "opinion",
                                     "requested_at", "panel_drawn_at", "concluded_at")} | {
            "ip_right_ids": list(self.ip_right_ids or ()),
            "excluded_organization_ids": list(self.excluded_organization_ids or ()),
            "panel": [dict(expert) for expert in self.panel or ()], "signed_by": list(self.signed_by or ())}
