"""Persistence: mongoengine documents of the talent service's database.

Money and percentages are kept as exact decimal strings (inside ``record``/``check`` dicts or in
``BrokerPerformance``), never floats.
"""
from mongoengine import BooleanField, DateTimeField, DictField, Document, IntField, ListField, StringField

from ttp_common import clock


class Person(Document):
    meta = {"collection": "people", "indexes": [{"fields": ["kinds", "fields"]}]}

    id = StringField(primary_key=True)
    name = StringField(required=True)
    kinds = ListField(StringField(), required=True)
    organization_id = StringField()
    fields = ListField(StringField())
    title = StringField()
    contact = DictField()          # personal data: never public, never in events
    id_number = StringField()      # personal data: never public, never in events
    public_fields = ListField(StringField())
    assignments = IntField(default=0)  # expert review load, to spread assignments
    created_at = DateTimeField(required=True, default=clock.now_ms)
    created_by = StringField(required=True)
    updated_at = DateTimeField()   # the last change of contact, fields or consent
    updated_by = StringField()

    def as_dict(self):
        return {"id": self.id, "name": self.name, "kinds": list(self.kinds), "organization_id": self.organization_id,
                "fields": list(self.fields or []), "title": self.title, "contact": dict(self.contact or {}) or None,
                "id_number": self.id_number, "public_fields": list(self.public_fields or []),
                "assignments": self.assignments or 0, "created_at": self.created_at, "created_by": self.created_by,
                "updated_at": self.updated_at, "updated_by": self.updated_by}


class Programme(Document):
    meta = {"collection": "programmes", "indexes": [{"fields": ["kind", "level", "-created_at"]}]}

    id = StringField(primary_key=True)
    title = StringField(required=True)
    kind = StringField(required=True)
    level = StringField()
    provider_organization_id = StringField(required=True)
    provider_name = StringField(required=True)
    sessions = ListField(DictField(), required=True)
    total_hours = IntField(required=True)
    required_hours = IntField(required=True)
    pass_mark = IntField(required=True)
    assessment_required = BooleanField(required=True)
    created_at = DateTimeField(required=True, default=clock.now_ms)
    created_by = StringField(required=True)

    def as_dict(self):
        return {k: self[k] for k in ("id", "title", "kind", "level", "provider_organization_id", "provider_name",
                                     "sessions", "total_hours", "required_hours", "pass_mark",
                                     "assessment_required", "created_at")}


class Enrolment(Document):
    meta = {"collection": "enrolments", "indexes": [{"fields": ["programme_id", "person_id"], "unique": True},
                                                    {"fields": ["person_id", "status"]}]}

    id = StringField(primary_key=True)
    programme_id = StringField(required=True)
    provider_organization_id = StringField(required=True)
    person_id = StringField(required=True)
    person_organization_id = StringField()
    kind = StringField(required=True)
    level = StringField()
    status = StringField(required=True)  # enrolled, completed
    attended = ListField(StringField())
    attended_hours = IntField(default=0)
    score = IntField()
    passed = BooleanField(default=False)
    enrolled_at = DateTimeField(required=True, default=clock.now_ms)
    completed_at = DateTimeField()

    def as_dict(self):
        return {k: self[k] for k in ("id", "programme_id", "provider_organization_id", "person_id", "kind", "level",
                                     "status", "attended", "attended_hours", "score", "passed", "enrolled_at",
                                     "completed_at")}


class Certificate(Document):
    meta = {"collection": "certificates", "indexes": [{"fields": ["person_id"]},
                                                      {"fields": ["valid_until", "expiry_announced_at"]}]}

    id = StringField(primary_key=True)  # the certificate number, SCTB-2026-J-00001
    person_id = StringField(required=True)
    level = StringField(required=True)
    status = StringField(required=True)  # active, suspended (expired is computed from valid_until)
    valid_from = StringField(required=True)
    valid_until = StringField(required=True)
    issued_at = DateTimeField(required=True, default=clock.now_ms)
    history = ListField(DictField())
    expiry_announced_at = DateTimeField()  # when talent.broker.certificate_expired.v1 announced its expiry (once)

    def as_dict(self):
        return {"number": self.id, "person_id": self.person_id, "level": self.level, "status": self.status,
                "valid_from": self.valid_from, "valid_until": self.valid_until, "issued_at": self.issued_at,
                "history": list(self.history or [])}


