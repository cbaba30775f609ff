"""The market's handlers over a fake unit of work: listings, demands, matches, valuations and consultations
store and announce what a user would see, and refuse what the rules refuse, without any server."""
import datetime as dt
import json
from decimal import Decimal

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, Invalid, NotAllowed, NotFound, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from transactions.consultations import ConsultationIn
from transactions.demands import DemandIn
from transactions.documents import (
    AchievementReplica, Auction, Consultation, Contract, Demand, Listing, Match, Valuation,
)
from transactions.handlers import achievements, advisory, demands, listings, matches
from transactions.listings import ListingIn
from transactions.matches import MatchIn
from transactions.valuation import ValuationIn

SELLER, BUYER = "org-univ", "org-enterprise"
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)
IN_60_DAYS = dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=60)  # a deadline (the UTC calendar)


def institution(org):
    return Principal(sub=f"staff-{org}", role=Roles.INSTITUTION, org=org)


@pytest.fixture
def uow():
    uow = FakeUnitOfWork(AchievementReplica, Listing, Auction, Demand, Match, Contract, Valuation, Consultation,
                         service="transactions")
    achievements.apply(uow, achievements.ACHIEVEMENT_PUBLISHED, {
        "achievement_id": "ach-1", "registration_number": "510100202610001", "title": "石墨烯导热膜中试技术",
        "summary": "面向电子散热的石墨烯导热膜规模化制备工艺。", "keywords": ["石墨烯", "导热膜"], "industry": "新材料",
        "programme": 3, "trl": 6, "region_code": "510100", "organization_ids": [SELLER],
        "patent_numbers": ["ZL201810000001.2"], "published_at": AT}, AT)
    return uow


def listing(uow, **fields):
    body = ListingIn(**{"achievement_id": "ach-1", "mode": "licence", "asking_price": "500000.00", **fields})
    return listings.open_listing(uow, body, institution(SELLER), AT)


def demand(uow, org=BUYER, **fields):
    body = DemandIn(**{"title": "手机石墨烯散热方案", "problem": "需要高导热的石墨烯导热膜用于手机散热",
                       "keywords": ["石墨烯", "导热膜"], "programme": 3, "region_code": "510100", "budget": "600000.00",
                       "min_trl": 5, "deadline": IN_60_DAYS, **fields})
    return demands.publish(uow, body, institution(org), AT)


# -- the replica and listings ---------------------------------------------------------------

def test_a_listing_takes_its_achievement_from_the_replica_and_is_announced(uow):
    created = listing(uow, patent_number="ZL201810000001.2", period_days=10)

    stored = uow.get(Listing, created.id)
    assert (stored.status, stored.seller_organization_id, stored.title, stored.programme) == (
        "open", SELLER, "石墨烯导热膜中试技术", 3)
    assert stored.ends_at == AT + dt.timedelta(days=10) and "石墨" in stored.terms
    [event] = uow.events
    assert event.name == "transactions.listing.opened.v1" and event.data["asking_price"] == Decimal("500000.00")


def test_a_listing_needs_a_published_achievement_its_patent_and_its_organization(uow):
    with pytest.raises(Invalid) as refused:
        listing(uow, patent_number="ZL000")
    assert refused.value.field == "patent_number"
    with pytest.raises(NotAllowed) as refused:
        listings.open_listing(uow, ListingIn(achievement_id="ach-1", mode="licence", asking_price="1.00"),
                              institution("org-other"), AT)
    assert refused.value.field == "achievement_id"
    achievements.apply(uow, achievements.ACHIEVEMENT_WITHDRAWN, {"achievement_id": "ach-1"}, AT)
    with pytest.raises(Invalid) as refused:
        listing(uow)
    assert refused.value.field == "achievement_id"
    assert uow.count(Listing) == 0


