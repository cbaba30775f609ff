"""One achievement's and one contract's trace across the platform (issue 18 item 4): the rules on stored
entries (unit), then, against the real servers, events on Kafka read back through the API by the public, a
reviewer and a party."""
import datetime as dt
import uuid
from decimal import Decimal

import pytest

from metrics import trace
from ttp_common.auth import Principal, Roles
from ttp_testing import assert_error, publish_event, wait_for

T0 = dt.datetime(2026, 3, 2, 1, tzinfo=dt.timezone.utc)


def at(hours):
    return T0 + dt.timedelta(hours=hours)


def story(a="a-1", org="org-uni", region="510100", bidder="org-bidder", buyer="org-buyer"):
    """(event name, payload) of one achievement's life across the five services, in the order it happened."""
    return [
        ("registry.achievement.submitted.v1", {"achievement_id": a, "organization_id": org, "region_code": region,
                                               "title": "石墨烯导热膜", "organization_ids": [org], "secrecy": "public"}),
        ("registry.achievement.registered.v1", {"achievement_id": a, "organization_id": org, "region_code": region,
                                                "registration_number": "510100202610001", "type": "applied",
                                                "registered_at": at(1)}),
        ("registry.achievement.published.v1", {"achievement_id": a, "registration_number": "510100202610001",
                                               "title": "石墨烯导热膜", "type": "applied", "programme": 3, "trl": 6,
                                               "region_code": region, "organization_ids": [org], "published_at": at(2)}),
        ("transactions.listing.opened.v1", {"listing_id": "l-1", "achievement_id": a, "seller_organization_id": org,
                                            "mode": "auction", "asking_price": Decimal("100000.00"),
                                            "title": "石墨烯导热膜", "opened_at": at(3), "ends_at": at(300)}),
        ("transactions.listing.opened.v1", {"listing_id": "l-other", "achievement_id": "a-other",
                                            "seller_organization_id": "org-x", "mode": "fixed",
                                            "asking_price": Decimal("5.00"), "title": "别的成果", "opened_at": at(3)}),
        ("transactions.match.proposed.v1", {"match_id": "m-1", "listing_id": "l-1", "demand_id": "d-9",
                                            "demand_organization_id": buyer, "seller_organization_id": org,
                                            "score": 0.8, "proposed_at": at(4)}),
        ("transactions.auction.scheduled.v1", {"auction_id": "x-1", "listing_id": "l-1", "achievement_id": a,
                                               "seller_organization_id": org, "start_price": Decimal("100000.00"),
                                               "increment": Decimal("10000.00"), "starts_at": at(5),
                                               "ends_at": at(50)}),
        ("transactions.auction.bid_accepted.v1", {"auction_id": "x-1", "bid_id": "b-1", "sequence": 1,
                                                  "bidder_organization_id": bidder, "amount": Decimal("110000.00"),
                                                  "placed_at": at(6)}),
        ("transactions.auction.bid_accepted.v1", {"auction_id": "x-1", "bid_id": "b-2", "sequence": 2,
                                                  "bidder_organization_id": buyer, "amount": Decimal("130000.00"),
                                                  "placed_at": at(7)}),
        ("transactions.auction.closed.v1", {"auction_id": "x-1", "listing_id": "l-1", "seller_organization_id": org,
                                            "outcome": "sold", "winner_organization_id": buyer,
                                            "final_price": Decimal("130000.00"), "bids": 2, "closed_at": at(50)}),
        ("transactions.contract.submitted.v1", {"contract_id": "c-1", "contract_type": "transfer",
                                                "contract_amount": Decimal("130000.00"),
                                                "technology_transaction_amount": Decimal("130000.00"),
                                                "seller_organization_id": org, "buyer_organization_id": buyer,
                                                "region_code": region, "listing_id": "l-1", "auction_id": "x-1",
                                                "achievement_id": a, "submitted_at": at(51)}),
        ("transactions.contract.submitted.v1", {"contract_id": "c-2", "contract_type": "licence",
                                                "contract_amount": Decimal("1.00"), "seller_organization_id": org,
                                                "region_code": region, "listing_id": "l-1", "achievement_id": a,
                                                "submitted_at": at(52)}),
        ("transactions.contract.registered.v1", {"contract_id": "c-1", "registration_number": "5101002026000001",
                                                 "contract_type": "transfer", "contract_amount": Decimal("130000.00"),
                                                 "technology_transaction_amount": Decimal("130000.00"),
                                                 "seller_organization_id": org, "buyer_organization_id": buyer,
                                                 "region_code": region, "registered_at": at(60), "achievement_id": a,
                                                 "listing_id": "l-1", "auction_id": "x-1"}),
        ("finance.transformation_project.approved.v1", {"project_id": "p-1", "title": "导热膜产业化",
                                                        "category": "major", "programme": 3, "region_code": region,
                                                        "organization_id": org, "budget": Decimal("900000.00"),
                                                        "achievement_ids": [a], "approved_at": at(70)}),
        ("finance.transformation_project.started.v1", {"project_id": "p-1", "organization_id": org,
                                                       "region_code": region, "stage": "pilot", "started_at": at(71)}),
        ("finance.financing_project.listed.v1", {"financing_project_id": "f-1", "title": "导热膜产线融资",
                                                 "organization_id": buyer, "amount": Decimal("5000000.00"),
                                                 "achievement_ids": [a, "a-other"], "contract_ids": ["c-1"],
                                                 "listed_at": at(80)}),
        ("finance.deal.closed.v1", {"deal_id": "deal-1", "financing_project_id": "f-1", "organization_id": buyer,
                                    "investor_id": "inv-1", "instrument": "equity", "amount": Decimal("2000000.00"),
                                    "closed_at": at(90)}),
        ("finance.subsidy.approved.v1", {"subsidy_id": "s-1", "deal_id": "deal-1", "organization_id": buyer,
                                         "instrument": "equity", "amount": Decimal("40000.00"),
                                         "approved_at": at(95)}),
        ("talent.reward.recorded.v1", {"reward_id": "r-1", "organization_id": org, "achievement_id": a,
                                       "mode": "transfer", "occurred_on": dt.date(2026, 4, 1), "compliant": True,
                                       "total_cash_yuan": Decimal("65000.00")}),
    ]


