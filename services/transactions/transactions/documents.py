"""Persistence: mongoengine documents of the transactions service's database (written through
``uow.insert`` / ``uow.replace`` inside transactions, STACK-NOTES 4)."""
import datetime as dt
import logging

from mongoengine import (
    DateTimeField, DecimalField, DictField, Document, FloatField, IntField, ListField, StringField,
)

log = logging.getLogger(__name__)


def aware(value):
    """MongoDB may hand back naive UTC datetimes."""
    return value if value is None or value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def Money(**kwargs):
    return DecimalField(precision=2, force_string=True, **kwargs)  # stored as exact strings


def _pick(doc, names):
    return {name: doc[name] for name in names}


class AchievementReplica(Document):
    """What this service needs of the registry's published achievements (from its events only)."""

    meta = {"collection": "achievements"}

    id = StringField(primary_key=True)
    status = StringField(required=True)  # published | withdrawn
    registration_number = StringField()
    title = StringField(required=True)
    summary = StringField(default="")
    keywords = ListField(StringField())
    industry = StringField(default="")
    programme = IntField()
    trl = IntField(required=True)
    region_code = StringField(required=True)
    organization_ids = ListField(StringField())
    patent_numbers = ListField(StringField())
    published_at = DateTimeField()
    updated_at = DateTimeField()


class IpRightReplica(Document):
    """What this service needs of the registry's IP rights (知识产权), from ``registry.ip_right.*`` events only."""

    meta = {"collection": "ip_rights"}

    id = StringField(primary_key=True)
    kind = StringField(required=True)
    number = StringField(required=True)
    title = StringField(default="")
    holder_organization_ids = ListField(StringField())
    status = StringField(required=True)  # pending | in_force | lapsed
    updated_at = DateTimeField()


class Listing(Document):
    meta = {"collection": "listings", "indexes": [{"fields": ["status", "ends_at"]}, {"fields": ["achievement_id"]},
                                                  {"fields": ["status", "terms"]}]}

    id = StringField(primary_key=True)
    achievement_id = StringField(required=True)
    patent_number = StringField()
    ip_right_ids = ListField(StringField())  # the registry's IP rights listed with it (知识产权挂牌)
    transfer_mode = StringField()  # assignment (转让) | licence (许可), with ip_right_ids
    licence_kind = StringField()  # exclusive (独占) | sole (排他) | non_exclusive (普通许可), with a licence
    seller_organization_id = StringField(required=True)
    mode = StringField(required=True)
    asking_price = Money(required=True)
    status = StringField(required=True)  # open | withdrawn | closed
    title = StringField(required=True)
    description = StringField(default="")
    keywords = ListField(StringField())
    programme = IntField()
    trl = IntField(required=True)
    region_code = StringField(required=True)
    terms = ListField(StringField())
    opened_at = DateTimeField(required=True)
    ends_at = DateTimeField(required=True)
    closed_at = DateTimeField()
    close_reason = StringField()
    created_by = StringField(required=True)
    # The listing's open auction: set by a guarded update when one is scheduled, cleared when it closes,
    # so a second auction or a withdrawal in a concurrent transaction conflicts on this document.
    open_auction_id = StringField()

    PUBLIC = ("id", "achievement_id", "patent_number", "ip_right_ids", "transfer_mode", "licence_kind",
              "seller_organization_id",
              "mode", "asking_price", "status",
              "title", "description", "keywords", "programme", "trl", "region_code", "opened_at", "ends_at",
              "closed_at", "close_reason")

    def view(self):
        return _pick(self, self.PUBLIC)


class Demand(Document):
    meta = {"collection": "demands", "indexes": [{"fields": ["status", "deadline"]}]}

    id = StringField(primary_key=True)
    organization_id = StringField(required=True)
    title = StringField(required=True)
    problem = StringField(required=True)
    keywords = ListField(StringField())
    programme = IntField()
    region_code = StringField(required=True)
    budget = Money()
    min_trl = IntField(required=True)
    deadline = StringField(required=True)  # ISO date
    status = StringField(required=True)  # open | withdrawn
    terms = ListField(StringField())
    published_at = DateTimeField(required=True)
    withdrawn_at = DateTimeField()
    withdrawal_reason = StringField()
    created_by = StringField(required=True)
    # Set by every match proposal with a guarded update, so a proposal and a withdrawal in concurrent
    # transactions conflict on this document and the retried one sees the other's write.
    last_proposed_at = DateTimeField()

    PUBLIC = ("id", "organization_id", "title", "problem", "keywords", "programme", "region_code", "budget",
              "min_trl", "deadline", "status", "published_at", "withdrawn_at", "withdrawal_reason")

    def view(self):
        return _pick(self, self.PUBLIC)