def test_a_withdrawn_listing_declines_its_proposed_matches_and_keeps_the_accepted_ones(uow):
    offered = listing(uow)
    pending = matches.propose(uow, MatchIn(demand_id=demand(uow).id, listing_id=offered.id), institution(BUYER), AT)
    agreed = matches.propose(uow, MatchIn(demand_id=demand(uow).id, listing_id=offered.id), institution(BUYER), AT)
    matches.decide(uow, agreed.id, "accept", "同意", institution(SELLER), AT)

    withdrawn = listings.withdraw(uow, offered.id, "已线下转让", institution(SELLER), AT)

    assert (withdrawn.status, withdrawn.close_reason) == ("withdrawn", "withdrawn")
    assert uow.get(Match, pending.id).status == "declined" and uow.get(Match, agreed.id).status == "accepted"
    declined = uow.events[-1]
    assert declined.name == "transactions.match.declined.v1" and declined.subject == pending.id
    assert (declined.data["decided_by_organization_id"], declined.data["note"]) == (SELLER, "挂牌已撤回: 已线下转让")
    with pytest.raises(TransitionRefused):
        listings.withdraw(uow, offered.id, "again", institution(SELLER), AT)
    with pytest.raises(Forbidden):
        listings.withdraw(uow, listing(uow).id, "not mine", institution(BUYER), AT)


def test_an_expired_listing_closes_unless_an_auction_of_it_is_open(uow):
    created = listing(uow, period_days=1)
    assert listings.expire(uow, created.id, AT) is None  # not yet
    assert listings.expire(uow, created.id, AT + dt.timedelta(days=2)) == created.id
    assert (uow.get(Listing, created.id).status, uow.get(Listing, created.id).close_reason) == ("closed", "expired")
    assert uow.names()[-1] == "transactions.listing.closed.v1"


# -- demands and matches -----------------------------------------------------------------------

def test_a_demand_is_published_for_the_callers_organization_and_announced(uow):
    published = demand(uow)
    stored = uow.get(Demand, published.id)
    assert (stored.organization_id, stored.status, stored.budget) == (BUYER, "open", Decimal("600000.00"))
    assert uow.events[-1].name == "transactions.demand.published.v1"
    assert uow.events[-1].data["deadline"] == IN_60_DAYS


def test_a_withdrawn_demand_declines_its_proposed_matches_and_is_no_longer_proposed(uow):
    need, offered = demand(uow), listing(uow)
    pending = matches.propose(uow, MatchIn(demand_id=need.id, listing_id=offered.id), institution(SELLER), AT)

    demands.withdraw(uow, need.id, None, ADMIN, AT)

    assert uow.get(Demand, need.id).status == "withdrawn"
    assert uow.get(Match, pending.id).status == "declined"
    assert uow.events[-1].data["note"] == "需求已撤回" and uow.events[-1].data["decided_by_organization_id"] is None
    with pytest.raises(TransitionRefused, match="withdrawn"):
        demands.withdraw(uow, need.id, None, ADMIN, AT)
    with pytest.raises(Invalid) as refused:
        matches.propose(uow, MatchIn(demand_id=need.id, listing_id=offered.id), institution(SELLER), AT)
    assert refused.value.field == "demand_id"


def test_a_proposed_match_is_scored_announced_and_decided_by_the_other_side(uow):
    need, offered = demand(uow), listing(uow)
    match = matches.propose(uow, MatchIn(demand_id=need.id, listing_id=offered.id, note="请联系"), institution(BUYER),
                            AT)
    assert (match.status, match.proposed_by_organization_id, match.live_pair) == (
        "proposed", BUYER, f"{need.id} {offered.id}")
    assert match.score > 0.5 and match.reasons
    proposed = uow.events[-1]
    assert proposed.name == "transactions.match.proposed.v1" and proposed.data["seller_organization_id"] == SELLER
    with pytest.raises(TransitionRefused, match="already matched"):
        matches.propose(uow, MatchIn(demand_id=need.id, listing_id=offered.id), institution(SELLER), AT)

    with pytest.raises(NotAllowed, match="other side"):
        matches.decide(uow, match.id, "accept", "", institution(BUYER), AT)
    with pytest.raises(NotFound):
        matches.decide(uow, match.id, "accept", "", institution("org-stranger"), AT)
    declined = matches.decide(uow, match.id, "decline", "暂不考虑", institution(SELLER), AT)
    assert (declined.status, declined.decision_note, declined.live_pair) == ("declined", "暂不考虑", None)
    assert uow.events[-1].name == "transactions.match.declined.v1"
    again = matches.propose(uow, MatchIn(demand_id=need.id, listing_id=offered.id), institution(BUYER), AT)
    assert again.status == "proposed"  # a declined pair may be proposed again