def timed(events):
    """Each event with its ce_time, when its service published it: its own earliest time, or a minute after
    the one before."""
    when = T0
    for name, data in events:
        own = [v for v in data.values() if isinstance(v, dt.datetime)]
        when = min(own) if own else when + dt.timedelta(minutes=1)
        yield name, data, when


def stored(events, projected_backwards=False):
    """The entries of ``events`` as the projection stores them (each under its ce_id), and a ``find`` (which
    returns them in the order they were projected)."""
    docs = {}
    for number, (name, data, when) in enumerate(timed(events)):
        doc = trace.entry(name, data, f"ev-{number:02d}", when)
        if doc is not None:
            docs[doc["_id"]] = doc
    if projected_backwards:
        docs = dict(reversed(docs.items()))

    def find(keys):
        return [d for d in docs.values() if set(d["keys"]) & set(keys)]
    return docs, find


def types(rows):
    return [(r["event_type"].split(".", 1)[1].removesuffix(".v1"), r["record"]["id"]) for r in rows]


ADMIN = Principal("u-admin", Roles.ADMIN)
ANYONE = Principal.anonymous()


def read(find, principal, kind="achievement", record_id="a-1"):
    entries = trace.assemble(kind, record_id, find)
    region, public = trace.subject_facts(entries, kind, record_id)
    view = trace.view_of(principal, region, kind)
    return view, trace.shown(entries, view, public, principal.org)


