"""Persistence: mongoengine documents of the finance service's database.

Amounts are DecimalFields stored as strings (exact); the pool also keeps ``amount_fen``, the
integer fen, so that it can be filtered and sorted by amount in the database.
"""
import logging
from decimal import Decimal

from mongoengine import (
    BooleanField, DateTimeField, DecimalField, DictField, Document, IntField, ListField, LongField, StringField,
)


log = logging.getLogger(__name__)


def Money(**kwargs):
    return DecimalField(precision=2, force_string=True, **kwargs)


def _view(doc, fields):
    return {f: doc[f] for f in fields}


class TransformationProject(Document):
    meta = {"collection": "transformation_projects",
            "indexes": [("status", "region_code"), ("programme", "category"), "achievement_ids"]}

    id = StringField(primary_key=True)
    title = StringField(required=True)
    category = StringField(required=True)
    programme = IntField(required=True, min_value=1, max_value=15)
    region_code = StringField(required=True)
    organization_id = StringField(required=True)
    responsible_department = StringField(required=True)
    budget = Money(required=True)
    stage = StringField(required=True)
    achievement_ids = ListField(StringField())
    status = StringField(required=True)
    proposed_at = DateTimeField(required=True)
    proposed_by = StringField(required=True)
    approved_at = DateTimeField()
    approved_by = StringField()
    started_at = DateTimeField()
    completed_at = DateTimeField()
    completion_summary = StringField()
    terminated_at = DateTimeField()
    termination_reason = StringField()
    updated_at = DateTimeField(required=True)
    project_number = StringField()  # 立项编号 of a project approved in an earlier system (finance.history)
    imported = BooleanField(default=False)

    def public(self):
        return _view(self, ("id", "title", "category", "programme", "region_code", "organization_id",
                            "responsible_department", "budget", "stage", "achievement_ids", "status", "proposed_at",
                            "approved_at", "started_at", "completed_at", "completion_summary", "terminated_at",
                            "termination_reason", "project_number", "imported"))


class FinancingProject(Document):
    # (filter fields, sort key, _id): the pool query's indexes on MongoDB.
    meta = {"collection": "financing_projects", "indexes": [
        [("status", 1), ("listed_at", -1), ("_id", -1)],
        [("status", 1), ("instruments", 1), ("amount_fen", -1), ("_id", -1)],
        [("status", 1), ("region_code", 1), ("listed_at", -1), ("_id", -1)],
        "organization_id",
        "achievement_ids",
    ]}

    id = StringField(primary_key=True)
    title = StringField(required=True)
    organization_id = StringField(required=True)
    region_code = StringField(required=True)
    amount = Money(required=True)
    amount_fen = LongField(required=True)
    raised = Money(required=True, default=Decimal("0.00"))
    stage = StringField(required=True)
    instruments = ListField(StringField(), required=True)
    industry = StringField(required=True)
    summary = StringField()
    achievement_ids = ListField(StringField())
    contract_ids = ListField(StringField())
    transformation_project_id = StringField()
    status = StringField(required=True)  # listed, withdrawn
    listed_at = DateTimeField(required=True)
    listed_by = StringField(required=True)
    withdrawn_at = DateTimeField()

    def public(self):
        return _view(self, ("id", "title", "organization_id", "region_code", "amount", "raised", "stage",
                            "instruments", "industry", "summary", "achievement_ids", "contract_ids",
                            "transformation_project_id", "status", "listed_at", "withdrawn_at"))


class Investor(Document):
    meta = {"collection": "investors", "indexes": [{"fields": ["organization_id"], "unique": True}]}

    id = StringField(primary_key=True)
    name = StringField(required=True)
    kind = StringField(required=True)
    organization_id = StringField(required=True)
    registered_at = DateTimeField(required=True)

    def public(self):
        return _view(self, ("id", "name", "kind", "organization_id", "registered_at"))


class Fund(Document):
    meta = {"collection": "funds", "indexes": ["investor_id", "parent_fund_id"]}

    id = StringField(primary_key=True)
    name = StringField(required=True)
    kind = StringField(required=True)
    investor_id = StringField(required=True)
    parent_fund_id = StringField()
    committed_amount = Money(required=True)
    invested_amount = Money(required=True, default=Decimal("0.00"))
    # A guidance fund: what its sub-funds commit, rewritten on each registration so that concurrent ones conflict.
    sub_funds_committed_amount = Money()
    registered_at = DateTimeField(required=True)

    def public(self):
        return _view(self, ("id", "name", "kind", "investor_id", "parent_fund_id", "committed_amount",
                            "invested_amount", "registered_at"))


