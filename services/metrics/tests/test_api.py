"""The metrics service's HTTP API against the real local servers, on an empty database.

Events moving the figures are covered in test_projection.py and tests/e2e.
"""
import re
from decimal import Decimal

import jsonschema
import pytest

from ttp_testing import assert_error, marks, wait_for

from metrics.handlers.projection import HANDLER
from metrics.plan import load_plan

pytestmark = pytest.mark.integration
PLAN = load_plan()


def test_progress_on_an_empty_database_lists_every_target_at_zero(api):
    response = api.get("/api/v1/progress?as_of=2018-07-02")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"plan", "as_of", "targets", "indicators", "counters"}
    assert body["plan"]["key"] == "sichuan-2016-2020" and body["as_of"] == "2018-07-02"
    assert body["plan"]["period"] == {"start": "2016-01-01", "end": "2020-12-31"}
    assert (body["plan"]["status"], body["plan"]["status_label"], body["plan"]["followed"]) == ("in_force", "实施中", True)
    assert body["counters"] == {}
    assert [t["key"] for t in body["targets"]] == [t.key for t in PLAN.targets]
    for row, target in zip(body["targets"], PLAN.targets):
        assert row["label"] == target.label and row["unit"] == target.unit
        assert isinstance(row["goal"], str) and Decimal(row["goal"]) == target.goal  # exact decimals as strings
        assert isinstance(row["value"], str) and Decimal(row["value"]) == 0
        assert row["ratio"] == 0 and row["behind"] is True and row["met"] is False
        assert len(row["breakdowns"]["region"]) == 21
    goals = {row["key"]: (row["goal"], row["expected"]) for row in body["targets"]}
    assert goals["transformation_projects"] == ("2000", "1001")
    assert goals["contract_turnover_yuan"] == ("200000000000", "100054734537.49")
    assert api.get("/api/v1/progress?breakdowns=false").json()["targets"][0].keys() >= {"expected", "pace"}
    assert "breakdowns" not in api.get("/api/v1/progress?breakdowns=false").json()["targets"][0]


def test_the_plans_are_listed_and_an_ended_plan_is_not_behind(api):
    body = api.get("/api/v1/plans?as_of=2026-12-02").json()
    assert body["as_of"] == "2026-12-02" and body["followed"] == "sichuan-2016-2020"
    [plan] = body["plans"]  # the packaged plans: no successor plan has been published
    assert (plan["key"], plan["status"], plan["status_label"], plan["followed"]) == (
        "sichuan-2016-2020", "ended", "已结束", True)
    assert plan["source"].startswith("川办发〔2016〕71号") and plan["period"]["end"] == "2020-12-31"
    assert [(t["key"], t["goal"]) for t in plan["targets"]][0] == ("transformation_projects", "2000")
    assert api.get("/api/v1/plans?as_of=2015-06-01").json()["plans"][0]["status"] == "upcoming"
    ended = api.get("/api/v1/progress?plan=sichuan-2016-2020&as_of=2026-12-02").json()
    assert ended["plan"]["status"] == "ended"
    for row in ended["targets"]:
        assert row["behind"] is False and row["met"] is False and Decimal(row["expected"]) == Decimal(row["goal"])


def test_one_target_and_bad_parameters(api):
    row = api.get("/api/v1/progress/service_institutions?as_of=2020-12-31").json()
    assert row["goal"] == "1000" and row["expected"] == "1000" and row["value"] == "0"
    assert api.get("/api/v1/progress/service_institutions?plan=sichuan-2016-2020").json()["goal"] == "1000"
    assert_error(api.get("/api/v1/progress/not_a_target"), 404, "not_found")
    for url in ("/api/v1/progress?plan=sichuan-2021-2025", "/api/v1/progress/service_institutions?plan=x",
                "/api/v1/progress?plan=%7B%22%24ne%22%3A1%7D"):
        body = assert_error(api.get(url), 400, "unknown_plan")
        assert body["fields"][0]["path"] == "plan"
    body = assert_error(api.get("/api/v1/progress?as_of=2018-13-01"), 400, "validation_failed")
    assert body["fields"][0]["path"] == "as_of"
    assert_error(api.get("/api/v1/tasks?status=finished"), 400, "validation_failed")