def test_an_achievements_trace_runs_through_every_service_in_time_order_and_nothing_else():
    _, find = stored(story())
    view, rows = read(find, ADMIN)
    assert view == "full"
    assert types(rows) == [
        ("achievement.submitted", "a-1"), ("achievement.registered", "a-1"), ("achievement.published", "a-1"),
        ("listing.opened", "l-1"), ("match.proposed", "m-1"), ("auction.scheduled", "x-1"),
        ("auction.bid_accepted", "x-1"), ("auction.bid_accepted", "x-1"), ("auction.closed", "x-1"),
        ("contract.submitted", "c-1"), ("contract.submitted", "c-2"), ("contract.registered", "c-1"),
        ("transformation_project.approved", "p-1"), ("transformation_project.started", "p-1"),
        ("financing_project.listed", "f-1"), ("deal.closed", "deal-1"), ("subsidy.approved", "s-1"),
        ("reward.recorded", "r-1")]  # not the other achievement's listing, though f-1 names it too
    registered = next(r for r in rows if r["event_type"] == "transactions.contract.registered.v1")
    assert registered["details"] == {
        "registration_number": "5101002026000001", "contract_type": "transfer", "contract_amount": "130000.00",
        "technology_transaction_amount": "130000.00", "region_code": "510100",
        "seller_organization_id": "org-uni", "buyer_organization_id": "org-buyer", "imported": None}
    assert registered["record"] == {"kind": "contract", "id": "c-1", "service": "transactions",
                                    "path": "/api/v1/contracts/c-1"}
    closed = next(r for r in rows if r["event_type"] == "transactions.auction.closed.v1")
    assert (closed["details"]["bids"], closed["details"]["outcome"]) == (2, "sold")
    # the entries do not depend on the order the events were projected in (a rebuild reads topics side by side)
    _, find_backwards = stored(story(), projected_backwards=True)
    assert read(find_backwards, ADMIN)[1] == rows


def test_a_contracts_trace_is_its_market_path_origin_and_financing_not_the_achievements_other_paths():
    events = story() + [("transactions.listing.opened.v1", {
        "listing_id": "l-2", "achievement_id": "a-1", "seller_organization_id": "org-uni", "mode": "fixed",
        "asking_price": Decimal("1.00"), "title": "石墨烯导热膜 (许可)", "opened_at": at(100)})]
    _, find = stored(events)
    view, rows = read(find, Principal("u-reg", Roles.REGISTRAR, region="510000"), "contract", "c-1")
    assert view == "full"  # a registrar of the province covers Chengdu's contract
    assert types(rows) == [
        ("achievement.submitted", "a-1"), ("achievement.registered", "a-1"), ("achievement.published", "a-1"),
        ("listing.opened", "l-1"), ("match.proposed", "m-1"), ("auction.scheduled", "x-1"),
        ("auction.bid_accepted", "x-1"), ("auction.bid_accepted", "x-1"), ("auction.closed", "x-1"),
        ("contract.submitted", "c-1"), ("contract.registered", "c-1"),
        ("financing_project.listed", "f-1"), ("deal.closed", "deal-1"), ("subsidy.approved", "s-1")]


def test_the_public_sees_the_published_achievement_its_market_and_the_registered_contracts_totals_only():
    _, find = stored(story())
    view, rows = read(find, ANYONE)
    assert view == "public"
    assert types(rows) == [
        ("achievement.published", "a-1"), ("listing.opened", "l-1"), ("auction.scheduled", "x-1"),
        ("auction.bid_accepted", "x-1"), ("auction.bid_accepted", "x-1"), ("auction.closed", "x-1"),
        ("contract.registered", "c-1"), ("financing_project.listed", "f-1")]
    by_type = {r["event_type"]: r for r in rows}
    assert by_type["transactions.contract.registered.v1"]["details"] == {
        "registration_number": "5101002026000001", "contract_type": "transfer", "contract_amount": "130000.00",
        "technology_transaction_amount": "130000.00", "region_code": "510100"}  # no parties
    assert "bidder_organization_id" not in by_type["transactions.auction.bid_accepted.v1"]["details"]
    assert all("parties" not in r for r in rows)
    # a reviewer of another prefecture sees what the public sees; Chengdu's reviewer everything
    assert read(find, Principal("u-r", Roles.REVIEWER, region="510700"))[1] == rows
    assert read(find, Principal("u-r", Roles.REVIEWER, region="510104"))[0] == "public"  # a district: not its region
    assert len(read(find, Principal("u-r", Roles.REVIEWER, region="510100"))[1]) == 18


