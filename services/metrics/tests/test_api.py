"""The metrics service's HTTP API against the real local servers, on an empty database.

Consuming events into progress is covered end to end in tests/e2e.
"""
from decimal import Decimal

import pytest

from metrics.domain import TARGETS

pytestmark = pytest.mark.integration


def test_health_reports_every_dependency_ok(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"service": "metrics", "status": "ok",
                               "checks": {"mongodb": "ok", "kafka": "ok", "amqp": "ok"}}


def test_progress_on_an_empty_database_lists_every_target_at_zero(api):
    response = api.get("/api/v1/progress")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"targets", "counters"}
    assert body["counters"] == {}
    assert [t["key"] for t in body["targets"]] == [t.key for t in TARGETS]
    for row, target in zip(body["targets"], TARGETS):
        assert set(row) == {"key", "label", "unit", "goal", "value", "ratio"}
        assert row["label"] == target.label and row["unit"] == target.unit
        assert isinstance(row["goal"], str) and Decimal(row["goal"]) == target.goal  # exact decimals as strings
        assert isinstance(row["value"], str) and Decimal(row["value"]) == 0
        assert row["ratio"] == 0
        if target.unit == "count":
            assert row["value"] == "0"
    goals = {row["key"]: row["goal"] for row in body["targets"]}
    assert goals["transformation_projects"] == "2000"
    assert goals["contract_turnover_yuan"] == "200000000000"


def test_metrics_export_entrypoint_calls_and_plan_progress(api):
    api.get("/api/v1/progress")
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert any(line.startswith("ttp_entrypoint_calls_total{") and 'service="metrics"' in line
               and 'entrypoint="get_progress"' in line and 'outcome="ok"' in line for line in lines)
    assert 'ttp_plan_target_goal{target="transformation_projects",unit="count"} 2000.0' in lines
    assert 'ttp_plan_target_value{target="contract_turnover_yuan",unit="yuan"} 0.0' in lines


def test_openapi_document_describes_progress(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"]
    get = spec["paths"]["/api/v1/progress"]["get"]
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Progress"}
    progress = spec["components"]["schemas"]["Progress"]
    assert set(progress["required"]) == {"targets", "counters"}
    assert {"/health", "/metrics", "/api/v1/openapi.json"} <= set(spec["paths"])


def test_progress_takes_no_writes(api):
    response = api.post("/api/v1/progress", {"counters": {"service_institutions": 1000}}, token=api.token("admin"))
    assert response.status_code == 405
    assert api.get("/api/v1/progress").json()["counters"] == {}
