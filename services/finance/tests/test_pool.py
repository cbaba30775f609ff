"""Financing pool, investor, fund, deal and roadshow rules, without any server."""
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ttp_common import money
from ttp_common.refusals import TransitionRefused

from finance import pool


def need(**overrides):
    return {"title": "钒钛新材料产业化融资", "organization_id": "org-1", "region_code": "510400", "amount": "5000000.00",
            "stage": "scale_up", "instruments": ["loan", "equity"], "industry": "新材料", **overrides}


def error_paths(exc_info):
    return [".".join(map(str, e["loc"])) for e in exc_info.value.errors()]


@pytest.mark.parametrize("change, path", [
    ({"amount": "-1"}, "amount"), ({"amount": "0"}, "amount"), ({"amount": "1.001"}, "amount"),
    ({"instruments": []}, "instruments"), ({"instruments": ["grant"]}, "instruments.0"),
    ({"instruments": ["loan", "loan"]}, "instruments"), ({"stage": "research"}, "stage"),
    ({"contract_ids": [""]}, "contract_ids"), ({"region_code": "500100"}, "region_code"),
])
def test_invalid_financing_needs_name_the_field(change, path):
    with pytest.raises(ValidationError) as exc:
        pool.FinancingProjectIn(**need(**change))
    assert error_paths(exc) == [path]


def test_every_instrument_of_the_plan_can_be_sought():
    assert set(pool.INSTRUMENTS) == {"equity", "loan", "guarantee", "insurance", "ip_pledge", "equity_pledge"}
    assert pool.FinancingProjectIn(**need(instruments=list(pool.INSTRUMENTS))).amount == Decimal("5000000.00")


def test_fen_is_exact_and_orders_like_the_amounts():
    assert money.to_fen(Decimal("0.01")) == 1
    assert money.to_fen(Decimal("123456789012.34")) == 12345678901234
    assert money.to_fen(Decimal("999999999999999.99")) > money.to_fen(Decimal("999999999999999.98"))


def test_a_sub_fund_needs_its_guidance_fund_and_others_none():
    base = {"name": "四川省科技成果转化投资引导基金", "investor_id": "i-1", "committed_amount": "1000000000"}
    assert pool.FundIn(**base, kind="guidance").parent_fund_id is None
    assert pool.FundIn(**base, kind="sub_fund", parent_fund_id="f-1").parent_fund_id == "f-1"
    for bad in ({"kind": "sub_fund"}, {"kind": "guidance", "parent_fund_id": "f-1"}):
        with pytest.raises(ValidationError):
            pool.FundIn(**base, **bad)
    with pytest.raises(ValidationError) as exc:
        pool.FundIn(**{**base, "committed_amount": "-5"}, kind="venture")
    assert error_paths(exc) == ["committed_amount"]


DEAL_ALLOWED = {("due-diligence", "interested"), ("close", "due_diligence"), ("decline", "interested"),
                ("decline", "due_diligence")}


@pytest.mark.parametrize("action", list(pool.DEAL_TRANSITIONS))
@pytest.mark.parametrize("status", ["interested", "due_diligence", "closed", "declined"])
def test_deal_transitions_start_only_from_their_states(action, status):
    if (action, status) in DEAL_ALLOWED:
        assert pool.deal_transition(action, status).name == action
    else:
        with pytest.raises(TransitionRefused):
            pool.deal_transition(action, status)


def test_only_the_investor_closes_and_either_side_declines():
    assert pool.DEAL_TRANSITIONS["close"].actors == {pool.INVESTOR}
    assert pool.DEAL_TRANSITIONS["decline"].actors == {pool.INVESTOR, pool.ORGANIZATION}