def test_an_organization_sees_besides_the_public_entries_those_it_is_party_to():
    _, find = stored(story())
    view, rows = read(find, Principal("u-b", Roles.INSTITUTION, org="org-bidder"))
    assert view == "party"
    [own_bid] = [r for r in rows if r.get("parties")]
    assert own_bid["details"] == {"sequence": 1, "amount": "110000.00", "bidder_organization_id": "org-bidder"}
    buyer = read(find, Principal("u-c", Roles.INSTITUTION, org="org-buyer"))[1]
    assert {"deal.closed", "subsidy.approved", "contract.submitted", "match.proposed"} <= {t for t, _ in types(buyer)}


def test_a_withdrawn_or_internal_achievement_shows_the_public_nothing():
    withdrawn = story() + [("registry.achievement.withdrawn.v1", {
        "achievement_id": "a-1", "organization_id": "org-uni", "region_code": "510100", "reason": None,
        "secrecy": "public"})]
    _, find = stored(withdrawn)
    assert read(find, ANYONE)[1] == []
    assert types(read(find, Principal("u", Roles.INSTITUTION, org="org-uni"))[1])[-1] == ("achievement.withdrawn", "a-1")
    internal = [("registry.achievement.submitted.v1", {"achievement_id": "a-9", "organization_id": "org-uni",
                                                       "region_code": "510100", "title": "",
                                                       "organization_ids": ["org-uni"], "secrecy": "internal"}),
                ("registry.achievement.registered.v1", {"achievement_id": "a-9", "organization_id": "org-uni",
                                                        "region_code": "510100", "registration_number": "x",
                                                        "type": "applied", "registered_at": at(1)})]
    _, find = stored(internal)
    assert read(find, ANYONE, record_id="a-9")[1] == []
    assert len(read(find, ADMIN, record_id="a-9")[1]) == 2


def test_an_event_outside_the_trace_makes_no_entry_and_one_entry_is_the_same_on_replay():
    assert trace.entry("registry.organization.registered.v1", {"organization_id": "o"}, "e", T0) is None
    name, data = story()[12]
    assert trace.entry(name, data, "e-1", T0) == trace.entry(name, data, "e-1", at(5))  # its own time, not ce_time


# -- against the real servers --------------------------------------------------------------------------------

def full(name, data):
    """The story's payload completed with the Avro schema's other fields (nulls, empty lists, dates)."""
    defaults = {
        "registry.achievement.published.v1": {"summary": "面向电子散热的导热膜。", "keywords": ["导热膜"],
                                              "industry": "新材料", "dual_use": False, "patent_numbers": []},
        "transactions.listing.opened.v1": {"patent_number": None, "programme": 3, "trl": 6, "region_code": "510100"},
        "transactions.auction.scheduled.v1": {"has_reserve": False, "extension_seconds": 300},
        "transactions.auction.bid_accepted.v1": {"ends_at": at(50)},
        "transactions.contract.registered.v1": {"programme": None, "broker_person_ids": [],
                                                "effective_date": dt.date(2026, 3, 4), "imported": False},
    }
    return {**defaults.get(name, {}), **data}