LIVE_PAIR_INDEX = "live_pair_1"
MATCHES = "matches"  # the collection of Match (named here for the migration below)


class Match(Document):
    # live_pair is unique while the match is proposed or accepted: one live match per demand and listing.
    # Partial, not sparse: a null live_pair is not indexed either.
    meta = {"collection": MATCHES, "indexes": [
        {"fields": ["demand_id", "listing_id"]},
        {"fields": ["live_pair"], "unique": True, "name": LIVE_PAIR_INDEX,
         "partialFilterExpression": {"live_pair": {"$type": "string"}}},
        {"fields": ["demand_organization_id"]}, {"fields": ["seller_organization_id"]}]}

    id = StringField(primary_key=True)
    demand_id = StringField(required=True)
    listing_id = StringField(required=True)
    demand_organization_id = StringField(required=True)
    seller_organization_id = StringField(required=True)
    proposed_by_organization_id = StringField()
    status = StringField(required=True)  # proposed | accepted | declined
    score = FloatField(required=True)
    reasons = ListField(StringField())
    note = StringField(default="")
    decision_note = StringField(default="")
    proposed_at = DateTimeField(required=True)
    decided_at = DateTimeField()
    proposed_by = StringField(required=True)
    live_pair = StringField()  # "demand_id listing_id" while proposed or accepted; unset once declined

    PUBLIC = ("id", "demand_id", "listing_id", "demand_organization_id", "seller_organization_id",
              "proposed_by_organization_id", "status", "score", "reasons", "note", "decision_note", "proposed_at",
              "decided_at")

    def view(self):
        return _pick(self, self.PUBLIC)


class Auction(Document):
    meta = {"collection": "auctions", "indexes": [{"fields": ["status", "ends_at"]}, {"fields": ["listing_id"]},
                                                  {"fields": ["-created_at", "-_id"]}]}  # GET /auctions' sort

    id = StringField(primary_key=True)
    listing_id = StringField(required=True)
    achievement_id = StringField(required=True)
    ip_right_ids = ListField(StringField())  # the listing's IP rights (知识产权) and how they pass, carried through
    transfer_mode = StringField()
    licence_kind = StringField()  # the listing's licence kind (独占/排他/普通许可), with a licence
    seller_organization_id = StringField(required=True)
    start_price = Money(required=True)
    reserve_price = Money()
    increment = Money(required=True)
    starts_at = DateTimeField(required=True)
    ends_at = DateTimeField(required=True)
    extension_seconds = IntField(required=True)
    status = StringField(required=True)  # open | sold | unsold | cancelled
    current_price = Money()
    leader_organization_id = StringField()
    bids = IntField(required=True, default=0)
    version = IntField(required=True, default=0)  # incremented by every accepted bid: the compare-and-set guard
    closed_at = DateTimeField()
    created_at = DateTimeField(required=True)
    created_by = StringField(required=True)

    def view(self):
        data = _pick(self, ("id", "listing_id", "achievement_id", "ip_right_ids", "transfer_mode", "licence_kind",
                            "seller_organization_id", "start_price", "increment", "starts_at", "ends_at", "extension_seconds", "status", "current_price",
                            "leader_organization_id", "bids", "closed_at"))
        data["has_reserve"] = self.reserve_price is not None
        data["reserve_met"] = self.reserve_price is None or (
            self.current_price is not None and self.current_price >= self.reserve_price)
        return data


class Bid(Document):
    # (auction, sequence) is unique: a second bid can never take a position already taken.
    meta = {"collection": "bids", "indexes": [{"fields": ["auction_id", "sequence"], "unique": True}]}

    id = StringField(primary_key=True)
    auction_id = StringField(required=True)
    sequence = IntField(required=True)
    bidder_organization_id = StringField(required=True)
    bidder = StringField(required=True)  # the authenticated subject; not public
    amount = Money(required=True)
    placed_at = DateTimeField(required=True)

    def view(self):
        return _pick(self, ("id", "auction_id", "sequence", "bidder_organization_id", "amount", "placed_at"))


