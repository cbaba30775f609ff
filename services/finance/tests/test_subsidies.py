"""Fiscal instruments: the rules are data (rules/<year>.yaml) and one computation serves them all."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from ttp_common.refusals import TransitionRefused

from finance import subsidies
from finance.subsidies import Deal, Refused, Rule, compute, granted, load_rules

RULES = load_rules()


def rule(**overrides):
    return Rule(**{"label": "测试", "deal_instruments": ["loan"], "basis": "amount", "share": "0.1", "cap": "1000",
                   **overrides})


def loan(amount="1000000", rate="0.0435", months=12, kind="bank", instrument="loan"):
    return Deal(instrument, D(amount), kind, D(rate) if rate else None, months)


def test_the_shipped_rules_load_per_year_with_every_instrument():
    assert {2025, 2026} <= set(RULES)
    assert set(RULES[2026].instruments) == set(subsidies.SUBSIDY_INSTRUMENTS)
    assert RULES[2025].instruments["guarantee_subsidy"].basis == "fee"  # a year differs by data, not by code


def test_rules_stay_in_force_until_replaced():
    assert subsidies.rules_for(RULES, 2025).year == 2025
    assert subsidies.rules_for(RULES, 2026).year == 2026
    assert subsidies.rules_for(RULES, 2031).year == max(RULES)
    assert subsidies.rules_for(RULES, 2016) is None


@pytest.mark.parametrize("closed_at, year", [
    (datetime(2025, 12, 31, 16, 0, tzinfo=timezone.utc), 2026),     # 00:00 on 1 January in Beijing
    (datetime(2025, 12, 31, 23, 59, tzinfo=timezone.utc), 2026),    # 07:59 on 1 January in Beijing
    (datetime(2025, 12, 31, 15, 59, 59, tzinfo=timezone.utc), 2025),  # 23:59:59 on 31 December in Beijing
    (datetime(2026, 1, 1, 7, 30, tzinfo=timezone(timedelta(hours=8))), 2026),
    (datetime(2025, 12, 31, 17, 0), 2026),                           # naive: UTC, as the database gives it
    (datetime(2026, 12, 31, 15, 0, tzinfo=timezone.utc), 2026),
])
def test_the_rule_year_is_the_year_in_china_standard_time(closed_at, year):
    assert subsidies.rule_year(closed_at) == year


def test_a_deal_closed_early_on_new_years_day_in_beijing_gets_the_new_years_rules():
    closed_at = datetime(2025, 12, 31, 20, 0, tzinfo=timezone.utc)  # 04:00 on 1 January 2026 in Beijing
    assert subsidies.rules_for(RULES, subsidies.rule_year(closed_at)).year == 2026


# -- the application lifecycle: applied → approved or rejected, once ----------------------------

@pytest.mark.parametrize("action, status", [("approve", "approved"), ("reject", "rejected")])
def test_a_pending_application_is_approved_or_rejected(action, status):
    assert subsidies.decide(action, "applied") == status


@pytest.mark.parametrize("action", ["approve", "reject"])
@pytest.mark.parametrize("status", ["approved", "rejected"])
def test_a_decided_application_is_not_decided_again(action, status):
    with pytest.raises(TransitionRefused, match=status):
        subsidies.decide(action, status)


# -- every instrument of 2026 --------------------------------------------------------------

def test_interest_subsidy_is_a_share_of_a_years_interest():
    r = RULES[2026].instruments["interest_subsidy"]  # 50 % of at most 12 months, cap 500,000
    c = compute(r, loan("2000000", "0.0435", 36))
    assert c == subsidies.Computation(amount=D("43500.00"), uncapped=D("43500.00"), capped=False, cap=D("500000.00"))
    assert compute(r, loan("2000000", "0.0435", 6)).amount == D("21750.00")


def test_interest_subsidy_is_capped():
    c = compute(RULES[2026].instruments["interest_subsidy"], loan("100000000", "0.05", 12))
    assert (c.uncapped, c.amount, c.capped) == (D("2500000.00"), D("500000.00"), True)


def test_interest_subsidy_needs_rate_and_term_and_a_loan():
    r = RULES[2026].instruments["interest_subsidy"]
    with pytest.raises(Refused) as exc:
        compute(r, loan(rate=None))
    assert exc.value.field == "deal_id"
    with pytest.raises(Refused) as exc:
        compute(r, loan(instrument="equity"))
    assert exc.value.field == "instrument"
    assert compute(r, loan(instrument="ip_pledge")).amount == D("21750.00")


def test_risk_compensation_is_a_share_of_the_banks_loss():
    r = RULES[2026].instruments["risk_compensation"]  # 40 %, cap 2,000,000, banks only
    assert compute(r, loan("3000000"), loss=D("1000000")).amount == D("400000.00")
    assert compute(r, loan("9000000"), loss=D("8000000")).amount == D("2000000.00")
    with pytest.raises(Refused) as exc:
        compute(r, loan("3000000"))
    assert exc.value.field == "loss"
    with pytest.raises(Refused) as exc:
        compute(r, loan("3000000"), loss=D("3000000.01"))
    assert exc.value.field == "loss"
    with pytest.raises(Refused) as exc:
        compute(r, loan("3000000", kind="venture_capital"), loss=D("1"))
    assert exc.value.field == "instrument"


@pytest.mark.parametrize("year, share_of_45000_55, cap", [
    (2026, "27000.33", "200000.00"),  # 60 %, cap 200,000
    (2025, "22500.28", "150000.00"),  # 50 %, cap 150,000
])
def test_premium_subsidy_is_the_years_share_of_the_premium_up_to_its_cap(year, share_of_45000_55, cap):
    r = RULES[year].instruments["premium_subsidy"]
    deal = Deal("insurance", D("5000000"), "insurance", None, 12)
    assert compute(r, deal, premium=D("45000.55")).amount == D(share_of_45000_55)
    assert compute(r, deal, premium=D("1000000")).amount == D(cap)
    with pytest.raises(Refused) as exc:
        compute(r, deal)
    assert exc.value.field == "premium"


def test_guarantee_subsidy_2026_is_a_share_of_the_guaranteed_sum():
    r = RULES[2026].instruments["guarantee_subsidy"]  # 1 % of the sum, cap 300,000
    assert compute(r, Deal("guarantee", D("8000000"), "guarantee", None, 12)).amount == D("80000.00")
    assert compute(r, Deal("guarantee", D("80000000"), "guarantee", None, 12)).capped


def test_guarantee_subsidy_2025_is_a_share_of_the_fee():
    r = RULES[2025].instruments["guarantee_subsidy"]  # 50 % of the fee, cap 200,000
    deal = Deal("guarantee", D("8000000"), "guarantee", None, 12)
    assert compute(r, deal, guarantee_fee=D("160000")).amount == D("80000.00")
    with pytest.raises(Refused) as exc:
        compute(r, deal)
    assert exc.value.field == "guarantee_fee"


# -- the other instruments of 2025 -----------------------------------------------------------

def test_interest_subsidy_2025_is_a_smaller_share_of_a_years_interest():
    r = RULES[2025].instruments["interest_subsidy"]  # 40 % of at most 12 months, cap 300,000
    assert compute(r, loan("2000000", "0.0435", 36)).amount == D("34800.00")
    assert compute(r, loan("2000000", "0.0435", 6, instrument="ip_pledge")).amount == D("17400.00")
    c = compute(r, loan("20000000", "0.05", 12))
    assert (c.uncapped, c.amount, c.capped) == (D("400000.00"), D("300000.00"), True)
    with pytest.raises(Refused) as exc:
        compute(r, loan(instrument="equity_pledge"))
    assert exc.value.field == "instrument"


def test_risk_compensation_2025_is_a_share_of_a_banks_loss():
    r = RULES[2025].instruments["risk_compensation"]  # 30 %, cap 1,500,000, banks only
    assert compute(r, loan("3000000"), loss=D("1000000")).amount == D("300000.00")
    assert compute(r, loan("9000000"), loss=D("8000000")).amount == D("1500000.00")
    with pytest.raises(Refused) as exc:
        compute(r, loan("3000000", kind="guarantee"), loss=D("1"))
    assert exc.value.field == "instrument"
    with pytest.raises(Refused) as exc:
        compute(r, loan("3000000"))
    assert exc.value.field == "loss"


def test_2025_offers_no_guidance_subsidy():
    assert "guidance" not in RULES[2025].instruments


def test_guidance_is_a_share_of_equity_above_a_minimum():
    r = RULES[2026].instruments["guidance"]  # 10 % of equity ≥ 1,000,000, cap 3,000,000
    assert compute(r, Deal("equity", D("20000000"), "venture_capital")).amount == D("2000000.00")
    assert compute(r, Deal("equity", D("50000000"), "venture_capital")).amount == D("3000000.00")
    with pytest.raises(Refused) as exc:
        compute(r, Deal("equity", D("999999.99"), "venture_capital"))
    assert exc.value.field == "deal_id"


def test_amounts_round_half_up_to_the_fen():
    assert compute(rule(share="0.5"), loan("0.05")).amount == D("0.03")
    assert compute(rule(share="0.333"), loan("100.00")).amount == D("33.30")


# -- what an applicant may ask for ------------------------------------------------------------

def test_granted_is_the_computed_amount_or_a_lower_request():
    c = compute(rule(), loan("5000"))  # 500 under a cap of 1000
    assert granted(c) == D("500.00")
    assert granted(c, D("400")) == D("400")
    with pytest.raises(Refused) as exc:
        granted(c, D("500.01"))
    assert exc.value.field == "amount"


def test_a_request_above_the_cap_is_refused_even_when_the_rules_give_the_cap():
    c = compute(rule(), loan("50000"))  # 5000 capped at 1000
    assert granted(c) == D("1000.00")
    with pytest.raises(Refused) as exc:
        granted(c, D("1000.01"))
    assert exc.value.field == "amount" and "cap" in exc.value.message


# -- the rules files are validated --------------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    ("year: 2026\ninstruments: {interest_subsidy: {label: x, deal_instruments: [loan], basis: interest, "
     "share: '1.5', cap: '10'}}", "2026.yaml"),
    ("year: 2026\ninstruments: {lottery: {label: x, deal_instruments: [loan], basis: amount, share: '0.1', "
     "cap: '10'}}", "2026.yaml"),
    ("year: 2026\ninstruments: {guidance: {label: x, deal_instruments: [grant], basis: amount, share: '0.1', "
     "cap: '10'}}", "2026.yaml"),
    ("year: 2026\ninstruments: {guidance: {label: x, deal_instruments: [equity], basis: amount, share: '0.1', "
     "cap: '10'}}", "2027.yaml"),
    ("year: [", "2026.yaml"),
])
def test_invalid_rules_files_are_refused_at_load(tmp_path, text, name):
    (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=name):
        load_rules(tmp_path)


@pytest.mark.parametrize("change", [{"max_term_months": True}, {"max_term_months": False}])
def test_a_boolean_is_not_an_integer_in_the_rules(change):
    with pytest.raises(ValidationError):
        rule(**change)


def test_an_empty_rules_directory_is_refused(tmp_path):
    with pytest.raises(ValueError):
        load_rules(tmp_path)