@pytest.mark.integration
def test_the_trace_api_reads_the_events_on_kafka_for_each_caller(api):
    a = f"a-{uuid.uuid4().hex[:8]}"
    wanted = {"registry.achievement.published.v1", "registry.achievement.registered.v1",
              "transactions.listing.opened.v1", "transactions.auction.scheduled.v1",
              "transactions.auction.bid_accepted.v1", "transactions.contract.registered.v1"}
    suffix = a[2:]
    for name, data, when in timed(story(a=a)):
        if name not in wanted or data.get("achievement_id", a) != a:
            continue
        data = {**data, **{k: f"{data[k]}-{suffix}" for k in ("listing_id", "auction_id", "contract_id")
                           if k in data}}
        publish_event(api, name, full(name, data), data.get("auction_id") or data.get("listing_id") or a, time=when)
    path = f"/api/v1/trace/achievements/{a}"
    body = wait_for(lambda: (lambda r: r.json() if r.status_code == 200 and len(r.json()["entries"]) == 7 else None)(
        api.get(path, token=api.admin())), message="the trace of the published events")
    assert body["subject"] == {"kind": "achievement", "id": a, "region_code": "510100", "public": True}
    assert [e["event_type"].split(".")[1] for e in body["entries"]] == [
        "achievement", "achievement", "listing", "auction", "auction", "auction", "contract"]
    public = api.get(path).json()
    assert public["view"] == "public" and len(public["entries"]) == 6  # not the registration
    assert public["entries"][-1]["details"]["technology_transaction_amount"] == "130000.00"
    assert "seller_organization_id" not in public["entries"][-1]["details"]
    bidder = api.get(path, token=api.institution("org-bidder")).json()
    assert bidder["view"] == "party" and sum(1 for e in bidder["entries"] if e.get("parties")) == 1
    contract = api.get(f"/api/v1/trace/contracts/c-1-{suffix}", token=api.reviewer("510100")).json()
    assert contract["view"] == "full" and contract["entries"][-1]["record"]["id"] == f"c-1-{suffix}"
    assert_error(api.get("/api/v1/trace/achievements/nothing-like-it"), 404, "not_found")


# -- the disclosure an achievement came from, and the enterprises incubated on it ------------------------------

def origins(a="a-1", org="org-uni", region="510100", enterprise="org-startup"):
    """The duty-achievement disclosure ``a`` was drafted from (before its story), and an enterprise built on it
    entering and graduating from an incubator (after), with innovation's and registry's events no trace shows."""
    before = [
        ("registry.disclosure.disclosed.v1", {"disclosure_id": "dis-1", "organization_id": org, "region_code": region,
                                              "basis": "job_duties", "disclosed_at": at(-30),
                                              "due_date": dt.date(2026, 4, 1), "inventors": 3}),
        ("registry.disclosure.overdue.v1", {"disclosure_id": "dis-1", "organization_id": org, "region_code": region,
                                            "disclosed_at": at(-30), "due_date": dt.date(2026, 4, 1)}),
        ("registry.disclosure.decided.v1", {"disclosure_id": "dis-1", "organization_id": org, "region_code": region,
                                            "decision": "transfer", "decided_at": at(-20),
                                            "due_date": dt.date(2026, 4, 1), "late": False}),
        ("registry.disclosure.drafted.v1", {"disclosure_id": "dis-1", "organization_id": org, "region_code": region,
                                            "achievement_id": a, "drafted_at": at(-10)}),
        ("registry.disclosure.disclosed.v1", {"disclosure_id": "dis-2", "organization_id": org, "region_code": region,
                                              "basis": "job_duties", "disclosed_at": at(-9),
                                              "due_date": dt.date(2026, 4, 1), "inventors": 1}),  # not drafted
    ]
    after = [
        ("innovation.incubation.entered.v1", {"incubation_id": "inc-1", "carrier_id": "car-1", "carrier_kind": "incubator",
                                              "carrier_level": "provincial", "region_code": region,
                                              "enterprise_organization_id": enterprise,
                                              "entered_on": dt.date(2026, 5, 6), "achievement_ids": [a, "a-other"],
                                              "built_on_achievement": True}),
        ("innovation.incubation.entered.v1", {"incubation_id": "inc-2", "carrier_id": "car-1", "carrier_kind": "incubator",
                                              "carrier_level": "provincial", "region_code": region,
                                              "enterprise_organization_id": "org-other",
                                              "entered_on": dt.date(2026, 5, 6), "achievement_ids": [],
                                              "built_on_achievement": False}),
        ("innovation.incubation.graduated.v1", {"incubation_id": "inc-2", "carrier_id": "car-1", "region_code": region,
                                                "enterprise_organization_id": "org-other",
                                                "entered_on": dt.date(2026, 5, 6), "graduated_on": dt.date(2027, 5, 6),
                                                "built_on_achievement": False}),
        ("innovation.incubation.graduated.v1", {"incubation_id": "inc-1", "carrier_id": "car-1", "region_code": region,
                                                "enterprise_organization_id": enterprise,
                                                "entered_on": dt.date(2026, 5, 6), "graduated_on": dt.date(2027, 5, 6),
                                                "built_on_achievement": True}),
        ("innovation.designation.granted.v1", {"designation_id": "des-1", "kind": "demonstration_enterprise",
                                               "organization_id": enterprise, "region_code": region}),
    ]
    return before, after