def test_the_task_ledger_lists_the_annex_with_overdue_flags(api):
    body = api.get("/api/v1/tasks?as_of=2016-12-15").json()
    assert body["source"].startswith("川办发〔2016〕71号")
    assert body["summary"]["total"] == 28 and body["summary"]["not_started"] == 28
    overdue = [t["id"] for t in body["tasks"] if t["overdue"]]
    assert overdue == ["6", "7", "22"]  # due 2016年11月
    assert [t["id"] for t in api.get("/api/v1/tasks?overdue=true&as_of=2016-12-15").json()["tasks"]] == overdue
    by_department = api.get("/api/v1/tasks", params={"department": "省知识产权局"}).json()["tasks"]
    assert {t["id"] for t in by_department} >= {"4", "5", "7"}
    task = api.get("/api/v1/tasks/8").json()
    assert task["schedule"] == "2016年完成建设，2017年正式运营" and task["due"] == "2017-12-31"
    assert_error(api.get("/api/v1/tasks/99"), 404, "not_found")


def test_only_an_administrator_updates_a_task_and_bad_input_stores_nothing(api):
    before = api.counts("tasks")
    assert_error(api.request("PATCH", "/api/v1/tasks/1", json={"status": "done"}), 401, "unauthenticated")
    assert_error(api.request("PATCH", "/api/v1/tasks/1", json={"status": "done"},
                             token=api.token("reviewer", region="510100")), 403, "forbidden")
    admin = api.token("admin")
    for body, path in (({"status": "finished"}, "status"), ({"note": 3}, "note"), ({"sneaky": 1}, "sneaky")):
        error = assert_error(api.request("PATCH", "/api/v1/tasks/1", json=body, token=admin), 400,
                             "validation_failed")
        assert path in [f["path"] for f in error["fields"]] or not error["fields"][0]["path"]
    assert_error(api.request("PATCH", "/api/v1/tasks/99", json={"status": "done"}, token=admin), 404, "not_found")
    assert api.counts("tasks") == before


def test_an_update_is_stored_and_published_as_an_event(api):
    admin = api.token("admin", sub="ledger-admin")
    response = api.request("PATCH", "/api/v1/tasks/22", json={"status": "done", "note": "已建立年度工作台账"},
                           token=admin)
    assert response.status_code == 200, response.text
    task = response.json()
    assert (task["status"], task["note"], task["updated_by"], task["revision"]) == (
        "done", "已建立年度工作台账", "ledger-admin", 1)
    assert task["overdue"] is False
    assert api.get("/api/v1/tasks/22").json()["status"] == "done"
    record = api.event("ttp.metrics.task", "22")
    assert api.decode(record) == ("metrics.task.updated.v1", {
        "task_id": "22", "status": "done", "note": "已建立年度工作台账", "updated_by": "ledger-admin"})
    # the service consumes its own event without changing the state it already wrote
    wait_for(lambda: marks(api.db, HANDLER, dict(record.headers)["ce_id"].decode()), message="the task event to come back")
    assert api.get("/api/v1/tasks/22").json()["revision"] == 1
    same = api.request("PATCH", "/api/v1/tasks/22", json={"status": "done"}, token=admin)
    assert same.json()["revision"] == 1  # nothing changed: no event
    assert api.db["outbox"].count_documents({}) == 1


