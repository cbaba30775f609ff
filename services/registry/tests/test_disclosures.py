"""Duty-achievement disclosure (职务科技成果披露) over HTTP against the real local servers, with its events read from
Kafka: a researcher discloses, another person of the institution decides and records why, a kept disclosure becomes
an achievement draft without retyping, an undecided one past its due date is flagged once; another organization
neither sees nor acts on it."""
import datetime as dt

import pytest

from ttp_common import clock
from ttp_testing import assert_error, header, read_topic, service_api_fixture

pytestmark = pytest.mark.integration

PATH = "/api/v1/disclosures"
TOPIC = "ttp.registry.disclosure"
ORG = "org-disclosing-university"
TITLE, INVENTOR = "钢轨波磨车载在线检测方法", "李披露"

registry_15_days = service_api_fixture("registry", DISCLOSURE_DECISION_DAYS="15")


def body(**overrides):
    return {"basis": "institution_resources", "remarks": "使用本校轨道交通实验室设备完成", "achievement": {
        "title": TITLE, "type": "applied", "summary": "基于车载振动信号的钢轨波磨在线检测方法与装置。",
        "keywords": ["钢轨波磨", "在线检测"], "industry": "轨道交通装备", "trl": 5, "region_code": "510100",
        "organization_ids": [ORG], "contributors": [{"name": INVENTOR, "share": "70"}, {"name": "周八", "share": "30"}],
        "funding": {"fiscal": False},
        "patents": [{"number": "CN202610000123.4", "kind": "invention", "status": "applied"}], **overrides}}


def researcher(api):
    return api.token("institution", sub="researcher-li", org=ORG)


def clerk(api):
    return api.token("institution", sub="tto-clerk", org=ORG)  # the institution's transfer office


def disclose(api, **overrides):
    response = api.post(PATH, body(**overrides), token=researcher(api))
    assert response.status_code == 201, response.text
    return response.json()


def events(api, disclosure_id, expected):
    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC,
                         lambda r: header(r, "ce_subject") == disclosure_id, count=expected)
    return [header(r, "ce_type").rsplit(".", 2)[-2] for r in records], records


def test_disclose_decide_and_draft_each_with_an_event_and_the_draft_needs_no_retyping(api):
    disclosure = disclose(api)
    assert disclosure["status"] == "disclosed" and disclosure["disclosed_by"] == "researcher-li"
    assert disclosure["due_date"] == (clock.china_date() + dt.timedelta(days=60)).isoformat()  # the configured 60
    one = f"{PATH}/{disclosure['id']}"
    assert api.get(one, token=clerk(api)).json()["achievement"]["title"] == TITLE

    assert_error(api.post(f"{one}/achievement", {}, token=clerk(api)), 409, "conflict")  # not decided yet
    assert_error(api.post(f"{one}/decision", {"decision": "transfer", "reasons": "自己定"}, token=researcher(api)),
                 403, "forbidden")  # the discloser does not decide
    decided = api.post(f"{one}/decision", {"decision": "licence", "reasons": "许可省内轨道交通企业实施"}, token=clerk(api))
    assert decided.status_code == 200, decided.text
    assert decided.json()["decision"] == "licence" and decided.json()["decided_late"] is False
    assert_error(api.post(f"{one}/decision", {"decision": "transfer", "reasons": "改主意"}, token=clerk(api)),
                 409, "conflict")

    drafted = api.post(f"{one}/achievement", {}, token=clerk(api))
    assert drafted.status_code == 201, drafted.text
    achievement = drafted.json()
    assert drafted.headers["Location"] == f"/api/v1/achievements/{achievement['id']}"
    assert achievement["status"] == "draft" and achievement["title"] == TITLE
    assert [c["name"] for c in achievement["contributors"]] == [INVENTOR, "周八"]
    assert achievement["patents"][0]["number"] == "CN202610000123.4"
    assert api.post(f"/api/v1/achievements/{achievement['id']}/submit", {}, token=clerk(api)).status_code == 200
    assert_error(api.post(f"{one}/achievement", {}, token=clerk(api)), 409, "conflict")  # once
    assert api.get(one, token=clerk(api)).json()["achievement_id"] == achievement["id"]

    kinds, records = events(api, disclosure["id"], 3)
    assert kinds == ["disclosed", "decided", "drafted"]
    assert [header(r, "ce_actor") for r in records] == ["researcher-li", "tto-clerk", "tto-clerk"]
    disclosed, decided_event, drafted_event = (api.decode(r)[1] for r in records)
    assert disclosed["basis"] == "institution_resources" and disclosed["inventors"] == 2
    assert decided_event["decision"] == "licence" and decided_event["late"] is False
    assert drafted_event["achievement_id"] == achievement["id"]
    for record in records:  # an undecided invention's content stays inside the institution
        raw = record.value + b"".join(value or b"" for _, value in record.headers)
        assert not [w for w in (TITLE, INVENTOR, "钢轨波磨", "许可省内") if w.encode() in raw], header(record, "ce_type")


