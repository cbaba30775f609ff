"""One achievement's or one contract's whole trace across the platform (成果转化全链条追溯): which events
concern which records, what of each the public may see, and how a trace is put together.

Every traced event is kept as one entry (keyed by its ``ce_id``, so a replay or a redelivery rewrites it
unchanged) with the ids its own payload names: ``keys`` such as ``achievement:<id>``, ``listing:<id>``,
``deal:<id>``. Links are followed when a trace is read, not when an event arrives: events of different
topics arrive in any order (a rebuild reads the topics side by side, and a deal can be projected before the
financing project it belongs to), so an entry never depends on another having come first.

From an achievement the trace follows its listings, auctions, contracts, valuations, transformation and
financing projects, rewards, the incubations of enterprises built on it (innovation: entry and graduation) and
the duty-achievement disclosure it was drafted from (registry: disclosed, overdue, decided, drafted); from a
listing its auctions and matches; from a financing project its deals;
from a deal its subsidies. It never follows a record back to another achievement (a financing project
naming two achievements does not join their traces). A contract's trace is its own events, the market
path that led to it (listing, auction), the financing projects that name it with their deals, and the
registry's events of its achievement (not the achievement's other listings or contracts, nor its disclosure or
incubations).

Neither an incubation nor a disclosure is public: innovation shows an enterprise's stay only to the carrier's
operator and the enterprise, and a disclosure stays inside its institution (its events carry no title, inventors
or the decision's reasons). Those who see the whole trace (administrators, the region's reviewers) and the parties
(the enterprise; the institution) see them. A designation (innovation.designation.*) is of an organization, not of
an achievement, and is not traced.
"""
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from ttp_common import regions

TRACE = "trace_entries"

ACHIEVEMENT, CONTRACT = "achievement", "contract"

# Where each kind of record is fetched from its owner (GET): the service and the path.
RECORDS = {
    "achievement": ("registry", "/api/v1/achievements/{}"),
    "listing": ("transactions", "/api/v1/listings/{}"),
    "match": ("transactions", "/api/v1/matches/{}"),
    "auction": ("transactions", "/api/v1/auctions/{}"),
    "contract": ("transactions", "/api/v1/contracts/{}"),
    "valuation": ("transactions", "/api/v1/valuations/{}"),
    "transformation_project": ("finance", "/api/v1/transformation-projects/{}"),
    "financing_project": ("finance", "/api/v1/financing-projects/{}"),
    "deal": ("finance", "/api/v1/deals/{}"),
    "subsidy": ("finance", "/api/v1/subsidies/{}"),
    "reward": ("talent", "/api/v1/rewards?achievement_id={}"),  # talent has no single-reward read: its list
    "incubation": ("innovation", "/api/v1/incubations/{}"),
    "disclosure": ("registry", "/api/v1/disclosures/{}"),
}

# Which linked records a trace follows from a record of each kind (see the module's docstring).
FOLLOWS = {
    ACHIEVEMENT: {"listing", "auction", "contract", "valuation", "transformation_project", "financing_project",
                  "reward", "incubation", "disclosure"},
    "listing": {"auction", "match", "contract"},
    "auction": {"contract"},
    "contract": {"listing", "auction", "financing_project", ACHIEVEMENT},
    "financing_project": {"deal"},
    "deal": {"subsidy"},
}


@dataclass(frozen=True)
class Traced:
    """How one event type enters a trace: the record it is about (``kind``, and the payload field of its id),
    the payload fields naming linked records, the time field, what the public sees (``public``: None when
    the entry is not public at all), what everyone else who may see it sees besides, and the organizations
    party to it (who see it even when it is not public)."""
    kind: str
    id_field: str
    links: dict = field(default_factory=dict)  # linked kind -> payload field (an id or a list of ids)
    at: str | None = None
    public: tuple | None = None
    private: tuple = ()
    parties: tuple = ()
    only_if: str | None = None  # a payload field that must be set (non-empty) for the event to enter a trace


def _achievement(at, public=None, private=(), links=None):
    return Traced(ACHIEVEMENT, "achievement_id", links or {}, at, public, private,
                  ("organization_id", "organization_ids"))


LISTING_LINKS = {ACHIEVEMENT: "achievement_id"}
CONTRACT_LINKS = {ACHIEVEMENT: "achievement_id", "listing": "listing_id", "auction": "auction_id"}
PROJECT_LINKS = {ACHIEVEMENT: "achievement_ids"}

