"""Demonstration designations against the real local servers, with the talent service's expert pool over RPC
(talent as a real ``nameko run`` process, both on a RabbitMQ virtual host of their own so no other test's talent
answers; two services in one test process would share one mongoengine connection): a provincial reviewer opens
a call, an enterprise applies, a reviewer of its city checks it and draws the panel (never an expert of the
enterprise itself), records the sheets, the province designates and a later assessment revokes; every step an
event on Kafka with its actor; who may do what; talent away is a 503 that changes nothing."""
import datetime as dt

import pytest

from ttp_testing import assert_error, header, read_topic
from ttp_testing.services import ServiceApi, nameko_run, running_service

from ._registry import events_of, new_id, organization

pytestmark = pytest.mark.integration

CALLS, APPLICATIONS = "/api/v1/designation-calls", "/api/v1/designation-applications"


@pytest.fixture
def services(rabbit_config, tmp_path):
    """(innovation, talent), on one virtual host of their own."""
    amqp = rabbit_config["AMQP_URI"]
    with nameko_run(["talent"], tmp_path, env={"AMQP_URI": amqp, "LOG_LEVEL": "WARNING"}) as platform, \
            running_service("innovation", AMQP_URI=amqp) as innovation:
        yield innovation, ServiceApi(platform.urls["talent"], {"KAFKA_TOPIC_PREFIX": platform.prefix}, None,
                                     name="talent")


@pytest.fixture
def innovation_alone(rabbit_config):
    with running_service("innovation", AMQP_URI=rabbit_config["AMQP_URI"]) as innovation:
        yield innovation


def expert(talent, org, field):
    response = talent.post("/api/v1/people", {"name": "评审专家", "kinds": ["expert"], "organization_id": org,
                                              "fields": [field], "title": "研究员"}, token=talent.admin())
    assert response.status_code == 201, response.text
    return response.json()["id"]


def open_call(api, field, **overrides):
    closes = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    body = {"kind": "demonstration_enterprise", "year": 2025, "title": "2025年度四川省科技成果转移转化示范企业申报",
            "panel_size": 3, "expert_field": field, "closes_on": closes, **overrides}
    response = api.post(CALLS, body, token=api.reviewer("510000", sub="reviewer-province"))
    assert response.status_code == 201, response.text
    return response.json()


def apply(api, call, org, **overrides):
    body = {"organization_id": org, "statements": {c["code"]: "近三年情况说明及佐证材料" for c in call["criteria"]},
            **overrides}
    return api.post(f"{CALLS}/{call['id']}/applications", body, token=api.institution(org))


def eligible(api, call, org):
    response = apply(api, call, org)
    assert response.status_code == 201, response.text
    application = response.json()
    checked = api.post(f"{APPLICATIONS}/{application['id']}/eligibility", token=api.reviewer("510100"))
    assert checked.status_code == 200 and checked.json()["status"] == "eligible", checked.text
    return application


def test_call_to_designation_and_revocation_each_step_an_event_never_an_expert_of_the_applicant(services):
    api, talent = services
    field = new_id("新材料")
    enterprise = organization(api, "enterprise", "510100")
    own = {expert(talent, enterprise, field) for _ in range(4)}
    others = [expert(talent, new_id("org"), field) for _ in range(2)]
    call = open_call(api, field)
    assert [c["weight"] for c in call["criteria"]] == [20] * 5 and api.get(f"{CALLS}/{call['id']}").json() == call
    application = eligible(api, call, enterprise)
    panel_path = f"{APPLICATIONS}/{application['id']}/panel"

    # six experts of the field, four of them the enterprise's own: a panel of three cannot be drawn
    body = assert_error(api.post(panel_path, token=api.reviewer("510100")), 409, "conflict")
    assert body["fields"][0]["path"] == "panel_size"
    assert api.get(f"{APPLICATIONS}/{application['id']}", token=api.institution(enterprise)).json()["status"] == \
        "eligible"
    others.append(expert(talent, None, field))
    drawn = api.post(panel_path, token=api.reviewer("510100"))
    assert drawn.status_code == 200, drawn.text
    panel = drawn.json()["panel"]
    assert sorted(panel) == sorted(others) and not own & set(panel)

    for person, score in zip(panel, (72, 85, 90)):
        sheet = api.post(f"{APPLICATIONS}/{application['id']}/scores",
                         {"person_id": person, "scores": {c["code"]: score for c in call["criteria"]},
                          "remarks": "成果转化体系健全"}, token=api.reviewer("510100"))
        assert sheet.status_code == 200, sheet.text
    assert sheet.json()["status"] == "scored" and sheet.json()["score"] == "82.33"
    assert_error(api.post(f"{APPLICATIONS}/{application['id']}/decision", token=api.reviewer("510100")),
                 403, "forbidden")  # a city's reviewer does not designate
    decided = api.post(f"{APPLICATIONS}/{application['id']}/decision",
                       token=api.reviewer("510000", sub="reviewer-province"))
    assert decided.status_code == 200, decided.text
    designation = decided.json()["designation"]
    assert decided.json()["status"] == "designated" and designation["region_code"] == "510100"
    counts = api.get("/api/v1/designation-counts").json()["groups"]
    assert {"kind": "demonstration_enterprise", "region_code": "510100", "designations": 1} in counts
    assert [d["id"] for d in api.get("/api/v1/designations?kind=demonstration_enterprise&region=510100")
            .json()["items"]] == [designation["id"]]
    # a second application to the same call is refused; the enterprise holds one designation in force
    assert_error(apply(api, call, enterprise), 409, "conflict")

    assessed = api.post(f"/api/v1/designations/{designation['id']}/assessments",
                        {"year": 2026, "score": 48, "remarks": "成果转化投入未达承诺"},
                        token=api.reviewer("510000", sub="reviewer-province"))
    assert assessed.status_code == 201, assessed.text
    assert assessed.json()["status"] == "revoked"
    assert api.get(f"/api/v1/designations/{designation['id']}").json()["status"] == "revoked"
    assert not [g for g in api.get("/api/v1/designation-counts").json()["groups"]
                if g["kind"] == "demonstration_enterprise" and g["region_code"] == "510100"]

    [(name, data)] = events_of(api, "designation_call", call["id"], 1)
    assert name == "innovation.designation_call.opened.v1" and data["criteria"][0]["code"] == "creation_capacity"
    steps = events_of(api, "designation_application", application["id"], 7)
    assert [n for n, _ in steps] == [f"innovation.designation_application.{s}.v1" for s in (
        "submitted", "eligibility_checked", "panel_drawn", "scored", "scored", "scored", "decided")]
    assert steps[2][1]["person_ids"] == panel and steps[2][1]["excluded_organization_ids"] == [enterprise]
    assert str(steps[6][1]["score"]) == "82.33" and steps[6][1]["outcome"] == "designated"
    lifecycle = events_of(api, "designation", designation["id"], 2)
    assert [n for n, _ in lifecycle] == ["innovation.designation.granted.v1", "innovation.designation.assessed.v1"]
    assert lifecycle[1][1]["outcome"] == "revoked" and lifecycle[1][1]["prefecture_code"] == "510100"
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.innovation.designation_application",
                          lambda r: header(r, "ce_subject") == application["id"]
                          and header(r, "ce_type").endswith("decided.v1"))
    assert header(record, "ce_actor") == "reviewer-province" and header(record, "ce_actorregion") == "510000"