class Deal(Document):
    meta = {"collection": "deals", "indexes": ["financing_project_id", "investor_id", "organization_id"]}

    id = StringField(primary_key=True)
    financing_project_id = StringField(required=True)
    organization_id = StringField(required=True)
    region_code = StringField(required=True)
    investor_id = StringField(required=True)
    investor_kind = StringField(required=True)
    fund_id = StringField()
    roadshow_id = StringField()
    instrument = StringField(required=True)
    status = StringField(required=True)
    amount = Money()
    annual_rate = DecimalField(precision=6, force_string=True)
    term_months = IntField()
    terms = StringField()
    pledged_ip_right_ids = ListField(StringField())  # an IP pledge's rights (质押的知识产权), at the close
    pledge_lapsed = ListField(DictField())  # each pledged right that lapsed since: ip_right_id, lapsed_on (ISO date)
    declined_by = StringField()
    decline_reason = StringField()
    expressed_at = DateTimeField(required=True)
    closed_at = DateTimeField()
    updated_at = DateTimeField(required=True)

    def public(self):
        return _view(self, ("id", "financing_project_id", "organization_id", "region_code", "investor_id",
                            "investor_kind", "fund_id", "roadshow_id", "instrument", "status", "amount", "annual_rate",
                            "term_months", "terms", "declined_by", "decline_reason", "expressed_at", "closed_at")) | {
            "pledged_ip_right_ids": list(self.pledged_ip_right_ids or ()),
            "pledge_lapsed": [dict(entry) for entry in self.pledge_lapsed or ()]}


SUBSIDIES = "subsidies"
OPEN_APPLICATION_INDEX = "one_open_application_per_instrument"
LEGACY_APPLICATION_INDEX = "deal_id_1_instrument_1"  # unique even after a rejection; dropped at start-up


class Subsidy(Document):
    # One pending or approved application per deal and instrument; a rejected one leaves room for a new one.
    meta = {"collection": SUBSIDIES, "indexes": [
        {"fields": ["deal_id", "instrument"], "unique": True, "name": OPEN_APPLICATION_INDEX,
         "partialFilterExpression": {"status": {"$in": ["applied", "approved"]}}},
        [("organization_id", 1), ("applied_at", -1)],
        [("region_code", 1), ("applied_at", -1)],
    ]}

    id = StringField(primary_key=True)
    deal_id = StringField(required=True)
    organization_id = StringField(required=True)
    region_code = StringField(required=True)
    instrument = StringField(required=True)
    rule_year = IntField(required=True)
    computed_amount = Money(required=True)
    uncapped_amount = Money(required=True)
    capped = BooleanField(required=True)
    amount = Money(required=True)
    loss = Money()
    premium = Money()
    guarantee_fee = Money()
    status = StringField(required=True)  # applied, approved, rejected
    applied_at = DateTimeField(required=True)
    applied_by = StringField(required=True)
    decided_at = DateTimeField()
    decided_by = StringField()
    rejection_reason = StringField()

    def public(self):
        return _view(self, ("id", "deal_id", "organization_id", "region_code", "instrument", "rule_year",
                            "computed_amount", "uncapped_amount", "capped", "amount", "loss", "premium",
                            "guarantee_fee", "status", "applied_at", "decided_at", "rejection_reason"))


class Roadshow(Document):
    meta = {"collection": "roadshows", "indexes": ["starts_at"]}

    id = StringField(primary_key=True)
    title = StringField(required=True)
    kind = StringField(required=True)
    region_code = StringField(required=True)
    starts_at = DateTimeField(required=True)
    organizer = StringField(required=True)
    financing_project_ids = ListField(StringField(), required=True)
    investor_ids = ListField(StringField())
    scheduled_by = StringField(required=True)

    def public(self):
        return _view(self, ("id", "title", "kind", "region_code", "starts_at", "organizer", "financing_project_ids",
                            "investor_ids"))


class OrganizationFacts(Document):
    """Replica of what other services published about an organization (never their databases)."""

    meta = {"collection": "organization_facts"}

    id = StringField(primary_key=True)  # the organization id
    registered_contract_ids = ListField(StringField())   # as seller, from transactions.contract.registered
    published_achievement_ids = ListField(StringField())  # from registry.achievement.published

    @property
    def ip_pledge_eligible(self):
        return bool(self.registered_contract_ids or self.published_achievement_ids)


class AchievementLink(Document):
    """Replica of the registry's achievement events: its status (registered, published, withdrawn; the last
    event's, in the order of the achievement's topic) and the organizations they named, to check the ids that
    projects and financing needs name (``ttp_common.links``)."""

    meta = {"collection": "achievement_links"}

    id = StringField(primary_key=True)
    status = StringField(required=True)
    organization_ids = ListField(StringField())


class IpRightLink(Document):
    """Replica of the registry's IP events (``registry.ip_right.*``): a right's state (pending, in_force,
    lapsed) and holders, to check the rights an IP pledge names (``ttp_common.links``)."""

    meta = {"collection": "ip_right_links"}

    id = StringField(primary_key=True)
    status = StringField(required=True)
    holder_organization_ids = ListField(StringField())


class ContractLink(Document):
    """Replica of ``transactions.contract.registered.v1``: a registered contract and its parties."""

    meta = {"collection": "contract_links"}

    id = StringField(primary_key=True)
    status = StringField(required=True)  # registered (registration is never undone)
    seller_organization_id = StringField()
    buyer_organization_id = StringField()
    achievement_id = StringField()


def drop_legacy_indexes(db):
    """Migration: drop the subsidy index of earlier releases (one application per deal and instrument,
    even after a rejection) and make sure its replacement exists; True when there was one to drop."""
    collection = db[SUBSIDIES]
    if LEGACY_APPLICATION_INDEX not in collection.index_information():
        return False
    collection.drop_index(LEGACY_APPLICATION_INDEX)
    Subsidy.ensure_indexes()
    log.info("dropped the legacy subsidy index: a rejected application may now be made again")
    return True