EVENTS = {
    "registry.achievement.submitted.v1": _achievement(None, private=("organization_ids",)),
    "registry.achievement.returned.v1": _achievement(None),
    "registry.achievement.registered.v1": _achievement("registered_at", private=("registration_number", "type")),
    "registry.achievement.published.v1": _achievement(
        "published_at", public=("registration_number", "title", "type", "programme", "trl", "region_code")),
    "registry.achievement.withdrawn.v1": _achievement(None),
    "transactions.listing.opened.v1": Traced("listing", "listing_id", LISTING_LINKS, "opened_at",
                                             ("mode", "asking_price", "title", "ends_at"), (), ("seller_organization_id",)),
    "transactions.listing.closed.v1": Traced("listing", "listing_id", LISTING_LINKS, "closed_at", ("reason",), (),
                                             ("seller_organization_id",)),
    "transactions.listing.withdrawn.v1": Traced("listing", "listing_id", LISTING_LINKS, "withdrawn_at", (), (),
                                                ("seller_organization_id",)),
    "transactions.match.proposed.v1": Traced("match", "match_id", {"listing": "listing_id"}, "proposed_at", None,
                                             ("score",), ("demand_organization_id", "seller_organization_id")),
    "transactions.match.accepted.v1": Traced("match", "match_id", {"listing": "listing_id"}, "accepted_at", None, (),
                                             ("demand_organization_id", "seller_organization_id")),
    "transactions.match.declined.v1": Traced("match", "match_id", {"listing": "listing_id"}, "declined_at", None, (),
                                             ("demand_organization_id", "seller_organization_id")),
    "transactions.auction.scheduled.v1": Traced(
        "auction", "auction_id", {"listing": "listing_id", ACHIEVEMENT: "achievement_id"}, None,
        ("start_price", "increment", "starts_at", "ends_at"), (), ("seller_organization_id",)),
    "transactions.auction.bid_accepted.v1": Traced("auction", "auction_id", {}, "placed_at", ("sequence", "amount"),
                                                   ("bidder_organization_id",), ("bidder_organization_id",)),
    "transactions.auction.closed.v1": Traced(
        "auction", "auction_id", {"listing": "listing_id"}, "closed_at", ("outcome", "final_price", "bids"),
        ("winner_organization_id",), ("seller_organization_id", "winner_organization_id")),
    "transactions.contract.submitted.v1": Traced(
        "contract", "contract_id", CONTRACT_LINKS, "submitted_at", None,
        ("contract_type", "contract_amount", "technology_transaction_amount"),
        ("seller_organization_id", "buyer_organization_id")),
    "transactions.contract.returned.v1": Traced("contract", "contract_id", {}, "returned_at", None, (),
                                                ("seller_organization_id",)),
    "transactions.contract.registered.v1": Traced(
        "contract", "contract_id", CONTRACT_LINKS, "registered_at",
        ("registration_number", "contract_type", "contract_amount", "technology_transaction_amount", "region_code"),
        ("seller_organization_id", "buyer_organization_id", "imported"),
        ("seller_organization_id", "buyer_organization_id")),
    # changes and cancellations are as public as the registration; technical income only for those who see it all
    "transactions.contract.changed.v1": Traced(
        "contract", "contract_id", {}, "changed_at",
        ("registration_number", "effective_date", "changed_fields", "contract_amount", "technology_transaction_amount",
         "contract_amount_delta", "technology_transaction_amount_delta"),
        ("request_reference", "buyer_organization_id"), ("seller_organization_id", "buyer_organization_id")),
    "transactions.contract.cancelled.v1": Traced(
        "contract", "contract_id", {}, "cancelled_at",
        ("registration_number", "effective_date", "contract_amount", "technology_transaction_amount"),
        ("request_reference", "reason"), ("seller_organization_id",)),
    "transactions.contract.income_filed.v1": Traced(
        "contract", "contract_id", {}, "filed_at", None, ("income_id", "amount", "received_from", "received_to"),
        ("seller_organization_id",)),
    "transactions.contract.income_verified.v1": Traced(
        "contract", "contract_id", {}, "verified_at", None,
        ("income_id", "filed_amount", "verified_amount", "adjusted", "contract_verified_income", "effective_date"),
        ("seller_organization_id",)),
    "transactions.contract.income_returned.v1": Traced(
        "contract", "contract_id", {}, "returned_at", None, ("income_id", "reasons"), ("seller_organization_id",)),
    "transactions.valuation.recorded.v1": Traced("valuation", "valuation_id", {ACHIEVEMENT: "achievement_id"},
                                                 "recorded_at", None, ("method", "value"),
                                                 ("requested_by_organization_id",)),
    "finance.transformation_project.proposed.v1": Traced(
        "transformation_project", "project_id", PROJECT_LINKS, "proposed_at", None,
        ("title", "category", "programme", "budget"), ("organization_id",)),
    "finance.transformation_project.approved.v1": Traced(
        "transformation_project", "project_id", PROJECT_LINKS, "approved_at", None,
        ("title", "category", "programme", "budget"), ("organization_id",)),
    **{f"finance.transformation_project.{step}.v1": Traced("transformation_project", "project_id", {}, f"{step}_at",
                                                           None, ("stage",), ("organization_id",))
       for step in ("started", "stage_advanced", "completed", "terminated")},
    "finance.financing_project.listed.v1": Traced(
        "financing_project", "financing_project_id",
        {ACHIEVEMENT: "achievement_ids", "contract": "contract_ids", "transformation_project": "transformation_project_id"},
        "listed_at", ("title", "amount", "stage", "instruments", "industry"), (), ("organization_id",)),
    "finance.financing_project.withdrawn.v1": Traced("financing_project", "financing_project_id", {}, "withdrawn_at",
                                                     (), (), ("organization_id",)),
    **{f"finance.deal.{step}.v1": Traced("deal", "deal_id", {"financing_project": "financing_project_id"}, at, None,
                                         private, ("organization_id",))
       for step, at, private in (("interest_expressed", "expressed_at", ("instrument",)),
                                 ("due_diligence_started", "started_at", ()),
                                 ("closed", "closed_at", ("instrument", "amount", "investor_kind")),
                                 ("declined", "declined_at", ()),
                                 ("pledge_lapsed", None, ("ip_right_id", "lapsed_on")))},
    **{f"finance.subsidy.{step}.v1": Traced("subsidy", "subsidy_id", {"deal": "deal_id"}, f"{step}_at", None,
                                            ("instrument", "amount"), ("organization_id",))
       for step in ("applied", "approved", "rejected")},
    # an enterprise built on registered achievements entering a carrier, and its graduation (joined by incubation_id)
    "innovation.incubation.entered.v1": Traced(
        "incubation", "incubation_id", {ACHIEVEMENT: "achievement_ids"}, None, None,
        ("carrier_id", "carrier_kind", "carrier_level", "enterprise_organization_id", "entered_on"),
        ("enterprise_organization_id",), only_if="achievement_ids"),
    "innovation.incubation.graduated.v1": Traced(
        "incubation", "incubation_id", {}, None, None,
        ("carrier_id", "enterprise_organization_id", "entered_on", "graduated_on"),
        ("enterprise_organization_id",), only_if="built_on_achievement"),
    # the duty-achievement disclosure an achievement was drafted from (drafted names it; the rest by disclosure_id)
    "registry.disclosure.disclosed.v1": Traced("disclosure", "disclosure_id", {}, "disclosed_at", None,
                                               ("basis", "due_date", "inventors"), ("organization_id",)),
    "registry.disclosure.overdue.v1": Traced("disclosure", "disclosure_id", {}, None, None, ("due_date",),
                                             ("organization_id",)),
    "registry.disclosure.decided.v1": Traced("disclosure", "disclosure_id", {}, "decided_at", None,
                                             ("decision", "due_date", "late"), ("organization_id",)),
    "registry.disclosure.drafted.v1": Traced("disclosure", "disclosure_id", {ACHIEVEMENT: "achievement_id"},
                                             "drafted_at", None, ("achievement_id",), ("organization_id",)),
    "talent.reward.recorded.v1": Traced("reward", "reward_id", {ACHIEVEMENT: "achievement_id"}, None, None,
                                        ("mode", "occurred_on", "compliant", "total_cash_yuan"), ("organization_id",)),
}


