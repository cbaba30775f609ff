"""Auction rules, matching scores and valuation formulas, without any server."""
import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from transactions import auctions, matching, valuation
from transactions.auctions import AuctionIn, AuctionState, BidRefused

T0 = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc)


def state(**overrides):
    return AuctionState(**{"seller_organization_id": "seller", "start_price": Decimal("100000.00"),
                           "increment": Decimal("5000.00"), "starts_at": T0,
                           "ends_at": T0 + dt.timedelta(hours=1), "extension_seconds": 300, **overrides})


def refused(s, org, amount, now):
    with pytest.raises(BidRefused) as exc:
        auctions.apply_bid(s, org, Decimal(amount), now)
    return exc.value.code, exc.value.field


# -- auctions -----------------------------------------------------------------------------

def test_the_first_bid_needs_the_start_price_then_each_the_increment():
    s = state()
    assert auctions.minimum_bid(s) == Decimal("100000.00")
    assert refused(s, "b1", "99999.99", T0) == ("bid_too_low", "amount")
    s = auctions.apply_bid(s, "b1", Decimal("100000.00"), T0)
    assert (s.current_price, s.leader_organization_id, s.bids, s.version) == (Decimal("100000.00"), "b1", 1, 1)
    assert auctions.minimum_bid(s) == Decimal("105000.00")
    assert refused(s, "b2", "104999.99", T0) == ("bid_too_low", "amount")
    s = auctions.apply_bid(s, "b2", Decimal("105000.00"), T0)
    assert (s.leader_organization_id, s.version) == ("b2", 2)


def test_two_bids_read_at_one_version_cannot_both_win_the_same_price():
    s = state()
    first = auctions.apply_bid(s, "b1", Decimal("100000.00"), T0)
    # the second bidder saw the same state; after the first is applied it is checked again and refused
    assert refused(first, "b2", "100000.00", T0) == ("bid_too_low", "amount")


def test_the_seller_may_not_bid_and_a_bidder_needs_an_organization():
    assert refused(state(), "seller", "200000.00", T0) == ("own_auction", "organization")
    assert refused(state(), None, "200000.00", T0) == ("forbidden", "organization")


def test_no_organization_of_the_listed_achievement_may_bid():
    s = state(owner_organization_ids=frozenset({"seller", "co-owner"}))
    assert refused(s, "co-owner", "200000.00", T0) == ("own_auction", "organization")
    assert auctions.apply_bid(s, "b1", Decimal("200000.00"), T0).leader_organization_id == "b1"


def test_bids_only_between_start_and_end():
    s = state()
    assert refused(s, "b1", "100000.00", T0 - dt.timedelta(seconds=1)) == ("auction_not_started", "auction_id")
    assert refused(s, "b1", "100000.00", s.ends_at) == ("auction_ended", "auction_id")
    assert refused(state(status="sold"), "b1", "100000.00", T0) == ("auction_closed", "auction_id")
    assert refused(state(status="cancelled"), "b1", "100000.00", T0) == ("auction_closed", "auction_id")


def test_a_bid_in_the_last_minutes_extends_the_end():
    s = state()
    early = auctions.apply_bid(s, "b1", Decimal("100000.00"), T0 + dt.timedelta(minutes=10))
    assert early.ends_at == s.ends_at
    late_at = s.ends_at - dt.timedelta(seconds=30)
    late = auctions.apply_bid(s, "b1", Decimal("100000.00"), late_at)
    assert late.ends_at == late_at + dt.timedelta(seconds=300)
    assert auctions.apply_bid(state(extension_seconds=0), "b1", Decimal("100000.00"), late_at).ends_at == s.ends_at


def test_outcome_is_sold_to_the_leader_or_unsold_under_the_reserve():
    assert auctions.outcome(state()) == ("unsold", None, None)
    s = auctions.apply_bid(state(reserve_price=Decimal("150000.00")), "b1", Decimal("140000.00"), T0)
    assert auctions.outcome(s) == ("unsold", None, None)
    s = auctions.apply_bid(s, "b2", Decimal("150000.00"), T0)
    assert auctions.outcome(s) == ("sold", "b2", Decimal("150000.00"))
    assert not auctions.is_due(s, s.ends_at - dt.timedelta(microseconds=1)) and auctions.is_due(s, s.ends_at)


