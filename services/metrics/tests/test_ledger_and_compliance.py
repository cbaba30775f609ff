"""The task ledger and annual-report compliance rules: no server needed."""
import datetime as dt

import pytest
from pydantic import ValidationError

from metrics import compliance, ledger
from metrics.plan import load_plan, load_tasks

PLAN = load_plan()
TASKS = load_tasks(PLAN.tasks)
T1 = dt.datetime(2017, 1, 1, tzinfo=dt.timezone.utc)
T2 = dt.datetime(2017, 2, 1, tzinfo=dt.timezone.utc)


def test_the_annex_task_table_is_loaded_from_data():
    assert TASKS.source.startswith("川办发〔2016〕71号 附件")
    assert len(TASKS.tasks) == 28
    first = TASKS.get("1")
    assert first.title == "实施科技成果转移转化专项" and "2000项" in first.work
    assert first.departments[0] == "科技厅" and first.schedule == "2016年10月启动，持续推进"
    assert TASKS.get("6").due == dt.date(2016, 11, 30)
    assert TASKS.get("26").title == "落实成果转移转化报告制度"
    assert TASKS.get("nope") is None


def test_overdue_is_by_schedule_and_done_is_never_overdue():
    dated, ongoing = TASKS.get("6"), TASKS.get("5")  # 2016年11月; 持续推进 (to the end of the plan)
    assert ledger.view(dated, None, PLAN, dt.date(2016, 11, 30))["overdue"] is False
    assert ledger.view(dated, None, PLAN, dt.date(2016, 12, 1))["overdue"] is True
    assert ledger.view(ongoing, None, PLAN, dt.date(2019, 1, 1))["overdue"] is False
    assert ledger.view(ongoing, None, PLAN, dt.date(2021, 1, 1))["overdue"] is True
    done = {**ledger.initial_state(), "status": "done"}
    assert ledger.view(dated, done, PLAN, dt.date(2021, 1, 1))["overdue"] is False


@pytest.mark.parametrize("body", [{}, {"status": "finished"}, {"status": "done", "extra": 1}, {"note": "x" * 2001}])
def test_bad_updates_are_refused(body):
    with pytest.raises(ValidationError):
        ledger.TaskUpdate.model_validate(body)


def test_an_update_changes_status_and_note_and_an_empty_change_is_nothing():
    state = ledger.initial_state()
    assert ledger.next_state(state, ledger.TaskUpdate(status="in_progress")) == ("in_progress", None)
    state = {**state, "status": "in_progress", "note": "开了会"}
    assert ledger.next_state(state, ledger.TaskUpdate(note=None)) == ("in_progress", None)
    assert ledger.next_state(state, ledger.TaskUpdate(status="in_progress")) is None
    assert ledger.next_state(state, ledger.TaskUpdate(note="  开了会 ")) is None


def test_task_events_apply_in_time_order_once():
    first = ledger.apply_event(None, {"status": "in_progress", "note": None, "updated_by": "a"}, "e1", T1)
    assert first["revision"] == 1 and first["event_id"] == "e1"
    assert ledger.apply_event(first, {"status": "in_progress", "updated_by": "a"}, "e1", T1) is None  # again
    second = ledger.apply_event(first, {"status": "done", "note": "完成", "updated_by": "b"}, "e2", T2)
    assert (second["status"], second["revision"], second["updated_by"]) == ("done", 2, "b")
    assert ledger.apply_event(second, {"status": "in_progress", "updated_by": "a"}, "e0", T1) is None  # stale


def report(event, **extra):
    return {"report_id": "u1:2018", "organization_id": "u1", "region_code": "510100", "year": 2018, **extra}


def fold(*events):
    doc = None
    for name, data in events:
        doc = compliance.apply_event(doc, name, data)
    return doc


def test_report_statuses_on_time_late_missing_and_a_late_filing_after_missing():
    on_time = fold(("submitted", report("s", late=False, supervising_department="教育厅")), ("accepted", report("a")))
    assert compliance.status(on_time) == "on_time" and on_time["review"] == "accepted"
    assert on_time["department"] == "教育厅"
    missing = fold(("missing", report("m", supervising_department="教育厅")))
    assert compliance.status(missing) == "missing"
    late = fold(("missing", report("m")), ("submitted", report("s", late=True)), ("forwarded", report("f", late=True)))
    assert compliance.status(late) == "late" and late["forwarded_late"] is True
    assert compliance.status(None) == "pending"


def test_compliance_per_department_includes_organizations_without_a_report():
    orgs = {"u1": {"name": "四川大学", "kind": "university", "region_code": "510100",
                   "supervising_department": "教育厅"},
            "i1": {"name": "省农科院", "kind": "institute", "region_code": "510100",
                   "supervising_department": "农业厅"},
            "u2": {"name": "西南交大", "kind": "university", "region_code": "510100",
                   "supervising_department": "教育厅"}}
    reports = [fold(("submitted", report("s", late=True))),
               fold(("missing", {**report("m"), "organization_id": "i1", "report_id": "i1:2018"}))]
    summary = compliance.summarise(2018, reports, orgs)
    assert summary["totals"] == {"on_time": 0, "late": 1, "missing": 1, "pending": 1}
    by_department = {d["department"]: d for d in summary["departments"]}
    assert (by_department["教育厅"]["late"], by_department["教育厅"]["pending"]) == (1, 1)
    assert by_department["农业厅"]["missing"] == 1
    assert [o["name"] for o in by_department["教育厅"]["organizations"]] == ["四川大学", "西南交大"]
    assert compliance.organization({"kind": "enterprise", "name": "x", "region_code": "510100"}) is None
