"""Accreditation of service institutions (认定) and its revocation, against the real local servers."""
import itertools

import pytest

from ttp_common.reference import uscc_check_character
from ttp_testing import header, read_topic

pytestmark = pytest.mark.integration

TOPIC = "ttp.registry.organization"
_serial = itertools.count(1)


def register(api, kind="service_institution", region="510700"):
    first17 = f"91{region}MA{next(_serial):07d}"[:17]
    body = {"name": "绵阳技术转移服务中心", "credit_code": first17 + uscc_check_character(first17),
            "kind": kind, "region_code": region}
    response = api.post("/api/v1/organizations", body, token=api.token("admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def accredit(api, org_id, token, body=None):
    return api.post(f"/api/v1/organizations/{org_id}/accreditation", {} if body is None else body, token=token)


def revoke(api, org_id, token, reason="不再符合认定条件"):
    return api.post(f"/api/v1/organizations/{org_id}/accreditation/revocation", {"reason": reason}, token=token)


def events_of(api, org_id, event):
    return read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC,
                         lambda r: header(r, "ce_subject") == org_id
                         and header(r, "ce_type") == f"cn.gov.sc.ttp.{event}")


def test_a_reviewer_of_its_city_accredits_and_revokes_with_events(api):
    org_id = register(api, region="510700")
    reviewer = api.token("reviewer", sub="mianyang-reviewer", region="510700")

    response = accredit(api, org_id, reviewer, {"basis": "川科发〔2017〕1号"})
    assert response.status_code == 200, response.text
    assert response.json()["accredited"] is True and response.json()["accredited_at"]
    assert api.get(f"/api/v1/organizations/{org_id}").json()["accredited"] is True

    [record] = events_of(api, org_id, "registry.organization.accredited.v1")
    assert header(record, "ce_actor") == "mianyang-reviewer"
    name, data = api.decode(record)
    assert data["region_code"] == "510700" and data["basis"] == "川科发〔2017〕1号"

    response = revoke(api, org_id, reviewer)
    assert response.status_code == 200 and response.json()["accredited"] is False
    [record] = events_of(api, org_id, "registry.organization.accreditation_revoked.v1")
    assert api.decode(record)[1]["reason"] == "不再符合认定条件"


def test_accrediting_twice_or_revoking_what_is_not_accredited_is_409_and_publishes_nothing(api):
    org_id = register(api)
    admin = api.token("admin")
    assert revoke(api, org_id, admin).status_code == 409
    assert accredit(api, org_id, admin).status_code == 200
    before = api.counts("organizations")
    response = accredit(api, org_id, admin)
    assert response.status_code == 409 and response.json()["code"] == "conflict"
    assert api.counts("organizations") == before  # no second event in the outbox
    assert len(events_of(api, org_id, "registry.organization.accredited.v1")) == 1


def test_only_service_institutions_can_be_accredited(api):
    org_id = register(api, kind="university")
    response = accredit(api, org_id, api.token("admin"))
    assert response.status_code == 409
    assert "service institution" in response.json()["message"]


def test_scope_and_roles_are_enforced(api):
    org_id = register(api, region="510700")
    assert accredit(api, org_id, None).status_code == 401
    assert accredit(api, org_id, api.token("institution", org=org_id)).status_code == 403
    assert accredit(api, org_id, api.token("reviewer", region="510100")).status_code == 403  # Chengdu's reviewer
    assert api.get(f"/api/v1/organizations/{org_id}").json()["accredited"] is False


def test_bad_input_is_rejected(api):
    org_id = register(api)
    admin = api.token("admin")
    assert accredit(api, "no-such-org", admin).status_code == 404
    response = accredit(api, org_id, admin, {"basis": "x", "extra": 1})
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "extra"
    response = revoke(api, org_id, admin, reason="")
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "reason"


def test_a_universitys_transfer_unit_is_accredited_by_name_and_announced_with_it(api):
    """四(三)2 counts the 技术转移机构 of 高校院所: each accredited unit is one event, one institution counted."""
    org_id = register(api, kind="university", region="510100")
    reviewer = api.token("reviewer", sub="chengdu-reviewer", region="510100")

    response = accredit(api, org_id, reviewer, {"unit": "四川大学技术转移中心", "basis": "川科发〔2026〕3号"})
    assert response.status_code == 200, response.text
    assert [u["name"] for u in response.json()["accredited_units"]] == ["四川大学技术转移中心"]
    assert response.json()["accredited"] is False
    assert accredit(api, org_id, reviewer, {"unit": " 四川大学技术转移中心 "}).status_code == 409  # same unit, trimmed
    assert accredit(api, org_id, reviewer, {"unit": "华西医学转化中心"}).status_code == 200
    response = api.post(f"/api/v1/organizations/{org_id}/accreditation/revocation",
                        {"reason": "撤并", "unit": "华西医学转化中心"}, token=reviewer)
    assert response.status_code == 200, response.text
    assert [u["name"] for u in api.get(f"/api/v1/organizations/{org_id}").json()["accredited_units"]] == [
        "四川大学技术转移中心"]

    accredited = [api.decode(r)[1]["unit"] for r in events_of(api, org_id, "registry.organization.accredited.v1")]
    assert accredited == ["四川大学技术转移中心", "华西医学转化中心"]
    [revoked] = events_of(api, org_id, "registry.organization.accreditation_revoked.v1")
    assert api.decode(revoked)[1]["unit"] == "华西医学转化中心"
    # without a unit the university itself cannot be accredited; a service institution cannot name a unit
    assert accredit(api, org_id, reviewer).status_code == 409
    institution = register(api, region="510100")
    response = accredit(api, institution, reviewer, {"unit": "分中心"})
    assert response.status_code == 409 and response.json()["fields"][0]["path"] == "unit"
    response = accredit(api, org_id, reviewer, {"unit": " "})
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "unit"


def test_a_reviewer_corrects_an_organization_with_a_history_and_an_event_without_the_contact(api):
    """主体信息变更: name, supervising department and contact; the history says who, when, what."""
    org_id = register(api, kind="university", region="510700")
    reviewer = api.token("reviewer", sub="mianyang-reviewer", region="510700")
    path = f"/api/v1/organizations/{org_id}"
    api.patch = lambda where, body, token: api.request("PATCH", where, token=token, json=body)

    assert api.patch(path, {"name": "改名"}, token=api.token("reviewer", region="510100")).status_code == 403
    assert api.patch(path, {"name": "改名"}, token=api.token("institution", org=org_id)).status_code == 403
    assert api.patch(path, {"name": "改名"}, token=None).status_code == 401
    response = api.patch(path, {"name": "西南科技大学", "supervising_department": "四川省教育厅",
                                "contact": "0816-6089000"}, token=reviewer)
    assert response.status_code == 200, response.text
    record = api.get(path).json()
    assert (record["name"], record["supervising_department"], record["contact"]) == (
        "西南科技大学", "四川省教育厅", "0816-6089000")
    [entry] = api.get(path + "/corrections").json()["items"]
    assert entry["by"] == "mianyang-reviewer" and entry["at"]
    assert {c["field"]: (c["old"], c["new"]) for c in entry["changes"]} == {
        "name": ("绵阳技术转移服务中心", "西南科技大学"), "supervising_department": (None, "四川省教育厅"),
        "contact": (None, "0816-6089000")}

    [event] = events_of(api, org_id, "registry.organization.corrected.v1")
    assert header(event, "ce_actor") == "mianyang-reviewer"
    assert b"0816-6089000" not in event.value
    data = api.decode(event)[1]
    assert data["name"] == "西南科技大学" and data["changed_fields"] == ["name", "supervising_department", "contact"]

    response = api.patch(path, {"name": "x"}, token=reviewer)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "name"
    response = api.patch(path, {"credit_code": "91510100MA61RE9G40"}, token=reviewer)  # not correctable here
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "credit_code"
    assert api.patch(path, {}, token=reviewer).status_code == 400
    assert api.patch("/api/v1/organizations/no-such-org", {"name": "改名"}, token=reviewer).status_code == 404
    assert len(api.get(path + "/corrections").json()["items"]) == 1
