"""The talent service's HTTP API against the real local servers (one service container for the module)."""
import pytest

from ttp_common.testing import assert_error, header

pytestmark = pytest.mark.integration

PATH = "/api/v1/people"
TOPIC = "ttp.talent.person"
EVENT = "talent.person.registered.v1"
EVENT_TYPE = f"cn.gov.sc.ttp.{EVENT}"
ORG = "org-scu"


def person(**overrides):
    return {"name": "陈技术经纪人", "kinds": ["broker", "expert"], "organization_id": ORG, **overrides}


# -- platform endpoints ------------------------------------------------------------------

def test_health_reports_every_dependency_ok(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"service": "talent", "status": "ok",
                               "checks": {"mongodb": "ok", "kafka": "ok", "amqp": "ok"}}


def test_metrics_are_prometheus_text_counting_entrypoint_calls(api):
    api.get("/health")
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert any(line.startswith("ttp_entrypoint_calls_total{") and 'service="talent"' in line
               and 'entrypoint="health"' in line for line in response.text.splitlines())


def test_openapi_document_describes_the_write_endpoint(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"]
    post = spec["paths"][PATH]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PersonIn"}
    assert {"201", "400", "401", "403", "415"} <= set(post["responses"])
    assert set(spec["components"]["schemas"]["PersonIn"]["required"]) == {"name", "kinds"}
    assert {"/health", "/metrics", "/api/v1/openapi.json"} <= set(spec["paths"])


# -- writing: who may ------------------------------------------------------------------

def test_no_token_is_401(api):
    before = api.counts("people")
    assert_error(api.post(PATH, person()), 401, "unauthenticated")
    assert api.counts("people") == before


@pytest.mark.parametrize("make_token", [
    pytest.param(lambda api: api.token("institution", org=ORG, secret="another-secret-of-at-least-32-bytes!!"),
                 id="forged"),
    pytest.param(lambda api: api.token("institution", org=ORG, ttl_seconds=-120), id="expired"),
])
def test_untrustworthy_tokens_are_401(api, make_token):
    before = api.counts("people")
    assert_error(api.post(PATH, person(), token=make_token(api)), 401, "unauthenticated")
    assert api.counts("people") == before


@pytest.mark.parametrize("role", ["reviewer", "public"])
def test_reviewers_and_the_public_are_403(api, role):
    before = api.counts("people")
    assert_error(api.post(PATH, person(), token=api.token(role, region="510100")), 403, "forbidden")
    assert api.counts("people") == before


@pytest.mark.parametrize("organization_id", ["org-other", None])
def test_an_institution_registers_only_its_own_people(api, organization_id):
    before = api.counts("people")
    token = api.token("institution", org=ORG)
    assert_error(api.post(PATH, person(organization_id=organization_id), token=token), 403, "forbidden")
    assert api.counts("people") == before


# -- writing: what is accepted --------------------------------------------------------

@pytest.mark.parametrize("change, path", [
    ({"kinds": []}, "kinds"),
    ({"kinds": ["broker", "astronaut"]}, "kinds.1"),
    ({"name": ""}, "name"),
    ({"public_profile": "maybe"}, "public_profile"),
    ({"phone": "13800000000"}, "phone"),
])
def test_invalid_bodies_are_400_with_the_field_path(api, change, path):
    before = api.counts("people")
    token = api.token("institution", org=ORG)
    body = assert_error(api.post(PATH, person(**change), token=token), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [path]
    assert api.counts("people") == before


def test_a_where_operator_is_400(api):
    before = api.counts("people")
    token = api.token("institution", org=ORG)
    body = assert_error(api.post(PATH, person(**{"$where": "this.name"}), token=token), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["$where"]
    assert api.counts("people") == before


def test_a_non_json_content_type_is_415(api):
    before = api.counts("people")
    token = api.token("institution", org=ORG)
    response = api.post(PATH, files={"name": ("n.txt", b"x")}, token=token)  # multipart/form-data
    assert_error(response, 415, "unsupported_media_type")
    assert api.counts("people") == before


def test_an_institution_registers_its_own_person_and_the_event_carries_no_name(api):
    before = api.counts("people")
    token = api.token("institution", sub="hr-scu", org=ORG)

    response = api.post(PATH, person(), token=token)

    assert response.status_code == 201, response.text
    created = response.json()
    person_id = created["id"]
    assert created == {"id": person_id, "kinds": ["broker", "expert"], "organization_id": ORG}
    assert api.counts("people") == (before[0] + 1, before[1] + 1)

    stored = api.db.people.find_one({"_id": person_id})
    assert stored["name"] == "陈技术经纪人" and stored["created_by"] == "hr-scu"
    [row] = list(api.db.outbox.find({"key": person_id.encode()}))
    assert row["type"] == EVENT_TYPE

    record = api.event(TOPIC, person_id)
    assert header(record, "ce_type") == EVENT_TYPE
    assert header(record, "ce_actor") == "hr-scu"
    assert header(record, "ce_actororg") == ORG
    assert header(record, "ce_subject") == person_id
    assert api.decode(record) == (EVENT, {"person_id": person_id, "kinds": ["broker", "expert"],
                                          "organization_id": ORG})
    assert "陈技术经纪人".encode() not in record.value  # personal data stays out of the event stream


def test_an_admin_registers_an_independent_person(api):
    response = api.post(PATH, {"name": "独立专家", "kinds": ["expert"]}, token=api.token("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["organization_id"] is None