def test_metrics_export_targets_breakdowns_ledger_and_pipeline(api):
    api.get("/api/v1/progress")
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert any(line.startswith("ttp_entrypoint_calls_total{") and 'service="metrics"' in line
               and 'entrypoint="get_progress"' in line and 'outcome="ok"' in line for line in lines)
    plan = 'plan="sichuan-2016-2020"'
    assert f'ttp_target_goal{{{plan},target="transformation_projects",unit="count"}} 2000.0' in lines
    assert f'ttp_target_value{{{plan},target="contract_turnover_yuan",unit="yuan"}} 0.0' in lines
    assert f'ttp_target_expected{{{plan},target="service_institutions",unit="count"}} 1000.0' in lines  # it ended
    assert f'ttp_target_met{{{plan},target="service_institutions",unit="count"}} 0.0' in lines
    assert 'ttp_plan_target_goal{target="transformation_projects",unit="count"} 2000.0' in lines  # deprecated
    assert (f'ttp_target_value_by_region{{{plan},region="513400",region_name="凉山彝族自治州",'
            'target="service_institutions",unit="count"} 0.0') in lines
    assert (f'ttp_target_value_by_programme{{{plan},programme="15",programme_name="国际科技合作科技成果转化专项",'
            'target="transformation_projects",unit="count"} 0.0') in lines
    assert (f'ttp_target_value_by_contract_type{{contract_type="licence",contract_type_name="技术许可",{plan},'
            'target="contract_turnover_yuan",unit="yuan"} 0.0') in lines
    assert f'ttp_plan_in_force{{{plan}}} 0.0' in lines and f'ttp_plan_followed{{{plan}}} 1.0' in lines
    assert f'ttp_plan_period_end_timestamp_seconds{{{plan}}} 1.6094304e+09' in lines  # 2021-01-01T00:00+08:00
    assert 'ttp_task_overdue{task="6"} 1.0' in lines
    assert any(line.startswith("ttp_tasks_overdue ") for line in lines)
    assert any(line.startswith("ttp_consumer_lag_available{") and 'service="metrics"' in line
               and line.endswith(" 1.0") for line in lines)
    assert any(line.startswith("ttp_consumer_lag{") and 'partition="0"' in line for line in lines)


def test_openapi_document_describes_the_api(api):
    """What every service's document holds is checked in tests/platform/test_contract.py."""
    spec = api.get("/api/v1/openapi.json").json()
    get = spec["paths"]["/api/v1/progress"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Progress"}
    assert "patch" in spec["paths"]["/api/v1/tasks/{task_id}"]
    assert {"Plan", "PlanList", "Progress", "Target", "Task", "TaskUpdate", "Compliance"} <= set(
        spec["components"]["schemas"])


def test_progress_takes_no_writes(api):
    response = api.post("/api/v1/progress", {"counters": {"service_institutions": 1000}}, token=api.token("admin"))
    assert response.status_code == 405
    assert api.get("/api/v1/progress").json()["counters"] == {}


def test_every_path_parameter_is_declared_in_the_document(api):
    """Found by fuzzing: /progress/{key}, /tasks/{task_id} and /compliance/{year} did not declare their path
    parameter, so no client generator (schemathesis included) could build a request for them."""
    spec = api.get("/api/v1/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), f"{method.upper()} {path}"


def test_responses_match_the_schemas_the_document_gives(api):
    """Found by fuzzing: the task list, compliance list and pipeline had no documented body at all."""
    spec = api.get("/api/v1/openapi.json").json()
    for url, path in (("/api/v1/tasks?as_of=2017-01-01", "/api/v1/tasks"),
                      ("/api/v1/tasks/8", "/api/v1/tasks/{task_id}"),
                      ("/api/v1/compliance", "/api/v1/compliance"),
                      ("/api/v1/compliance/2018", "/api/v1/compliance/{year}"),
                      ("/api/v1/pipeline", "/api/v1/pipeline"),
                      ("/api/v1/plans", "/api/v1/plans"), ("/api/v1/progress", "/api/v1/progress"),
                      ("/api/v1/progress/service_institutions", "/api/v1/progress/{key}")):
        response = api.get(url)
        assert response.status_code == 200, response.text
        documented = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        jsonschema.validate(response.json(), {**documented, "components": spec["components"]},
                            cls=jsonschema.Draft202012Validator)


@pytest.mark.parametrize("year", ["99999999999999999999", "9223372036854775808", "1999", "2101"])
def test_compliance_of_an_impossible_year_is_a_400(api, year):
    """Found once the fuzzer could reach the operation: a year past 64 bits reached the database query
    (OverflowError, a 500); a year no report can have is a 400 too."""
    body = assert_error(api.get(f"/api/v1/compliance/{year}"), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["year"]
    assert api.get("/api/v1/compliance/2100").status_code == 200