@pytest.mark.parametrize("instrument, terms, problems", [
    ("loan", {}, ["annual_rate", "term_months"]), ("loan", {"annual_rate": "0.0435", "term_months": 12}, []),
    ("ip_pledge", {"term_months": 12}, ["annual_rate", "pledged_ip_right_ids"]),
    ("ip_pledge", {"annual_rate": "0.04", "term_months": 12, "pledged_ip_right_ids": ["p-1"]}, []),
    ("guarantee", {}, ["term_months"]),
    ("insurance", {"term_months": 12}, []), ("equity", {}, []), ("equity", {"annual_rate": "0.05"}, ["annual_rate"]),
])
def test_closing_terms_fit_the_instrument(instrument, terms, problems):
    close = pool.CloseIn(amount="1000000", **terms)
    assert [p for p, _ in pool.check_terms(instrument, close)] == problems


@pytest.mark.parametrize("change, path", [({"amount": "-1"}, "amount"), ({"annual_rate": "1.5"}, "annual_rate"),
                                          ({"term_months": 0}, "term_months"), ({"term_months": True}, "term_months")])
def test_closing_terms_are_validated(change, path):
    with pytest.raises(ValidationError) as exc:
        pool.CloseIn(**{"amount": "100", **change})
    assert error_paths(exc) == [path]


def test_a_fund_never_invests_beyond_its_commitment():
    pool.check_fund_capacity(Decimal("100"), Decimal("60"), Decimal("40"))
    with pytest.raises(TransitionRefused):
        pool.check_fund_capacity(Decimal("100"), Decimal("60"), Decimal("40.01"))


def test_a_close_never_takes_a_project_past_its_financing_need():
    assert pool.check_within_need(Decimal("100"), Decimal("60"), Decimal("40")) is None
    assert "at most 40 more" in pool.check_within_need(Decimal("100"), Decimal("60"), Decimal("40.01"))


def test_sub_funds_together_commit_no_more_than_their_guidance_fund():
    assert pool.check_sub_fund_commitment(Decimal("100"), Decimal("0"), Decimal("100")) is None
    assert pool.check_sub_fund_commitment(Decimal("100"), Decimal("70"), Decimal("30")) is None
    assert "at most 30 more" in pool.check_sub_fund_commitment(Decimal("100"), Decimal("70"), Decimal("30.01"))


def test_instrument_must_be_sought_and_ip_pledge_needs_eligibility():
    pool.check_instrument_sought("loan", ["loan"])
    with pytest.raises(TransitionRefused):
        pool.check_instrument_sought("equity", ["loan"])
    pool.check_ip_pledge_eligible(["loan"], False)
    pool.check_ip_pledge_eligible(["ip_pledge"], True)
    with pytest.raises(TransitionRefused):
        pool.check_ip_pledge_eligible(["ip_pledge"], False)


def test_a_roadshow_time_needs_a_time_zone():
    show = {"title": "科技金融路演", "kind": "roadshow", "region_code": "510100", "organizer": "省科技厅",
            "financing_project_ids": ["fp-1"]}
    assert pool.RoadshowIn(**show, starts_at="2026-06-01T09:00:00+08:00").starts_at.utcoffset()
    with pytest.raises(ValidationError) as exc:
        pool.RoadshowIn(**show, starts_at="2026-06-01T09:00:00")
    assert error_paths(exc) == ["starts_at"]


@pytest.mark.parametrize("starts_at", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                       "2015-12-31T23:59:59Z", "2101-01-01T00:00:00Z"])
def test_a_roadshow_time_lies_in_the_years_2016_to_2100(starts_at):
    show = {"title": "科技金融路演", "kind": "roadshow", "region_code": "510100", "organizer": "省科技厅",
            "financing_project_ids": ["fp-1"]}
    with pytest.raises(ValidationError) as exc:
        pool.RoadshowIn(**show, starts_at=starts_at)
    assert error_paths(exc) == ["starts_at"]
    assert pool.RoadshowIn(**show, starts_at="2100-12-31T23:59:59.999999Z").starts_at.microsecond == 999000


@pytest.mark.parametrize("rate", ["0.0435", "0.0435000000", "4.35E-2", "0.04350000000000000000000"])
def test_a_rate_is_kept_at_six_places(rate):
    assert str(pool.CloseIn(amount="100", annual_rate=rate).annual_rate) == "0.043500"