def test_bad_input_and_the_wrong_caller_are_refused_and_talent_away_is_503(innovation_alone):
    api = innovation_alone
    enterprise, university = organization(api, "enterprise", "510100"), organization(api, "university", "510100")
    assert_error(api.post(CALLS, {"kind": "demonstration_zone", "year": 2026, "title": "2026年度示范区申报",
                                  "expert_field": "区域发展", "closes_on": "2026-12-31"},
                          token=api.reviewer("510100")), 403, "forbidden")  # a city's reviewer opens no call
    body = assert_error(api.post(CALLS, {"kind": "demonstration_enterprise", "year": 2026, "title": "示范企业申报",
                                         "expert_field": "新材料", "closes_on": "2026-12-31",
                                         "criteria": [{"code": "growth", "name": "企业成长性", "weight": 90}]},
                                 token=api.reviewer("510000")), 400, "validation_failed")
    assert body["fields"][0]["path"] == "criteria"
    call = open_call(api, "新材料")
    zone_call = open_call(api, "区域发展", kind="demonstration_zone")
    before = api.counts("designation_applications")
    assert assert_error(apply(api, call, enterprise, statements={"charity": "公益捐赠"}), 400,
                        "validation_failed")["fields"][0]["path"] == "statements.charity"
    assert assert_error(apply(api, zone_call, enterprise, county_code="510700"), 400,
                        "validation_failed")["fields"][0]["path"] == "county_code"  # a prefecture, not a county
    assert_error(api.post(f"{CALLS}/{call['id']}/applications", {"organization_id": enterprise, "statements": {}},
                          token=api.institution(university)), 403, "forbidden")  # in another organization's name
    assert api.counts("designation_applications") == before

    # a university is no demonstration enterprise: recorded as ineligible, with the reason
    response = apply(api, call, university)
    assert response.status_code == 201, response.text
    assert_error(api.post(f"{APPLICATIONS}/{response.json()['id']}/eligibility", token=api.reviewer("510700")),
                 403, "forbidden")  # another city's reviewer
    checked = api.post(f"{APPLICATIONS}/{response.json()['id']}/eligibility", token=api.reviewer("510100"))
    assert checked.json()["status"] == "ineligible"
    assert "university" in checked.json()["eligibility_reasons"][0]["reason"]
    assert_error(api.get(f"{APPLICATIONS}/{response.json()['id']}", token=api.institution(enterprise)), 404,
                 "not_found")

    # no talent service on this virtual host: 503, and the application stays eligible with no panel event
    application = eligible(api, call, enterprise)

    # the queue: the city's reviewer sees both applications, another city's none, an organization its own
    def listed(token, **params):
        response = api.get(f"{CALLS}/{call['id']}/applications", token=token, params=params)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["items"]]
    ineligible = response.json()["id"]
    assert listed(api.reviewer("510100")) == [application["id"], ineligible]
    assert listed(api.reviewer("510100"), status="ineligible") == [ineligible]
    assert listed(api.reviewer("510700")) == [] and listed(api.institution(enterprise)) == [application["id"]]
    assert_error(api.get(f"{CALLS}/{call['id']}/applications", token=api.reviewer("510700"),
                         params={"region": "510100"}), 403, "forbidden")
    assert_error(api.post(f"{APPLICATIONS}/{application['id']}/panel", token=api.reviewer("510100")), 503,
                 "unavailable")
    assert api.get(f"{APPLICATIONS}/{application['id']}", token=api.reviewer("510100")).json()["status"] == "eligible"
    assert [n for n, _ in events_of(api, "designation_application", application["id"], 2)] == [
        "innovation.designation_application.submitted.v1", "innovation.designation_application.eligibility_checked.v1"]