class RewardPlan(Document):
    meta = {"collection": "rewards", "indexes": [{"fields": ["organization_id", "compliant"]},
                                                 {"fields": ["-created_at"]}]}

    id = StringField(primary_key=True)
    organization_id = StringField(required=True)
    compliant = BooleanField(required=True)
    record = DictField(required=True)  # the plan as submitted (JSON mode: decimals as strings)
    check = DictField(required=True)   # the article 45 finding
    created_at = DateTimeField(required=True, default=clock.now_ms)
    created_by = StringField(required=True)

    def as_dict(self):
        return {"id": self.id, **self.record, "check": self.check, "created_at": self.created_at,
                "created_by": self.created_by}


class Post(Document):
    """A technology transfer post (科技成果转移转化岗) or a talent programme participation (人才计划).

    ``key`` is its natural key (``people.post_key``/``participation_key``), unique so it is counted once.
    Records from before the key got it at start-up (``migrations.key_posts``); the index stays sparse for
    the duplicates among them, which are logged there and left as they were."""

    meta = {"collection": "posts", "indexes": [{"fields": ["person_id"]},
                                               {"fields": ["key"], "unique": True, "sparse": True}]}

    id = StringField(primary_key=True)
    person_id = StringField(required=True)
    category = StringField(required=True)  # post, programme
    key = StringField()
    record = DictField(required=True)
    created_at = DateTimeField(required=True, default=clock.now_ms)
    created_by = StringField(required=True)

    def as_dict(self):
        return {"id": self.id, "person_id": self.person_id, "category": self.category, **self.record,
                "created_at": self.created_at}


class Assignment(Document):
    meta = {"collection": "assignments"}

    id = StringField(primary_key=True)
    kind = StringField(required=True)  # review, mentorship
    record = DictField(required=True)
    created_at = DateTimeField(required=True, default=clock.now_ms)
    created_by = StringField(required=True)

    def as_dict(self):
        return {"id": self.id, "kind": self.kind, **self.record, "created_at": self.created_at}


class AchievementReplica(Document):
    """What this service knows of the registry's achievements, from its events only: every organization
    any event named (the owner on each but published; all completing organizations on submission, from
    revision 2 of the submitted event, and on publication), for the conflict-of-interest check of expert
    assignments. Organizations are only ever added."""

    meta = {"collection": "achievements"}

    id = StringField(primary_key=True)
    organization_ids = ListField(StringField())
    status = StringField()  # of the last event: submitted, registered, returned, published, withdrawn
    updated_at = DateTimeField()


class ContractIncomeReplica(Document):
    """What this service knows of a contract's verified technical income (技术性收入核定), from
    ``transactions.contract.income_verified.v1``: the income a reward plan may cite as its net income."""

    meta = {"collection": "contract_incomes"}

    id = StringField(primary_key=True)  # the contract id
    seller_organization_id = StringField(required=True)
    achievement_id = StringField()
    verified_income = StringField(required=True)  # exact yuan, the contract's total so far
    updated_at = DateTimeField()


class OrganizationReplica(Document):
    """What this service knows of the registry's organizations, from ``registry.organization.registered.v1``:
    the kind and whether the state established it (第四十五条第二款: then its own reward rules must meet the
    statutory standards). None: not stated (and in events before revision 3)."""

    meta = {"collection": "organizations"}

    id = StringField(primary_key=True)
    kind = StringField()
    state_established = BooleanField(null=True)
    updated_at = DateTimeField()


class BrokerPerformance(Document):
    """A broker's figures from the registered technology contracts they took part in (``performance``):
    totals, per year of registration and per contract type, and the contracts counted (each once)."""

    meta = {"collection": "broker_performance"}

    id = StringField(primary_key=True)  # the person id
    contracts = IntField(default=0)
    contract_amount = StringField(default="0.00")
    technology_transaction_amount = StringField(default="0.00")
    by_year = DictField()
    by_type = DictField()
    contract_ids = ListField(StringField())
    counted = DictField()  # contract id -> what it added (amounts, year, type), to take off on a cancellation
    cancelled_ids = ListField(StringField())  # contracts taken off after a cancellation: never counted again

    def record(self):
        """As ``performance`` computes on it (``performance.empty`` for a broker with no contract yet)."""
        return {"_id": self.id, "contracts": self.contracts, "contract_amount": self.contract_amount,
                "technology_transaction_amount": self.technology_transaction_amount,
                "by_year": dict(self.by_year or {}), "by_type": dict(self.by_type or {}),
                "contract_ids": list(self.contract_ids or []), "counted": dict(self.counted or {}),
                "cancelled_ids": list(self.cancelled_ids or [])}


class CertificateGuard(Document):
    """One per person holding (or being given) a certificate: certifying and suspending or reinstating
    both write it, so they conflict instead of both committing on what the other changed
    (``handlers.brokers.guard_certificates``)."""

    meta = {"collection": "certificate_guards"}

    id = StringField(primary_key=True)  # the person id
    version = IntField()
    at = DateTimeField()