def with_origins():
    before, after = origins()
    return before + story() + after


def test_an_achievements_trace_starts_at_its_disclosure_and_follows_the_enterprises_incubated_on_it():
    _, find = stored(with_origins())
    view, rows = read(find, ADMIN)
    got = types(rows)
    assert got[:4] == [("disclosure.disclosed", "dis-1"), ("disclosure.overdue", "dis-1"),
                       ("disclosure.decided", "dis-1"), ("disclosure.drafted", "dis-1")]  # not dis-2
    assert got[4:-2] == types(read(stored(story())[1], ADMIN)[1])
    assert got[-2:] == [("incubation.entered", "inc-1"), ("incubation.graduated", "inc-1")]  # not inc-2
    by_type = {r["event_type"]: r for r in rows}
    assert by_type["registry.disclosure.decided.v1"]["details"] == {
        "decision": "transfer", "due_date": "2026-04-01", "late": False}  # never the reasons: not in the event
    assert by_type["registry.disclosure.drafted.v1"]["record"] == {
        "kind": "disclosure", "id": "dis-1", "service": "registry", "path": "/api/v1/disclosures/dis-1"}
    entered = by_type["innovation.incubation.entered.v1"]
    assert entered["details"] == {"carrier_id": "car-1", "carrier_kind": "incubator", "carrier_level": "provincial",
                                  "enterprise_organization_id": "org-startup", "entered_on": "2026-05-06"}
    assert entered["record"]["path"] == "/api/v1/incubations/inc-1" and entered["service"] == "innovation"
    assert by_type["innovation.incubation.graduated.v1"]["details"]["graduated_on"] == "2027-05-06"
    # the incubation names another achievement too: it is in that trace as well, without joining the two
    other = types(read(find, ADMIN, record_id="a-other")[1])
    assert ("incubation.entered", "inc-1") in other and ("achievement.published", "a-1") not in other


def test_the_public_sees_no_disclosure_or_incubation_the_institution_its_disclosure_the_enterprise_its_stay():
    _, find = stored(with_origins())
    assert read(find, ANYONE)[1] == read(stored(story())[1], ANYONE)[1]
    assert read(find, Principal("u-r", Roles.REVIEWER, region="510700"))[1] == read(find, ANYONE)[1]
    assert len(read(find, Principal("u-r", Roles.REVIEWER, region="510100"))[1]) == 18 + 6
    institution = {t for t, _ in types(read(find, Principal("u", Roles.INSTITUTION, org="org-uni"))[1])}
    assert {"disclosure.disclosed", "disclosure.decided", "disclosure.drafted"} <= institution
    assert not any(t.startswith("incubation.") for t in institution)
    enterprise = types(read(find, Principal("u", Roles.INSTITUTION, org="org-startup"))[1])
    assert [t for t in enterprise if not t[0].startswith(("achievement.", "listing.", "auction.", "contract.",
                                                          "financing_project."))] == [
        ("incubation.entered", "inc-1"), ("incubation.graduated", "inc-1")]


