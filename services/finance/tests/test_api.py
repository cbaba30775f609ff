"""The finance service's HTTP API against the real local servers (one service container for the module)."""
import pytest

from ttp_common.testing import assert_error, header

pytestmark = pytest.mark.integration

PATH = "/api/v1/transformation-projects"
TOPIC = "ttp.finance.project"
EVENT = "finance.project.approved.v1"
EVENT_TYPE = f"cn.gov.sc.ttp.{EVENT}"


def project(**overrides):
    return {"title": "钒钛新材料成果转化", "category": "major", "programme": 3, "region_code": "510400",
            "organization_id": "org-panzhihua-1", "responsible_department": "省经济和信息化厅", **overrides}


# -- platform endpoints ------------------------------------------------------------------

def test_health_reports_every_dependency_ok(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"service": "finance", "status": "ok",
                               "checks": {"mongodb": "ok", "kafka": "ok", "amqp": "ok"}}


def test_metrics_are_prometheus_text_counting_entrypoint_calls(api):
    api.get("/api/v1/openapi.json")
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert any(line.startswith("ttp_entrypoint_calls_total{") and 'service="finance"' in line
               and 'entrypoint="openapi"' in line for line in response.text.splitlines())


def test_openapi_document_describes_the_write_endpoint(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"]
    post = spec["paths"][PATH]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ApprovedProjectIn"}
    assert {"201", "400", "401", "403", "415"} <= set(post["responses"])
    programme = spec["components"]["schemas"]["ApprovedProjectIn"]["properties"]["programme"]
    assert (programme["minimum"], programme["maximum"]) == (1, 15)
    assert {"/health", "/metrics", "/api/v1/openapi.json"} <= set(spec["paths"])


# -- writing: who may ------------------------------------------------------------------

def test_no_token_is_401(api):
    before = api.counts("transformation_projects")
    assert_error(api.post(PATH, project()), 401, "unauthenticated")
    assert api.counts("transformation_projects") == before


@pytest.mark.parametrize("make_token", [
    pytest.param(lambda api: api.token("admin", secret="another-secret-of-at-least-32-bytes!!"), id="forged"),
    pytest.param(lambda api: api.token("admin", ttl_seconds=-120), id="expired"),
])
def test_untrustworthy_tokens_are_401(api, make_token):
    before = api.counts("transformation_projects")
    assert_error(api.post(PATH, project(), token=make_token(api)), 401, "unauthenticated")
    assert api.counts("transformation_projects") == before


def test_an_institution_cannot_approve_its_own_project(api):
    before = api.counts("transformation_projects")
    token = api.token("institution", org="org-panzhihua-1")
    assert_error(api.post(PATH, project(), token=token), 403, "forbidden")
    assert api.counts("transformation_projects") == before


def test_a_reviewer_of_another_city_is_403(api):
    before = api.counts("transformation_projects")
    token = api.token("reviewer", region="510100")
    assert_error(api.post(PATH, project(region_code="510400"), token=token), 403, "forbidden")
    assert api.counts("transformation_projects") == before


# -- writing: what is accepted --------------------------------------------------------

@pytest.mark.parametrize("change, path", [
    ({"programme": 0}, "programme"),
    ({"programme": 16}, "programme"),
    ({"category": "minor"}, "category"),
    ({"region_code": "500100"}, "region_code"),
    ({"title": "x"}, "title"),
    ({"status": "approved"}, "status"),
])
def test_invalid_bodies_are_400_with_the_field_path(api, change, path):
    before = api.counts("transformation_projects")
    body = assert_error(api.post(PATH, project(**change), token=api.token("admin")), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [path]
    assert api.counts("transformation_projects") == before


def test_a_where_operator_is_400(api):
    before = api.counts("transformation_projects")
    body = assert_error(api.post(PATH, project(title={"$where": "true"}), token=api.token("admin")),
                        400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["title.$where"]
    assert api.counts("transformation_projects") == before


def test_a_non_json_content_type_is_415(api):
    before = api.counts("transformation_projects")
    response = api.post(PATH, data="title=x", token=api.token("admin"), headers={"Content-Type": "text/plain"})
    assert_error(response, 415, "unsupported_media_type")
    assert api.counts("transformation_projects") == before


def test_approving_stores_the_project_and_publishes_an_attributed_event(api):
    before = api.counts("transformation_projects")
    token = api.token("reviewer", sub="reviewer-panzhihua", region="510400")

    response = api.post(PATH, project(), token=token)

    assert response.status_code == 201, response.text
    created = response.json()
    project_id = created["id"]
    assert set(created) == {"id", "title", "category", "programme", "region_code", "organization_id",
                            "responsible_department", "status", "approved_at"}
    assert {k: created[k] for k in project()} == project()
    assert created["status"] == "approved" and created["approved_at"].endswith("Z")
    assert api.counts("transformation_projects") == (before[0] + 1, before[1] + 1)

    stored = api.db.transformation_projects.find_one({"_id": project_id})
    assert stored["approved_by"] == "reviewer-panzhihua" and stored["programme"] == 3
    [row] = list(api.db.outbox.find({"key": project_id.encode()}))
    assert row["type"] == EVENT_TYPE

    record = api.event(TOPIC, project_id)
    assert header(record, "ce_type") == EVENT_TYPE
    assert header(record, "ce_actor") == "reviewer-panzhihua"
    assert header(record, "ce_subject") == project_id
    assert api.decode(record) == (EVENT, {"project_id": project_id, **project()})