@pytest.mark.parametrize("change, field", [
    ({"reserve_price": "99.00"}, "reserve_price"),
    ({"increment": "0"}, "increment"),
    ({"start_price": "1.234"}, "start_price"),
    ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
    ({"ends_at": "2099-01-01T00:00:00"}, "ends_at"),
    ({"extension_seconds": 7200}, "extension_seconds"),
])
def test_auction_input_errors_name_the_field(change, field):
    soon = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()
    body = {"listing_id": "l1", "start_price": "100.00", "increment": "10.00", "ends_at": soon, **change}
    with pytest.raises(ValidationError) as exc:
        AuctionIn.model_validate(body)
    assert [e["loc"][0] for e in exc.value.errors()] == [field]


# -- matching ---------------------------------------------------------------------------------

def demand(title="石墨烯散热", problem="手机散热需要导热膜", keywords=("石墨烯", "导热"), **overrides):
    return matching.Demand(**{"meaningful": matching.meaningful_terms(title, problem, *keywords),
                              "keywords": tuple(keywords),
                              "programme": 3, "region_code": "510100", "min_trl": 5,
                              "budget": Decimal("600000.00"), **overrides})


def supply(title="石墨烯导热膜中试技术", summary="电子散热", keywords=("石墨烯", "导热膜"), **overrides):
    return matching.Supply(**{"terms": matching.supply_terms(title, summary, keywords), "keywords": tuple(keywords),
                              "title": title, "programme": 3, "region_code": "510100", "trl": 6,
                              "asking_price": Decimal("500000.00"), **overrides})


SHALE = {"title": "页岩气返排液处理技术", "summary": "降低页岩气开采废水处理成本的关键技术，提高回用率",
         "keywords": ("页岩气", "返排液")}


def test_a_perfect_pair_scores_high_and_explains_every_factor():
    score, reasons = matching.score(demand(), supply())
    assert 0.7 < score <= 1.0
    assert [r["factor"] for r in reasons] == ["keywords", "programme", "region", "trl", "price"]
    assert reasons[0]["detail"] == "共同关键词: 石墨烯、导热"


def test_each_factor_lowers_the_score_when_it_does_not_match():
    best, _ = matching.score(demand(), supply())
    for change in ({"programme": 7}, {"region_code": "510700"}, {"trl": 3}, {"asking_price": Decimal("900000.00")}):
        worse, reasons = matching.score(demand(), supply(**change))
        assert 0 < worse < best, change
        assert len(reasons) == 4
    no_budget, _ = matching.score(demand(budget=None), supply())
    assert no_budget == pytest.approx(best - 0.15 * 0.5)


def test_without_a_shared_keyword_or_programme_there_is_no_match():
    assert matching.score(demand(), supply(**SHALE, programme=9)) == (0.0, [])
    score, reasons = matching.score(demand(), supply(**SHALE, programme=3))
    assert score > 0 and reasons[0]["factor"] == "programme"


def test_declared_keywords_outweigh_generic_words():
    """Found in use: a heat-dissipation demand ranked a shale-gas wastewater listing above a graphene
    thermal film one, explained "共同关键词: 技术、降低、成本" (every CJK bigram counted alike)."""
    heat = demand(title="芯片散热技术需求", problem="需要降低散热成本的导热技术，提高散热效率",
                  keywords=("散热", "导热"), programme=None, budget=None)
    graphene = supply(summary="面向电子散热的石墨烯导热膜规模化制备工艺。")
    shale = supply(**SHALE, programme=9, trl=7)
    ranked = matching.rank(lambda s: matching.score(heat, s), [("graphene", graphene), ("shale", shale)])
    assert [r["id"] for r in ranked] == ["graphene"]
    assert ranked[0]["reasons"][0]["detail"] == "共同关键词: 导热"
    # generic words alone neither match nor explain anything
    assert matching.matched_keywords(demand(keywords=("技术", "成本")), supply(title="低成本导热技术")) == []
    assert matching.score(demand(keywords=("技术",)), shale) == (0.0, [])


