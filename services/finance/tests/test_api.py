"""The finance service's HTTP API against the real local servers: the transformation project lifecycle
(one service container for the module). What every service answers alike (health, metrics, OpenAPI,
401/415/404) is in tests/platform/test_contract.py."""
import datetime as dt

import pytest

from ttp_common import clock
from ttp_testing import assert_error, header, publish_event, read_topic, wait_for

pytestmark = pytest.mark.integration

PATH = "/api/v1/transformation-projects"
TOPIC = "ttp.finance.transformation_project"
APPROVED = "finance.transformation_project.approved.v1"


def project(**overrides):
    return {"title": "钒钛新材料成果转化", "category": "major", "programme": 3, "region_code": "510400",
            "organization_id": "org-panzhihua-1", "responsible_department": "省经济和信息化厅",
            "budget": "3500000.50", "achievement_ids": ["a-1"], **overrides}


@pytest.fixture(scope="module", autouse=True)
def registered_achievement(api):
    """The achievement the projects name ("a-1"), registered as the registry's event says: the replica must
    hold it before a proposal may name it (test_pool_api has what it refuses)."""
    publish_event(api, "registry.achievement.registered.v1", {
        "achievement_id": "a-1", "organization_id": "org-panzhihua-1", "region_code": "510400",
        "registration_number": "510202610001", "type": "applied", "registered_at": dt.datetime.now(dt.timezone.utc)},
        "a-1")
    wait_for(lambda: api.db.achievement_links.find_one({"_id": "a-1"}), message="the achievement event to arrive")


def owner(api, org="org-panzhihua-1"):
    return api.token("institution", sub="applicant", org=org)


def reviewer(api, region="510400"):
    return api.token("reviewer", sub=f"reviewer-{region}", region=region)


def propose(api, **overrides):
    response = api.post(PATH, project(**overrides), token=owner(api, overrides.get("organization_id",
                                                                                   "org-panzhihua-1")))
    assert response.status_code == 201, response.text
    return response.json()


def act(api, project_id, action, token, body=None):
    return api.post(f"{PATH}/{project_id}/{action}", body if body is not None else {}, token=token)


def events_of(api, subject, count):
    return [api.decode(r) for r in read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC,
                                              lambda r: header(r, "ce_subject") == subject, count=count)]


# -- its OpenAPI document (what every service's holds: tests/platform/test_contract.py) -----------

def test_openapi_document_describes_the_api(api):
    spec = api.get("/api/v1/openapi.json").json()
    programme = spec["components"]["schemas"]["TransformationProjectIn"]["properties"]["programme"]
    assert (programme["minimum"], programme["maximum"]) == (1, 15)
    assert {"/api/v1/financing-projects", "/api/v1/deals", "/api/v1/subsidies", "/api/v1/funds",
            "/api/v1/roadshows"} <= set(spec["paths"])


# -- proposing: who may, what is accepted -------------------------------------------------

@pytest.mark.parametrize("make_token", [
    pytest.param(lambda api: owner(api, org="org-other"), id="another-organization"),
    pytest.param(lambda api: reviewer(api), id="reviewer"),
])
def test_only_the_organization_proposes_its_project(api, make_token):
    before = api.counts("transformation_projects")
    assert_error(api.post(PATH, project(), token=make_token(api)), 403, "forbidden")
    assert api.counts("transformation_projects") == before