def test_a_contracts_trace_shows_neither_the_disclosure_nor_the_incubations():
    _, find = stored(with_origins())
    rows = read(find, ADMIN, "contract", "c-1")[1]
    assert types(rows) == types(read(stored(story())[1], ADMIN, "contract", "c-1")[1])


def test_only_incubations_built_on_an_achievement_and_no_designation_make_entries():
    _, after = origins()
    assert [trace.entry(name, data, f"e-{n}", T0) is not None for n, (name, data) in enumerate(after)] == [
        True, False, False, True, False]
    assert all(name.startswith(("registry.", "transactions.", "finance.", "talent.", "innovation.incubation."))
               for name in trace.EVENTS)


@pytest.mark.integration
def test_the_disclosure_and_an_incubation_reach_the_trace_from_kafka_and_come_back_on_a_rebuild(api):
    from metrics.rebuild import rebuild

    a = f"a-{uuid.uuid4().hex[:8]}"
    suffix = a[2:]
    before, after = origins(a=a)
    ids = {"dis-1": f"dis-{suffix}", "inc-1": f"inc-{suffix}"}
    wanted = [before[0], before[2], before[3], *[e for e in story(a=a) if e[0] in (
        "registry.achievement.registered.v1", "registry.achievement.published.v1")], after[0], after[3]]
    for name, data, when in timed(wanted):
        data = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in data.items()}
        data = {**data, "achievement_ids": [a]} if "achievement_ids" in data else data
        key = data.get("disclosure_id") or data.get("incubation_id") or a
        publish_event(api, name, full(name, data), key, time=when)
    path = f"/api/v1/trace/achievements/{a}"
    body = wait_for(lambda: (lambda r: r.json() if r.status_code == 200 and len(r.json()["entries"]) == 7 else None)(
        api.get(path, token=api.admin())), message="the disclosure and the incubation in the trace")
    assert [e["event_type"] for e in body["entries"]] == [
        "registry.disclosure.disclosed.v1", "registry.disclosure.decided.v1", "registry.disclosure.drafted.v1",
        "registry.achievement.registered.v1", "registry.achievement.published.v1",
        "innovation.incubation.entered.v1", "innovation.incubation.graduated.v1"]
    assert [e["event_type"] for e in api.get(path).json()["entries"]] == ["registry.achievement.published.v1"]
    institution = api.get(path, token=api.institution("org-uni")).json()
    assert [e["record"]["kind"] for e in institution["entries"] if e.get("parties")] == ["disclosure"] * 3 + [
        "achievement"] * 2
    assert len(api.get(path, token=api.institution("org-startup")).json()["entries"]) == 3  # published, its stay
    api.db["trace_entries"].delete_many({"keys": f"achievement:{a}"})
    rebuild(api.config)
    assert api.get(path, token=api.admin()).json() == body


def test_a_lapsed_pledge_follows_its_deal_in_the_full_view_only():
    lapsed = ("finance.deal.pledge_lapsed.v1", {"deal_id": "deal-1", "financing_project_id": "f-1",
                                                "organization_id": "org-buyer", "region_code": "510100",
                                                "investor_id": "inv-1", "ip_right_id": "ip-1",
                                                "lapsed_on": dt.date(2026, 3, 20), "pledged_ip_right_ids": ["ip-1"]})
    _, find = stored(story() + [lapsed])
    rows = read(find, ADMIN)[1]
    entry = next(r for r in rows if r["event_type"] == "finance.deal.pledge_lapsed.v1")
    assert entry["record"]["id"] == "deal-1" and entry["details"]["ip_right_id"] == "ip-1"
    assert all(r["event_type"] != "finance.deal.pledge_lapsed.v1" for r in read(find, ANYONE)[1])


def test_every_traced_event_and_service_has_its_chinese_label():
    from ttp_common import labels

    assert set(trace.EVENTS) <= set(labels.TRACE_EVENTS)
    assert {name.split(".", 1)[0] for name in trace.EVENTS} | {s for s, _ in trace.RECORDS.values()} <= set(
        labels.SERVICES)