def test_a_phrase_of_generic_words_is_no_keyword_and_no_shared_word():
    """Found in review: generic words were taken out of the terms, not of the text, so 降低成本 still gave 低成
    and a demand declaring it matched "页岩气降低成本工艺" at 0.65, explained "共同关键词: 降低成本"."""
    shale = supply(title="页岩气降低成本工艺", summary="", keywords=("页岩气",))
    assert matching.score(demand(keywords=("降低成本",), programme=None), shale) == (0.0, [])
    assert matching.matched_keywords(demand(keywords=("关键技术", "降低成本")), shale) == []
    assert matching.meaningful_terms("降低成本", "关键技术") == frozenset()
    assert matching.meaningful_terms("页岩气降低成本工艺") == {"页岩", "岩气"}
    assert matching.meaningful_terms("低成本导热技术") == {"导热"}  # 低 alone is a leftover, not a term
    # the shared words of the text are meaningful ones only
    _, reasons = matching.score(demand(title="关键技术", problem="降低成本", keywords=("导热",)), shale)
    assert [r["factor"] for r in reasons][:1] == ["programme"]


def test_a_keyword_matches_inside_longer_words_on_either_side():
    assert matching.matched_keywords(demand(keywords=("导热膜",)), supply(keywords=("石墨烯",))) == ["导热膜"]  # title
    assert matching.matched_keywords(demand(keywords=("高导热石墨烯",)), supply(title="x")) == ["高导热石墨烯"]
    assert matching.matched_keywords(demand(keywords=("Graphene",)), supply(keywords=("graphene film",))) == [
        "Graphene"]
    # the achievement's summary does not count: keywords are declared on both sides
    assert matching.matched_keywords(demand(keywords=("散热",)), supply(summary="电子散热")) == []


def test_the_database_prefilter_keeps_every_keyword_match_without_generic_words():
    assert matching.listing_prefilter_terms(["导热膜", "降低成本", "技术"]) == ["导热", "热膜"]
    assert matching.demand_prefilter_terms("石墨烯导热技术", ["石墨烯"]) == ["墨烯", "导热", "热技", "烯导", "石墨"]


def test_rank_orders_by_score_then_id_and_drops_non_matches():
    d = demand()
    candidates = [("c", supply(region_code="510700")), ("a", supply()), ("b", supply()),
                  ("z", supply(**SHALE, programme=1))]
    ranked = matching.rank(lambda s: matching.score(d, s), candidates)
    assert [r["id"] for r in ranked] == ["a", "b", "c"]
    assert ranked[0]["score"] >= ranked[2]["score"]


# -- valuation ----------------------------------------------------------------------------------

def test_cost_approach():
    # 1,000,000 × 1.15 × 6 / (4 + 6) = 690,000.00
    assert valuation.cost_value(Decimal("1000000.00"), Decimal("0.15"), Decimal("4"), Decimal("6")) == \
        Decimal("690000.00")
    assert valuation.cost_value(Decimal("100.00"), Decimal("0"), Decimal("0"), Decimal("3")) == Decimal("100.00")


def test_market_approach_is_the_adjusted_mean_of_comparables():
    assert valuation.market_value(["100000.00", "200000.00", "300000.00"], Decimal("1.1")) == Decimal("220000.00")
    assert valuation.market_value(["0.10", "0.20"], Decimal("1")) == Decimal("0.15")
    with pytest.raises(valuation.NoComparables):
        valuation.market_value([], Decimal("1"))


def test_income_approach_discounts_royalties_exactly():
    # 1,000,000 × 5% / 1.1 + 2,000,000 × 5% / 1.21 = 45,454.5454… + 82,644.6280… = 128,099.17
    assert valuation.income_value([Decimal("1000000.00"), Decimal("2000000.00")], Decimal("0.05"), Decimal("0.10")) \
        == Decimal("128099.17")
    assert valuation.income_value([Decimal("100.00")], Decimal("0.1"), Decimal("0")) == Decimal("10.00")


def test_valuation_inputs_must_fit_the_method():
    body = valuation.ValuationIn.model_validate({"achievement_id": "a", "method": "income", "income": {
        "projected_revenues": ["100.00"], "royalty_rate": "0.05", "discount_rate": "0.1"}})
    assert valuation.check_inputs(body) is None
    assert valuation.check_inputs(valuation.ValuationIn(achievement_id="a", method="cost")) == (
        "cost", "required for method 'cost'")
    mixed = body.model_copy(update={"market": valuation.MarketInputs()})
    assert valuation.check_inputs(mixed)[0] == "market"
    with pytest.raises(ValidationError) as exc:
        valuation.ValuationIn.model_validate({"achievement_id": "a", "method": "income", "income": {
            "projected_revenues": ["-100.00"], "royalty_rate": "0.05", "discount_rate": "0.1"}})
    assert [".".join(map(str, e["loc"])) for e in exc.value.errors()] == ["income.projected_revenues.0"]