class Contract(Document):
    meta = {"collection": "contracts", "indexes": [
        {"fields": ["registration_number"], "unique": True, "sparse": True},
        {"fields": ["status", "region_code"]}, {"fields": ["programme", "status"]}, {"fields": ["achievement_id"]}]}

    id = StringField(primary_key=True)
    status = StringField(required=True)  # submitted | returned | registered
    contract_type = StringField(required=True)
    title = StringField(default="")
    contract_amount = Money(required=True)
    technology_transaction_amount = Money(required=True)
    seller_organization_id = StringField(required=True)
    buyer_organization_id = StringField()
    buyer_name = StringField(default="")
    region_code = StringField(required=True)
    listing_id = StringField()
    auction_id = StringField()
    achievement_id = StringField()
    programme = IntField()
    broker_person_ids = ListField(StringField())
    ip_right_ids = ListField(StringField())  # the registry's IP rights (知识产权) it transfers, with transfer_mode
    transfer_mode = StringField()  # assignment (转让) | licence (许可), with ip_right_ids
    licence_kind = StringField()  # exclusive (独占) | sole (排他) | non_exclusive (普通许可), with a licence
    submitted_by_organization_id = StringField()
    submitted_by = StringField(required=True)
    submitted_at = DateTimeField(required=True)
    return_reasons = ListField(StringField())
    registration_number = StringField()
    registered_at = DateTimeField()
    registered_by = StringField()
    changes = ListField(DictField())  # 变更登记, oldest first: effective_date, fields (old, new), reference, reason
    cancellation = DictField()  # 注销登记: effective_date, request_reference, reason, cancelled_at ({}: none)
    verified_income = Money(default="0.00")  # 核定技术性收入, the sum of its verified income filings

    def view(self):
        return _pick(self, ("id", "status", "contract_type", "title", "contract_amount",
                            "technology_transaction_amount", "seller_organization_id", "buyer_organization_id",
                            "buyer_name", "region_code", "listing_id", "auction_id", "achievement_id", "programme",
                            "broker_person_ids", "ip_right_ids", "transfer_mode", "licence_kind", "submitted_at",
                            "return_reasons", "registration_number",
                            "registered_at", "changes", "verified_income")) | {"cancellation": self.cancellation or None}


class IncomeFiling(Document):
    """A seller's filing of the technical income a registered contract brought (技术性收入核定)."""

    meta = {"collection": "contract_incomes", "indexes": [{"fields": ["contract_id", "status"]},
                                                          {"fields": ["region_code", "status"]}]}

    id = StringField(primary_key=True)
    contract_id = StringField(required=True)
    seller_organization_id = StringField(required=True)
    region_code = StringField(required=True)
    status = StringField(required=True)  # filed | verified | returned
    amount = Money(required=True)
    received_from = DateTimeField(required=True)  # a China date, stored at midnight UTC
    received_to = DateTimeField(required=True)
    note = StringField(default="")
    filed_by = StringField(required=True)
    filed_at = DateTimeField(required=True)
    verified_amount = Money()
    verification_reason = StringField(default="")
    return_reasons = ListField(StringField())
    decided_by = StringField()
    decided_at = DateTimeField()

    def view(self):
        out = _pick(self, ("id", "contract_id", "seller_organization_id", "region_code", "status", "amount", "note",
                           "filed_at", "verified_amount", "verification_reason", "return_reasons", "decided_at"))
        return {**out, "received_from": self.received_from.date(), "received_to": self.received_to.date()}


class Valuation(Document):
    meta = {"collection": "valuations"}

    id = StringField(primary_key=True)
    achievement_id = StringField()  # the subject: an achievement (or one of its patents), or an IP right
    patent_number = StringField()
    ip_right_id = StringField()
    method = StringField(required=True)
    inputs = DictField(required=True)
    value = Money(required=True)
    requested_by_organization_id = StringField()
    created_by = StringField(required=True)
    recorded_at = DateTimeField(required=True)

    def view(self):
        return _pick(self, ("id", "achievement_id", "patent_number", "ip_right_id", "method", "inputs", "value",
                            "requested_by_organization_id", "recorded_at"))


class Consultation(Document):
    meta = {"collection": "consultations", "indexes": [{"fields": ["institution_organization_id", "status"]}]}

    id = StringField(primary_key=True)
    requester_organization_id = StringField(required=True)
    institution_organization_id = StringField(required=True)
    topic = StringField(required=True)
    question = StringField(required=True)
    answer = StringField()
    status = StringField(required=True)  # open | answered
    requested_at = DateTimeField(required=True)
    answered_at = DateTimeField()
    requested_by = StringField(required=True)
    answered_by = StringField()

    def view(self):
        return _pick(self, ("id", "requester_organization_id", "institution_organization_id", "topic", "question",
                            "answer", "status", "requested_at", "answered_at"))


def replace_sparse_live_pair_index(db):
    """Migration: earlier releases indexed ``live_pair`` sparse under the same name, which blocks the partial
    index; drop it and create the partial one. True when there was one to replace."""
    collection = db[MATCHES]
    index = collection.index_information().get(LIVE_PAIR_INDEX)
    if index is None or "partialFilterExpression" in index:
        return False
    collection.drop_index(LIVE_PAIR_INDEX)
    Match.ensure_indexes()
    log.info("replaced the sparse live_pair index of matches by a partial one")
    return True
