"""A contract's cancellation and changes in the plans' figures (issue 19 item 5): from its effective date, in the
year of that date, and only in a plan that counted the registration; verified technical income as an indicator."""
import datetime as dt
from collections import Counter
from decimal import Decimal

from metrics.plan import load_plan
from metrics.progress import increments

from _plans import test_plan

PLAN = load_plan()  # 2016–2020
LATER_PLAN = test_plan("test-2021-2025", "2021-01-01", "2025-12-31")
REGISTERED = "transactions.contract.registered.v1"
CHANGED = "transactions.contract.changed.v1"
CANCELLED = "transactions.contract.cancelled.v1"
VERIFIED = "transactions.contract.income_verified.v1"
BASE = {"contract_id": "c", "registration_number": "5101002019000001", "contract_type": "transfer",
        "seller_organization_id": "o", "region_code": "510104", "programme": 3, "achievement_id": None}


def registered(on, amount="100.00", technology="80.00"):
    return REGISTERED, {**BASE, "contract_amount": Decimal(amount), "technology_transaction_amount": Decimal(technology),
                        "registered_at": dt.datetime.combine(on, dt.time(), dt.timezone.utc), "effective_date": on}


def changed(registered_on, on, amount_delta="0.00", technology_delta="0.00"):
    return CHANGED, {**BASE, "registration_date": registered_on, "effective_date": on,
                     "contract_amount_delta": Decimal(amount_delta),
                     "technology_transaction_amount_delta": Decimal(technology_delta)}


def cancelled(registered_on, on, amount="100.00", technology="80.00"):
    return CANCELLED, {**BASE, "registration_date": registered_on, "effective_date": on,
                       "contract_amount": Decimal(amount), "technology_transaction_amount": Decimal(technology)}


def apply(plan, *events):
    counters = Counter()
    for name, data in events:
        counters.update(increments(plan, name, data))
    return counters


def test_a_cancellation_in_the_registrations_plan_takes_it_out_in_the_year_it_takes_effect():
    reg, cancel = dt.date(2018, 5, 1), dt.date(2019, 3, 1)
    counters = apply(PLAN, registered(reg), cancelled(reg, cancel))
    assert counters["contract_turnover_fen"] == 0 and counters["contract_amount_fen"] == 0
    assert counters["contracts_registered"] == 0
    assert counters["contract_turnover_fen|year=2018"] == 8000  # what 2018 registered stays 2018's
    assert counters["contract_turnover_fen|year=2019"] == -8000  # 2019 loses it from its effective date
    assert counters["contract_turnover_fen|region=510100"] == 0  # the county counts in its prefecture
    assert counters["contract_turnover_fen|contract_type=transfer"] == 0
    assert counters["contract_turnover_fen|programme=3"] == 0


def test_a_plan_that_ended_before_the_cancellation_keeps_it_and_the_next_plan_loses_nothing():
    reg, cancel = dt.date(2020, 6, 1), dt.date(2021, 2, 1)
    assert apply(PLAN, registered(reg), cancelled(reg, cancel))["contract_turnover_fen"] == 8000
    later = apply(LATER_PLAN, registered(reg), cancelled(reg, cancel))
    assert later["contract_turnover_fen"] == 0 and "contract_turnover_fen|year=2021" not in later
    assert later["contracts_registered"] == 0


def test_a_change_adjusts_by_its_difference_from_its_effective_date_and_a_later_cancellation_takes_the_rest():
    reg = dt.date(2017, 1, 10)
    events = [registered(reg), changed(reg, dt.date(2018, 2, 1), "20.00", "-30.00")]
    counters = apply(PLAN, *events)
    assert counters["contract_turnover_fen"] == 5000 and counters["contract_amount_fen"] == 12000
    assert counters["contract_turnover_fen|year=2018"] == -3000 and counters["contracts_registered"] == 1
    counters = apply(PLAN, *events, cancelled(reg, dt.date(2019, 1, 1), "120.00", "50.00"))
    assert counters["contract_turnover_fen"] == 0 and counters["contract_amount_fen"] == 0
    # a change after the plan's period moves nothing in it
    assert apply(PLAN, changed(reg, dt.date(2021, 1, 1), "20.00", "20.00")) == {}


def test_replaying_the_events_in_any_order_gives_the_same_figures():
    reg = dt.date(2019, 4, 1)
    events = [registered(reg), changed(reg, dt.date(2019, 5, 1), "10.00", "10.00"),
              cancelled(reg, dt.date(2020, 1, 2), "110.00", "90.00")]
    assert apply(PLAN, *events) == apply(PLAN, *reversed(events))


def test_verified_technical_income_is_summed_as_an_indicator_on_its_verification_date():
    data = {"income_id": "i", "contract_id": "c", "region_code": "510700", "programme": None,
            "verified_amount": Decimal("2500.50"), "effective_date": dt.date(2019, 7, 1)}
    counters = apply(PLAN, (VERIFIED, data))
    assert counters["verified_technical_income_yuan_fen"] == 250050
    assert counters["verified_technical_income_yuan_fen|year=2019"] == 250050
    assert counters["verified_technical_income_yuan_fen|region=510700"] == 250050
    assert apply(LATER_PLAN, (VERIFIED, data)) == {}


def test_a_contracts_trace_shows_its_change_cancellation_and_income_and_the_public_no_income():
    from ttp_common.auth import Principal, Roles

    from metrics import trace
    t0 = dt.datetime(2026, 3, 2, 1, tzinfo=dt.timezone.utc)
    reg = dt.date(2026, 3, 2)
    events = [registered(reg),
              ("transactions.contract.income_verified.v1", {
                  "income_id": "i-1", "contract_id": "c", "seller_organization_id": "o", "region_code": "510104",
                  "filed_amount": Decimal("50.00"), "verified_amount": Decimal("40.00"), "adjusted": True,
                  "contract_verified_income": Decimal("40.00"), "effective_date": dt.date(2026, 3, 3),
                  "verified_at": t0 + dt.timedelta(days=1)}),
              (CHANGED, {**changed(reg, dt.date(2026, 3, 4), "10.00", "10.00")[1], "changed_fields": ["contract_amount"],
                         "request_reference": "变更 1", "changed_at": t0 + dt.timedelta(days=2)}),
              (CANCELLED, {**cancelled(reg, dt.date(2026, 3, 5))[1], "reason": "合同解除", "request_reference": "注销 1",
                           "cancelled_at": t0 + dt.timedelta(days=3)})]
    docs = [trace.entry(name, data, f"ev-{n}", t0) for n, (name, data) in enumerate(events)]
    find = lambda keys: [d for d in docs if set(d["keys"]) & set(keys)]  # noqa: E731
    entries = trace.assemble("contract", "c", find)
    region, public = trace.subject_facts(entries, "contract", "c")
    full = trace.shown(entries, trace.view_of(Principal("u", Roles.ADMIN), region, "contract"), public, None)
    assert [r["event_type"].split(".")[2] for r in full] == ["registered", "income_verified", "changed", "cancelled"]
    assert full[3]["details"]["reason"] == "合同解除"
    shown = trace.shown(entries, trace.view_of(Principal.anonymous(), region, "contract"), public, None)
    assert [r["event_type"].split(".")[2] for r in shown] == ["registered", "changed", "cancelled"]
    assert "reason" not in shown[2]["details"] and shown[2]["details"]["effective_date"] == "2026-03-05"
