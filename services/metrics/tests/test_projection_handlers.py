"""The projection's work per event over a fake unit of work: what a consumed event changes in the read
models (counters in fen, the compliance directory and reports, the task ledger, the pipeline's meta). The
same events through Kafka and the real service are in test_projection.py. ``uow``: conftest.py's fake."""
import datetime as dt
from decimal import Decimal

import pytest

from metrics import read_models
from metrics.handlers import projection as handlers
from metrics.plan import load_plan

from _plans import test_plan

PLAN = load_plan()
CONTRACT = "transactions.contract.registered.v1"
T2019 = dt.datetime(2019, 3, 2, 2, 0, 0, 123456, tzinfo=dt.timezone.utc)
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def contract(amount, turnover, contract_type="transfer"):
    return {"contract_id": "c1", "registration_number": "5101002019000001", "contract_type": contract_type,
            "contract_amount": Decimal(amount), "technology_transaction_amount": Decimal(turnover),
            "seller_organization_id": "org-1", "region_code": "511300", "registered_at": T2019, "programme": 3}


def project(uow, name, data, event_id="e1", time=T2019):
    handlers.project(uow, (PLAN,), name, data, event_id, time, AT)


def test_a_registered_contract_moves_both_amounts_in_fen_and_the_pipeline(uow):
    project(uow, CONTRACT, contract("1500000.50", "1200000.25"))
    project(uow, CONTRACT, contract("0.10", "0.10", contract_type="service"), event_id="e2")

    counters = read_models.counters(uow, PLAN.key)
    assert counters["contract_turnover_fen"] == 120000035 and counters["contract_amount_fen"] == 150000060
    assert counters["contract_turnover_fen|region=511300"] == 120000035
    assert counters["contract_turnover_fen|contract_type=service"] == 10
    assert counters["contract_turnover_fen|year=2019"] == 120000035 and counters["contracts_registered"] == 2
    meta = read_models.meta(uow)
    assert meta["applied"] == 2 and meta["last_applied_at"] == AT
    assert meta["last_event_time"] == T2019.replace(microsecond=123000)  # MongoDB keeps milliseconds


def test_one_event_counts_in_each_plan_whose_period_holds_its_date_and_nowhere_else(uow):
    plans = (PLAN, test_plan("test-2021-2025", "2021-01-01", "2025-12-31"),
             test_plan("test-2019-2023", "2019-01-01", "2023-12-31"))
    handlers.project(uow, plans, CONTRACT, {**contract("2.00", "1.00"), "effective_date": dt.date(2020, 5, 1)},
                     "e1", AT, AT)
    handlers.project(uow, plans, CONTRACT, {**contract("20.00", "10.00"), "effective_date": dt.date(2022, 5, 1)},
                     "e2", AT, AT)
    handlers.project(uow, plans, CONTRACT, {**contract("200.00", "100.00"), "effective_date": dt.date(2030, 1, 1)},
                     "e3", AT, AT)
    turnover = {p.key: read_models.counters(uow, p.key).get("contract_turnover_fen") for p in plans}
    assert turnover == {"sichuan-2016-2020": 100, "test-2021-2025": 1000, "test-2019-2023": 1100}
    assert read_models.counters(uow, "test-2019-2023")["contract_turnover_fen|year=2022"] == 1000
    assert read_models.meta(uow)["applied"] == 3  # the 2030 contract is applied, and counted in no plan


def test_a_fraction_of_a_fen_is_refused_and_nothing_is_counted(uow):
    with pytest.raises(ValueError, match="not a whole number of fen"):
        project(uow, CONTRACT, contract("1.005", "1.00"))
    assert read_models.counters(uow, PLAN.key) == {} and read_models.meta(uow) == {}