def test_a_match_is_not_accepted_once_its_listing_has_closed(uow):
    need, offered = demand(uow), listing(uow)
    match = matches.propose(uow, MatchIn(demand_id=need.id, listing_id=offered.id), institution(BUYER), AT)
    uow.update(Listing, {"_id": offered.id}, {"$set": {"status": "closed", "close_reason": "sold"}})
    with pytest.raises(TransitionRefused, match="no longer open"):
        matches.decide(uow, match.id, "accept", "", institution(SELLER), AT)


def test_ranking_finds_the_listing_for_the_demand_and_the_reverse(uow):
    need, offered = demand(uow), listing(uow)
    found = matches.listings_for(uow, need.id, 20)
    [ranked] = found["items"]
    assert found["demand_id"] == need.id and ranked["id"] == offered.id
    assert ranked["listing"]["asking_price"] == Decimal("500000.00")
    assert {r["factor"] for r in ranked["reasons"]} == {"keywords", "programme", "region", "trl", "price"}
    assert [r["id"] for r in matches.demands_for(uow, offered.id, 20)["items"]] == [need.id]
    demands.withdraw(uow, need.id, None, ADMIN, AT)
    with pytest.raises(NotFound, match="no such open demand"):
        matches.listings_for(uow, need.id, 20)
    assert matches.demands_for(uow, offered.id, 20)["items"] == []


# -- appraisal and consulting -----------------------------------------------------------------

def test_a_valuation_by_the_market_approach_compares_registered_contracts_of_the_programme(uow):
    for i, amount in enumerate(("100000.00", "300000.00")):
        uow.insert(Contract(id=f"c-{i}", status="registered", contract_type="transfer", contract_amount=amount,
                            technology_transaction_amount=amount, seller_organization_id=SELLER, region_code="510100",
                            programme=3, submitted_by="x", submitted_at=AT, registered_at=AT))
    body = ValuationIn(achievement_id="ach-1", method="market", market={"adjustment_factor": "0.9"})

    record = advisory.record_valuation(uow, body, institution(BUYER), AT)

    assert record.value == Decimal("180000.00") and record.inputs["comparable_contract_ids"] == ["c-0", "c-1"]
    event = uow.events[-1]
    assert event.name == "transactions.valuation.recorded.v1" and event.data["value"] == Decimal("180000.00")
    assert json.loads(event.data["inputs_json"])["adjustment_factor"] == "0.9"


def test_a_valuation_is_refused_without_comparables_or_with_inputs_of_another_method(uow):
    uow.update(AchievementReplica, {"_id": "ach-1"}, {"$set": {"programme": 9}})
    with pytest.raises(Conflict) as refused:
        advisory.record_valuation(uow, ValuationIn(achievement_id="ach-1", method="market", market={}),
                                  institution(BUYER), AT)
    assert (refused.value.code, refused.value.field) == ("no_comparables", "market.comparable_contract_ids")
    with pytest.raises(Invalid) as refused:
        advisory.record_valuation(uow, ValuationIn(achievement_id="ach-1", method="cost", market={}),
                                  institution(BUYER), AT)
    assert refused.value.field == "cost"
    assert uow.count(Valuation) == 0


def test_a_consultation_is_answered_once_by_the_institution_asked(uow):
    asked = "org-agency"
    item = advisory.request_consultation(uow, ConsultationIn(institution_organization_id=asked, topic="专利许可定价",
                                                             question="独占许可如何定价？"), institution(BUYER), AT)
    assert uow.events[-1].name == "transactions.consultation.requested.v1"
    assert "question" not in uow.events[-1].data  # the question stays inside
    with pytest.raises(NotAllowed):
        advisory.answer_consultation(uow, item.id, "自己答", institution(BUYER), AT)
    answered = advisory.answer_consultation(uow, item.id, "参照已登记合同。", institution(asked), AT)
    assert (answered.status, uow.get(Consultation, item.id).answer) == ("answered", "参照已登记合同。")
    with pytest.raises(TransitionRefused, match="already answered"):
        advisory.answer_consultation(uow, item.id, "再答", institution(asked), AT)
    with pytest.raises(NotFound):
        advisory.visible_consultation(uow, item.id, institution("org-stranger"))
    with pytest.raises(Invalid) as refused:
        advisory.request_consultation(uow, ConsultationIn(institution_organization_id=BUYER, topic="t", question="q"),
                                      institution(BUYER), AT)
    assert refused.value.field == "institution_organization_id"
