"""Dual-use catalogues (军民两用目录) built from published dual-use achievements."""
import pytest

from ttp_testing import header, read_topic

pytestmark = pytest.mark.integration

ORG = "org-dual-use"
TOPIC = "ttp.registry.catalogue"


def published(api, title, dual_use=True, region="510700"):
    owner = api.token("institution", org=ORG)
    reviewer = api.token("reviewer", region="510000")
    form = {"title": title, "type": "applied", "summary": "军民两用光电探测技术成果转化示范。", "keywords": ["光电"],
            "industry": "航空航天", "programme": 14, "trl": 7, "region_code": region, "organization_ids": [ORG],
            "contributors": [{"name": "孙八", "share": "100"}], "funding": {"fiscal": False}, "dual_use": dual_use}
    achievement_id = api.post("/api/v1/achievements", form, token=owner).json()["id"]
    for action, token in (("submit", owner), ("register", reviewer), ("publish", reviewer)):
        assert api.post(f"/api/v1/achievements/{achievement_id}/{action}", {}, token=token).status_code == 200
    return achievement_id


def catalogue_ids(api, catalogue="military_to_civil"):
    response = api.get(f"/api/v1/catalogues/{catalogue}")
    assert response.status_code == 200
    return [entry["achievement"]["id"] for entry in response.json()["entries"]]


def test_entries_are_added_removed_and_published_as_events(api):
    achievement_id = published(api, "红外光电探测器民用化技术")
    reviewer = api.token("reviewer", sub="mianyang-reviewer", region="510700")
    response = api.post("/api/v1/catalogues/military_to_civil/entries",
                        {"achievement_id": achievement_id, "note": "推荐民用推广"}, token=reviewer)
    assert response.status_code == 201, response.text
    assert achievement_id in catalogue_ids(api)
    assert api.post("/api/v1/catalogues/military_to_civil/entries", {"achievement_id": achievement_id},
                    token=reviewer).status_code == 409  # already in

    response = api.request("DELETE", f"/api/v1/catalogues/military_to_civil/entries/{achievement_id}", token=reviewer)
    assert response.status_code == 200
    assert achievement_id not in catalogue_ids(api)
    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC,
                         lambda r: api.decode(r)[1]["achievement_id"] == achievement_id, count=2)
    assert [header(r, "ce_type").rsplit(".", 2)[-2] for r in records] == ["entry_added", "entry_removed"]
    assert all(header(r, "ce_subject") == "military_to_civil" for r in records)


def test_only_published_dual_use_achievements_qualify(api):
    admin = api.token("admin")
    civil = published(api, "普通民用技术", dual_use=False)
    response = api.post("/api/v1/catalogues/civil_to_military/entries", {"achievement_id": civil}, token=admin)
    assert response.status_code == 409 and "dual-use" in response.json()["message"]
    assert api.post("/api/v1/catalogues/no_such/entries", {"achievement_id": civil}, token=admin).status_code == 404
    assert api.post("/api/v1/catalogues/civil_to_military/entries", {"achievement_id": civil},
                    token=api.token("reviewer", region="510100")).status_code == 403  # another city


def test_a_withdrawn_achievement_leaves_every_catalogue(api):
    achievement_id = published(api, "北斗导航终端民用化")
    admin = api.token("admin")
    for catalogue in ("military_to_civil", "civil_to_military"):
        assert api.post(f"/api/v1/catalogues/{catalogue}/entries", {"achievement_id": achievement_id},
                        token=admin).status_code == 201
    owner = api.token("institution", org=ORG)
    assert api.post(f"/api/v1/achievements/{achievement_id}/withdraw", {"reason": "停止推广"},
                    token=owner).status_code == 200
    assert achievement_id not in catalogue_ids(api, "military_to_civil")
    assert achievement_id not in catalogue_ids(api, "civil_to_military")
