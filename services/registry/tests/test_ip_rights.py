"""IP records (知识产权) against the real local servers: recording, reading, listing, state changes, links to
achievements, who may do it, and the events on Kafka."""
import itertools

import pytest

from registry.ip import patent_check_character
from ttp_common.reference import uscc_check_character
from ttp_testing import header, read_topic

pytestmark = pytest.mark.integration

TOPIC = "ttp.registry.ip_right"
_serial = itertools.count(1)


def organization(api, region="510100"):
    first17 = f"91{region}MA{next(_serial):07d}"[:17]
    body = {"name": "四川省钒钛新材料研究院", "credit_code": first17 + uscc_check_character(first17),
            "kind": "institute", "region_code": region}
    response = api.post("/api/v1/organizations", body, token=api.token("admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def registered_achievement(api, org_id, region="510100"):
    owner = api.token("institution", org=org_id)
    form = {"title": "钒钛磁铁矿高效提钒技术", "type": "applied", "summary": "钒钛磁铁矿清洁提钒工艺。",
            "keywords": ["提钒"], "industry": "新材料", "trl": 6, "region_code": region, "organization_ids": [org_id],
            "contributors": [{"name": "周九", "share": "100"}], "funding": {"fiscal": False}}
    response = api.post("/api/v1/achievements", form, token=owner)
    assert response.status_code == 201, response.text
    achievement_id = response.json()["id"]
    assert api.post(f"/api/v1/achievements/{achievement_id}/submit", {}, token=owner).status_code == 200
    assert api.post(f"/api/v1/achievements/{achievement_id}/register", {},
                    token=api.token("reviewer", region="510000")).status_code == 200
    return achievement_id


def right(holder, **overrides):
    return {"kind": "invention_patent", "number": "ZL201710601862.3", "title": "一种钒钛磁铁矿提钒方法",
            "holder_organization_ids": [holder], "filed_on": "2017-07-20", **overrides}


def test_a_right_is_recorded_granted_linked_and_listed_with_events(api):
    holder = organization(api)
    achievement_id = registered_achievement(api, holder)
    staff = api.token("institution", org=holder)
    response = api.post("/api/v1/ip-rights", right(holder, number="CN 201710601862.3"), token=staff)
    assert response.status_code == 201, response.text
    recorded = response.json()
    assert recorded["number"] == "201710601862.3" and recorded["status"] == "pending"
    assert recorded["kind_label"] == "发明专利" and recorded["patent_number"] is None
    right_id = recorded["id"]
    assert api.post("/api/v1/ip-rights", right(holder), token=staff).status_code == 409  # the same patent

    response = api.post(f"/api/v1/ip-rights/{right_id}/status", {"status": "in_force", "effective_on": "2019-03-01"},
                        token=staff)
    assert response.status_code == 200, response.text
    assert response.json()["patent_number"] == "ZL201710601862.3" and response.json()["status_label"] == "有效"
    assert api.post(f"/api/v1/ip-rights/{right_id}/status", {"status": "pending", "effective_on": "2019-03-02"},
                    token=staff).status_code == 409

    response = api.post(f"/api/v1/ip-rights/{right_id}/links", {"achievement_ids": [achievement_id]}, token=staff)
    assert response.status_code == 200 and response.json()["achievement_ids"] == [achievement_id]

    public = api.get(f"/api/v1/ip-rights/{right_id}").json()  # no token
    assert public["granted_on"] == "2019-03-01" and "recorded_by" not in public
    assert all("by" not in entry for entry in public["history"])
    for params in ({"holder": holder}, {"achievement_id": achievement_id},
                   {"holder": holder, "kind": "invention_patent"}):
        assert [item["id"] for item in api.get("/api/v1/ip-rights", params=params).json()["items"]] == [right_id]
    assert api.get("/api/v1/ip-rights", params={"holder": holder, "kind": "ic_layout"}).json()["items"] == []

    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC, lambda r: header(r, "ce_subject") == right_id,
                         count=3)
    assert [header(r, "ce_type").rsplit(".", 2)[-2] for r in records] == ["recorded", "status_changed", "linked"]
    payloads = [api.decode(r)[1] for r in records]
    assert payloads[0]["number"] == "201710601862.3" and payloads[0]["holder_organization_ids"] == [holder]
    assert payloads[1]["previous_status"] == "pending" and payloads[1]["status"] == "in_force"
    assert payloads[2]["achievement_ids"] == [achievement_id]


def test_each_kind_records_its_own_number(api):
    holder = organization(api)
    admin = api.token("admin")
    for kind, number in (("software_copyright", "2020SR0123456"), ("plant_variety", "CNA20120342.9"),
                         ("ic_layout", "BS.12500123.4")):
        response = api.post("/api/v1/ip-rights", right(holder, kind=kind, number=number, status="in_force",
                                                       granted_on="2020-05-01", filed_on="2020-01-10"), token=admin)
        assert response.status_code == 201, response.text
        assert response.json()["number"] == number and response.json()["patent_number"] is None


def test_bad_numbers_unknown_holders_and_foreign_achievements_are_refused(api):
    holder, other = organization(api), organization(api)
    staff = api.token("institution", org=holder)
    response = api.post("/api/v1/ip-rights", right(holder, number="ZL201710601862.4"), token=staff)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "number"
    assert "check character" in response.json()["fields"][0]["message"]
    response = api.post("/api/v1/ip-rights", right(
        holder, number="201810601862." + patent_check_character("201810601862"),
        holder_organization_ids=[holder, "no-such-organization"]), token=api.token("admin"))
    assert response.status_code == 422 and response.json()["code"] == "unknown_organization"
    assert [f["path"] for f in response.json()["fields"]] == ["holder_organization_ids.1"]
    foreign = registered_achievement(api, other)
    number = "201920123456." + patent_check_character("201920123456")  # a utility model's
    response = api.post("/api/v1/ip-rights", right(holder, kind="utility_model", number=number,
                                                   achievement_ids=[foreign, "no-such-achievement"]), token=staff)
    assert response.status_code == 422 and response.json()["code"] == "unknown_link"
    assert [f["path"] for f in response.json()["fields"]] == ["achievement_ids.0", "achievement_ids.1"]
    response = api.post("/api/v1/ip-rights", right(holder, status="in_force", number=number, kind="utility_model"),
                        token=staff)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "granted_on"


def test_only_a_holders_staff_or_region_may_record_or_change(api):
    holder = organization(api, region="510700")
    body = right(holder, number="ZL201510601862." + patent_check_character("201510601862"))
    assert api.post("/api/v1/ip-rights", body, token=api.token("institution", org="another-org")).status_code == 403
    assert api.post("/api/v1/ip-rights", body, token=api.token("reviewer", region="510100")).status_code == 403
    assert api.post("/api/v1/ip-rights", body).status_code == 401
    response = api.post("/api/v1/ip-rights", body, token=api.token("reviewer", region="510700"))
    assert response.status_code == 201, response.text
    right_id = response.json()["id"]
    assert api.post(f"/api/v1/ip-rights/{right_id}/status", {"status": "lapsed", "effective_on": "2018-01-01"},
                    token=api.token("institution", org="another-org")).status_code == 403
    assert api.get(f"/api/v1/ip-rights/{right_id}").json()["status"] == "pending"


def test_a_right_whose_term_has_ended_lapses_once_with_an_event(api):
    holder = organization(api)
    admin = api.token("admin")
    old = api.post("/api/v1/ip-rights", right(holder, number="200410012345." + patent_check_character("200410012345"),
                                              status="in_force", filed_on="2004-01-05", granted_on="2006-05-10"),
                   token=admin)
    assert old.status_code == 201, old.text
    assert old.json()["expires_on"] == "2024-01-04"  # 20 years from filing
    young = api.post("/api/v1/ip-rights", right(holder, number="202210012345." + patent_check_character("202210012345"),
                                                status="in_force", filed_on="2022-01-05", granted_on="2024-05-10"),
                     token=admin).json()
    lapsed = api.post("/api/v1/ip-rights/expiry-check", {}, token=admin).json()["lapsed"]
    assert old.json()["id"] in lapsed and young["id"] not in lapsed
    assert old.json()["id"] not in api.post("/api/v1/ip-rights/expiry-check", {}, token=admin).json()["lapsed"]
    after = api.get(f"/api/v1/ip-rights/{old.json()['id']}").json()
    assert after["status"] == "lapsed" and after["lapsed_on"] == "2024-01-05"
    assert after["history"][-1]["reason"] == "期限届满"
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC,
                          lambda r: header(r, "ce_subject") == old.json()["id"]
                          and header(r, "ce_type").endswith("status_changed.v1"))
    assert header(record, "ce_actor") == "service:registry" and api.decode(record)[1]["status"] == "lapsed"