def test_another_organization_neither_sees_nor_acts_on_a_disclosure(api):
    disclosure = disclose(api)
    one = f"{PATH}/{disclosure['id']}"
    stranger = api.token("institution", sub="other-clerk", org="org-other")
    before = api.counts("disclosures"), api.counts("achievements")
    assert_error(api.get(one, token=stranger), 404, "not_found")
    assert_error(api.get(one, token=api.token("reviewer", region="510100")), 403, "forbidden")
    assert_error(api.get(one), 401, "unauthenticated")
    assert_error(api.post(f"{one}/decision", {"decision": "transfer", "reasons": "抢先决定"}, token=stranger),
                 403, "forbidden")
    assert_error(api.post(f"{one}/achievement", {}, token=stranger), 403, "forbidden")
    assert_error(api.get(f"/api/v1/organizations/{ORG}/disclosures", token=stranger), 403, "forbidden")
    assert_error(api.post(PATH, body(organization_ids=["org-other"]), token=researcher(api)), 403, "forbidden")
    assert (api.counts("disclosures"), api.counts("achievements")) == before
    assert api.get(one, token=clerk(api)).json()["status"] == "disclosed"
    assert_error(api.get(f"{PATH}/no-such-disclosure", token=clerk(api)), 404, "not_found")


def test_an_undecided_disclosure_past_its_due_date_is_flagged_once_and_a_late_decision_says_so(api):
    late, in_time = disclose(api)["id"], disclose(api)["id"]
    # sixty-one days pass for the first one: it was disclosed earlier, with its period fixed then
    past = clock.china_date() - dt.timedelta(days=1)
    api.db.disclosures.update_one({"_id": late}, {"$set": {"due_date": past.isoformat()}})
    admin = api.token("admin")
    flagged = api.post(f"{PATH}/overdue-check", {}, token=admin).json()["flagged"]
    assert late in flagged and in_time not in flagged
    assert late not in api.post(f"{PATH}/overdue-check", {}, token=admin).json()["flagged"]
    listed = api.get(f"/api/v1/organizations/{ORG}/disclosures", params={"overdue": "true"}, token=clerk(api)).json()
    assert late in [d["id"] for d in listed["items"]] and in_time not in [d["id"] for d in listed["items"]]

    decided = api.post(f"{PATH}/{late}/decision", {"decision": "left_to_inventors", "reasons": "学校不实施，由完成人实施"},
                       token=clerk(api))
    assert decided.json()["decided_late"] is True
    assert_error(api.post(f"{PATH}/{late}/achievement", {}, token=clerk(api)), 409, "conflict")  # not the institution's

    kinds, records = events(api, late, 3)
    assert kinds == ["disclosed", "overdue", "decided"]
    assert header(records[1], "ce_actor") == "service:registry"
    assert api.decode(records[1])[1]["due_date"] == past and api.decode(records[2])[1]["late"] is True


def test_the_decision_period_is_the_services_setting_fixed_on_each_disclosure(registry_15_days):
    response = registry_15_days.post(PATH, body(), token=researcher(registry_15_days))
    assert response.status_code == 201, response.text
    assert response.json()["due_date"] == (clock.china_date() + dt.timedelta(days=15)).isoformat()


@pytest.mark.parametrize("change, path", [
    ({"basis": "hobby"}, "basis"),
    ({"achievement": {}}, "achievement.title"),
    ({"remarks": "长" * 2001}, "remarks"),
])
def test_bad_input_names_the_field_and_stores_nothing(api, change, path):
    before = api.counts("disclosures")
    response = api.post(PATH, {**body(), **change}, token=researcher(api))
    fields = assert_error(response, 400, "validation_failed")["fields"]
    assert path in [f["path"] for f in fields]
    assert api.counts("disclosures") == before


def test_a_classified_achievement_is_a_422_and_stores_nothing(api):
    before = api.counts("disclosures")
    response = api.post(PATH, body(secrecy="confidential"), token=researcher(api))
    assert assert_error(response, 422, "classified")["fields"][0]["path"] == "secrecy"
    assert api.counts("disclosures") == before


def test_a_client_system_reads_disclosures_only_with_the_disclosures_scope(api):
    """A research office's system acting for the institution: reading its organization or achievements does not
    open its disclosures (unpublished inventions); ``registry:disclosures:read`` does."""
    disclosure_id = disclose(api)["id"]

    def acting(scope):
        return api.token("client", "svc-research-office", scope=scope, audience="registry", acts_as="institution",
                         client_id="svc-research-office", org=ORG)

    listing = f"/api/v1/organizations/{ORG}/disclosures"
    for scope in ("registry:organizations:read", "registry:achievements:read"):
        assert_error(api.get(listing, token=acting(scope)), 403, "forbidden")
        assert_error(api.get(f"{PATH}/{disclosure_id}", token=acting(scope)), 403, "forbidden")
    allowed = acting("registry:disclosures:read")
    assert disclosure_id in [d["id"] for d in api.get(listing, params={"limit": 100}, token=allowed).json()["items"]]
    assert api.get(f"{PATH}/{disclosure_id}", token=allowed).status_code == 200