@pytest.mark.parametrize("change, path", [
    ({"programme": 0}, "programme"), ({"programme": 16}, "programme"), ({"category": "minor"}, "category"),
    ({"region_code": "500100"}, "region_code"), ({"title": "x"}, "title"), ({"status": "approved"}, "status"),
    ({"budget": "-100"}, "budget"), ({"budget": 1.005}, "budget"), ({"stage": "research"}, "stage"),
    ({"programme": True}, "programme"), ({"programme": False}, "programme"),
])
def test_invalid_bodies_are_400_with_the_field_path(api, change, path):
    before = api.counts("transformation_projects")
    body = assert_error(api.post(PATH, project(**change), token=owner(api)), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [path]
    assert api.counts("transformation_projects") == before


def test_a_where_operator_is_400(api):
    before = api.counts("transformation_projects")
    body = assert_error(api.post(PATH, project(title={"$where": "true"}), token=owner(api)),
                        400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["title.$where"]
    assert api.counts("transformation_projects") == before


# -- the lifecycle ---------------------------------------------------------------------

def test_the_full_lifecycle_publishes_one_attributed_event_per_step(api):
    before = api.counts("transformation_projects")
    created = propose(api)
    project_id = created["id"]
    assert created["status"] == "proposed" and created["budget"] == "3500000.50" and created["stage"] == "pilot"
    assert api.counts("transformation_projects") == (before[0] + 1, before[1] + 1)
    assert api.get(f"{PATH}/{project_id}").status_code == 404  # proposals are not public

    approved = act(api, project_id, "approve", reviewer(api))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved" and approved.json()["approved_at"].endswith("Z")
    assert api.get(f"{PATH}/{project_id}").json() == approved.json()  # now public, same as the response
    assert act(api, project_id, "start", owner(api)).json()["status"] == "in_progress"
    advanced = act(api, project_id, "advance", owner(api), {"stage": "industrialisation"})
    assert advanced.json()["stage"] == "industrialisation"
    done = act(api, project_id, "complete", reviewer(api), {"summary": "通过验收"})
    assert done.json()["status"] == "completed" and done.json()["completion_summary"] == "通过验收"

    names = [name for name, _ in events_of(api, project_id, 5)]
    assert names == [f"finance.transformation_project.{e}.v1"
                     for e in ("proposed", "approved", "started", "stage_advanced", "completed")]
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC,
                          lambda r: header(r, "ce_subject") == project_id and header(r, "ce_type").endswith(APPROVED))
    assert header(record, "ce_actor") == "reviewer-510400" and header(record, "ce_actorregion") == "510400"
    name, data = api.decode(record)
    assert name == APPROVED
    assert {k: str(v) if k == "budget" else v for k, v in data.items()
            if k not in ("approved_at", "effective_date")} == {"project_id": project_id, **project(), "imported": False}
    assert data["approved_at"].year >= 2026
    assert data["effective_date"] == clock.china_date(data["approved_at"])  # the approval date, in China
    # the deprecated event is no longer published
    assert read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.finance.project", timeout=1) == []


def test_approval_happens_once_and_wrong_transitions_are_409(api):
    project_id = propose(api)["id"]
    assert_error(act(api, project_id, "start", owner(api)), 409, "conflict")  # not approved yet
    assert act(api, project_id, "approve", reviewer(api)).status_code == 200
    before = api.counts("transformation_projects")
    assert_error(act(api, project_id, "approve", reviewer(api)), 409, "conflict")
    assert_error(act(api, project_id, "complete", reviewer(api)), 409, "conflict")
    assert api.counts("transformation_projects") == before
    assert api.db.outbox.count_documents({"key": project_id.encode(), "type": {"$regex": "approved"}}) == 1


def test_stages_only_move_forward(api):
    project_id = propose(api, stage="scale_up")["id"]
    act(api, project_id, "approve", reviewer(api))
    act(api, project_id, "start", owner(api))
    before = api.counts("transformation_projects")
    assert_error(act(api, project_id, "advance", owner(api), {"stage": "pilot"}), 409, "conflict")
    body = assert_error(act(api, project_id, "advance", owner(api), {"stage": "moon"}), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["stage"]
    assert api.counts("transformation_projects") == before


@pytest.mark.parametrize("action, make_token", [
    ("approve", lambda api: owner(api)), ("approve", lambda api: reviewer(api, region="510100")),
    ("start", lambda api: reviewer(api)),
])
def test_the_wrong_role_or_region_is_403(api, action, make_token):
    project_id = propose(api)["id"]
    if action == "start":
        act(api, project_id, "approve", reviewer(api))
    before = api.counts("transformation_projects")
    assert_error(act(api, project_id, action, make_token(api)), 403, "forbidden")
    assert api.counts("transformation_projects") == before


def test_termination_needs_a_reason_and_is_published(api):
    project_id = propose(api)["id"]
    body = assert_error(act(api, project_id, "terminate", reviewer(api)), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["reason"]
    response = act(api, project_id, "terminate", reviewer(api), {"reason": "不符合专项支持方向"})
    assert response.json()["status"] == "terminated"
    name, data = events_of(api, project_id, 2)[-1]
    assert name == "finance.transformation_project.terminated.v1"
    assert (data["from_status"], data["reason"]) == ("proposed", "不符合专项支持方向")


def test_unknown_project_or_action_is_404(api):
    assert_error(act(api, "nope", "approve", reviewer(api)), 404, "not_found")
    assert_error(act(api, propose(api)["id"], "fly", reviewer(api)), 404, "not_found")


def test_listing_shows_public_projects_by_programme(api):
    approved_id = propose(api, programme=11, category="promoted")["id"]
    act(api, approved_id, "approve", reviewer(api))
    hidden_id = propose(api, programme=11)["id"]
    items = api.get(f"{PATH}?programme=11").json()["items"]
    assert [i["id"] for i in items] == [approved_id]
    mine = api.get(f"{PATH}?programme=11&mine=true", token=owner(api)).json()["items"]
    assert {i["id"] for i in mine} == {approved_id, hidden_id}
    assert_error(api.get(f"{PATH}?status=proposed"), 400, "validation_failed")


@pytest.mark.parametrize("query, field", [("programme=99", "programme"), ("programme=0", "programme"),
                                          ("category=huge", "category")])
def test_a_filter_outside_its_documented_values_is_400(api, query, field):
    body = assert_error(api.get(f"{PATH}?{query}"), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [field]


def test_reviewers_list_their_scope_including_proposals(api):
    proposed_id = propose(api, programme=13, region_code="510400")["id"]
    other_id = propose(api, programme=13, region_code="510100")["id"]
    city = api.get(f"{PATH}?programme=13", token=reviewer(api)).json()["items"]
    assert [i["id"] for i in city] == [proposed_id]
    province = api.get(f"{PATH}?programme=13", token=reviewer(api, region="510000")).json()["items"]
    assert {i["id"] for i in province} == {proposed_id, other_id}
    assert_error(api.get(f"{PATH}?programme=13&region=510100", token=reviewer(api)), 403, "forbidden")


def test_a_district_reviewer_does_not_list_its_city_proposals(api):
    """As region_covers: a district's reviewer (510402) covers the district only, not its city's (510400)
    projects (a four-digit prefix filter listed them)."""
    proposed_id = propose(api, programme=14, region_code="510400")["id"]
    assert api.get(f"{PATH}?programme=14", token=reviewer(api, "510402")).json()["items"] == []
    assert [i["id"] for i in api.get(f"{PATH}?programme=14", token=reviewer(api)).json()["items"]] == [proposed_id]