def test_universities_join_the_directory_and_their_reports_are_folded(uow):
    for org, kind in (("u1", "university"), ("e1", "enterprise")):
        project(uow, "registry.organization.registered.v1",
                {"organization_id": org, "name": "四川大学", "credit_code": "91510100MA61234567", "kind": kind,
                 "region_code": "510100", "supervising_department": "教育厅"}, event_id=f"r-{org}")
    base = {"report_id": "u1:2018", "organization_id": "u1", "region_code": "510100", "year": 2018}
    project(uow, "registry.annual_report.missing.v1", {**base, "supervising_department": "教育厅"}, event_id="m")
    project(uow, "registry.annual_report.submitted.v1", {**base, "late": True}, event_id="s")

    assert list(read_models.organizations(uow)) == ["u1"]  # an enterprise files no annual report
    [report] = read_models.annual_reports(uow, 2018)
    assert (report["filed"], report["late"], report["flagged_missing"], report["department"]) == (
        True, True, True, "教育厅")
    assert read_models.counters(uow, PLAN.key)["organizations_registered"] == 2


def test_a_corrected_organization_keeps_its_directory_entry_under_the_new_name(uow):
    project(uow, "registry.organization.registered.v1",
            {"organization_id": "u1", "name": "成都科技大学", "credit_code": "91510100MA61234567", "kind": "university",
             "region_code": "510100", "supervising_department": "教育厅"}, event_id="r")
    project(uow, "registry.organization.corrected.v1",
            {"organization_id": "u1", "name": "四川大学", "kind": "university", "region_code": "510100",
             "supervising_department": "教育部", "changed_fields": ["name", "supervising_department"],
             "corrected_at": T2019}, event_id="c")
    assert read_models.organizations(uow) == {"u1": {"name": "四川大学", "kind": "university",
                                                     "region_code": "510100", "supervising_department": "教育部"}}
    assert read_models.counters(uow, PLAN.key)["organizations_registered"] == 1  # a correction registers nothing


def test_task_events_apply_in_time_order(uow):
    later = T2019 + dt.timedelta(days=1)
    project(uow, "metrics.task.updated.v1",
            {"task_id": "1", "status": "done", "note": "完成", "updated_by": "a"}, event_id="t2", time=later)
    project(uow, "metrics.task.updated.v1",
            {"task_id": "1", "status": "in_progress", "note": None, "updated_by": "b"}, event_id="t1")

    state = read_models.task_state(uow, "1")
    assert (state["status"], state["revision"], state["event_id"]) == ("done", 1, "t2")  # the stale one skipped
    assert read_models.meta(uow)["applied"] == 2


def test_a_batch_leaves_the_read_models_as_its_events_one_by_one_would():
    from ttp_testing.fakes import FakeUnitOfWork

    later = T2019 + dt.timedelta(days=1)
    events = [(CONTRACT, contract("1500000.50", "1200000.25"), "b1", T2019),
              (CONTRACT, {**contract("0.10", "0.10", contract_type="service"), "region_code": "510100"}, "b2", later),
              ("registry.organization.registered.v1",
               {"organization_id": "u1", "name": "四川大学", "credit_code": "91510100MA61234567", "kind": "university",
                "region_code": "510100", "supervising_department": "教育厅"}, "b3", T2019),
              ("metrics.task.updated.v1", {"task_id": "1", "status": "in_progress", "note": None, "updated_by": "b"},
               "b4", T2019),
              ("metrics.task.updated.v1", {"task_id": "1", "status": "done", "note": "完成", "updated_by": "a"},
               "b5", later)]
    one_by_one, batched = FakeUnitOfWork(service="metrics"), FakeUnitOfWork(service="metrics")
    for name, data, event_id, time in events:
        handlers.project(one_by_one, (PLAN,), name, data, event_id, time, AT)
    handlers.project_all(batched, (PLAN,), events, AT)

    counters = read_models.counters(batched, PLAN.key)
    assert counters == read_models.counters(one_by_one, PLAN.key)
    assert counters["contract_turnover_fen"] == 120000035 and counters["contracts_registered"] == 2
    assert counters["contract_turnover_fen|region=510100"] == 10
    assert read_models.meta(batched) == read_models.meta(one_by_one)
    assert read_models.meta(batched)["applied"] == 5
    assert read_models.task_state(batched, "1")["status"] == "done"  # in the batch's order
    assert list(read_models.organizations(batched)) == ["u1"]