def _ids(value):
    if value is None or value == "":
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def _plain(value):
    """A payload value as JSON: decimals as exact strings, times and dates in ISO 8601."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def entry(event_name, data, event_id, event_time):
    """The trace entry of one event, or None when no trace shows it."""
    traced = EVENTS.get(event_name)
    if traced is None or (traced.only_if and not data.get(traced.only_if)):
        return None
    record_id = str(data[traced.id_field])
    keys = {f"{traced.kind}:{record_id}"}
    for kind, name in traced.links.items():
        keys |= {f"{kind}:{i}" for i in _ids(data.get(name))}
    at = data.get(traced.at) if traced.at else None
    at = at or event_time
    return {
        "_id": event_id,
        "event_type": event_name,
        "service": event_name.split(".", 1)[0],
        "record": {"kind": traced.kind, "id": record_id},
        "keys": sorted(keys),
        "at": at,
        "region_code": data.get("region_code"),
        "public": traced.public is not None and data.get("secrecy") in (None, "public"),
        "public_details": {n: _plain(data.get(n)) for n in traced.public or ()},
        "details": {n: _plain(data.get(n)) for n in traced.private},
        "parties": sorted({o for name in traced.parties for o in _ids(data.get(name))}),
    }


def kind_of(key):
    return key.split(":", 1)[0]


def assemble(start_kind, start_id, find):
    """Every entry of the trace of record ``start_kind:start_id``, following links as FOLLOWS says.

    ``find(keys)`` returns the stored entries having any of ``keys``. From a contract, the achievement's
    entries are only the registry's (its origin), not what followed from it elsewhere."""
    start = f"{start_kind}:{start_id}"
    seen_keys, frontier, entries = {start}, [start], {}
    while frontier:
        found = find(frontier)
        followed_from = {k: kind_of(k) for k in frontier}
        frontier = []
        for doc in found:
            via = {followed_from[k] for k in doc["keys"] if k in followed_from}
            if start_kind == CONTRACT and (
                    (via == {ACHIEVEMENT} and doc["record"]["kind"] != ACHIEVEMENT)
                    or (doc["record"]["kind"] == CONTRACT and doc["record"]["id"] != str(start_id))):
                continue  # the achievement's other paths, and other contracts of its listing, are not this one's
            entries[doc["_id"]] = doc
            for key in doc["keys"]:
                if key in seen_keys:
                    continue
                if any(kind_of(key) in FOLLOWS.get(v, ()) for v in via) and not (
                        kind_of(key) == ACHIEVEMENT and start_kind == ACHIEVEMENT):
                    seen_keys.add(key)
                    frontier.append(key)
    return sorted(entries.values(), key=lambda d: (_sortable(d["at"]), d["_id"]))


def _sortable(at):
    if isinstance(at, dt.datetime):
        return at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.min.replace(tzinfo=dt.timezone.utc)


# -- who sees what ----------------------------------------------------------------------------------------
FULL, PARTY, PUBLIC = "full", "party", "public"


def subject_facts(entries, start_kind, start_id):
    """The region of the traced record and whether the public may see it: a published achievement (not
    withdrawn since) or a registered contract."""
    own = [d for d in entries if d["record"] == {"kind": start_kind, "id": str(start_id)}]
    region = next((d["region_code"] for d in reversed(own) if d.get("region_code")), None)
    if start_kind == ACHIEVEMENT:
        states = [d["event_type"] for d in own if d["event_type"] in (
            "registry.achievement.published.v1", "registry.achievement.withdrawn.v1")]
        public = bool(states) and states[-1] == "registry.achievement.published.v1"
    else:
        public = any(d["event_type"] == "transactions.contract.registered.v1" for d in own)
    return region, public


def view_of(principal, region, start_kind):
    """``full`` for administrators and for the reviewers (and, for a contract, the registrars) of the traced
    record's region; otherwise what the public sees, plus what the caller's organization is party to."""
    role = str(principal.role)
    if role == "admin":
        return FULL
    roles = ("reviewer", "registrar") if start_kind == CONTRACT else ("reviewer",)
    if role in roles and principal.region and region and regions.covers(principal.region, region):
        return FULL
    return PARTY if principal.org else PUBLIC


def shown(entries, view, subject_public, org=None):
    """The entries the view shows, each as the API gives it: while the traced record is public, its public
    entries with their public details; the rest, and every detail, only in the full view or to the
    organizations party to them."""
    rows = []
    for doc in entries:
        party = org is not None and org in doc["parties"]
        whole = view == FULL or party
        if not ((subject_public and doc["public"]) or whole):
            continue
        service, path = RECORDS[doc["record"]["kind"]]
        rows.append({
            "at": _plain(doc["at"]),
            "service": doc["service"],
            "event_type": doc["event_type"],
            "record": {**doc["record"], "service": service, "path": path.format(doc["record"]["id"])},
            "details": {**doc["public_details"], **(doc["details"] if whole else {})},
            **({"parties": doc["parties"]} if whole else {}),
        })
    return rows
