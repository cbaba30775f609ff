"""Plan projects (科技计划项目) and their reporting compliance."""
import datetime as dt

import pytest

from registry.plan_projects import due_date, is_overdue
from ttp_testing import header, read_topic

END = dt.date(2025, 6, 30)


def test_a_fiscal_project_is_overdue_only_after_its_due_date_without_achievement_or_report():
    assert due_date(END, 90) == dt.date(2025, 9, 28)
    assert not is_overdue(True, END, 90, False, dt.date(2025, 9, 28))
    assert is_overdue(True, END, 90, False, dt.date(2025, 9, 29))
    assert not is_overdue(True, END, 90, True, dt.date(2026, 1, 1))  # achievement or report given
    assert not is_overdue(False, END, 90, False, dt.date(2026, 1, 1))  # no fiscal money, no duty


def project(code, **overrides):
    return {"code": code, "title": "高端数控机床关键部件研发", "organization_id": "org-plan", "region_code": "510600",
            "fiscal": True, "fiscal_funding_yuan": "1500000.00", "end_date": "2025-06-30", **overrides}


def register(api, code, **overrides):
    response = api.post("/api/v1/plan-projects", project(code, **overrides), token=api.token("reviewer", region="510600"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.integration
def test_overdue_projects_are_flagged_once_with_an_event(api):
    late = register(api, "2025ZDZX0001")
    reported = register(api, "2025ZDZX0002")
    private = register(api, "2025ZDZX0003", fiscal=False)
    future = register(api, "2025ZDZX0004", end_date=(dt.date.today() + dt.timedelta(days=30)).isoformat())
    owner = api.token("institution", org="org-plan")
    response = api.post(f"/api/v1/plan-projects/{reported}/tech-reports", {"title": "关键部件研发科技报告"}, token=owner)
    assert response.status_code == 201 and response.json()["satisfied"] is True

    admin = api.token("admin")
    flagged = api.post("/api/v1/plan-projects/overdue-check", {}, token=admin).json()["flagged"]
    assert late in flagged and not {reported, private, future} & set(flagged)
    assert late not in api.post("/api/v1/plan-projects/overdue-check", {}, token=admin).json()["flagged"]

    listed = api.get("/api/v1/plan-projects", params={"overdue": "true"}, token=api.token("reviewer", region="510600"))
    assert [p["id"] for p in listed.json()["items"] if p["id"] in (late, reported)] == [late]
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.registry.plan_project",
                          lambda r: header(r, "ce_subject") == late
                          and header(r, "ce_type").endswith("plan_project.overdue.v1"))
    assert header(record, "ce_actor") == "service:registry"
    assert api.decode(record)[1]["due_date"] == dt.date(2025, 9, 28)


@pytest.mark.integration
def test_a_registered_achievement_fulfils_its_projects_duty(api):
    project_id = register(api, "2025ZDZX0005")
    owner = api.token("institution", org="org-plan")
    form = {"title": "数控机床主轴热误差补偿技术", "type": "applied", "summary": "主轴热误差实时补偿方法及装置。",
            "keywords": ["数控机床"], "industry": "智能制造装备", "trl": 6, "region_code": "510600",
            "organization_ids": ["org-plan"], "contributors": [{"name": "钱七", "share": "100"}],
            "funding": {"fiscal": True, "plan_project_id": project_id}}
    achievement_id = api.post("/api/v1/achievements", form, token=owner).json()["id"]
    reviewer = api.token("reviewer", region="510600")
    assert api.post(f"/api/v1/achievements/{achievement_id}/submit", {}, token=owner).status_code == 200
    assert api.post(f"/api/v1/achievements/{achievement_id}/register", {}, token=reviewer).status_code == 200
    flagged = api.post("/api/v1/plan-projects/overdue-check", {}, token=api.token("admin")).json()["flagged"]
    assert project_id not in flagged


@pytest.mark.integration
def test_plan_project_input_and_scope_are_checked(api):
    response = api.post("/api/v1/plan-projects", project("X1", region_code="510100"),
                        token=api.token("reviewer", region="510600"))
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "code"  # too short
    response = api.post("/api/v1/plan-projects", project("2025ZDZX0009", region_code="510100"),
                        token=api.token("reviewer", region="510600"))
    assert response.status_code == 403
    project_id = register(api, "2025ZDZX0010")
    assert api.post("/api/v1/plan-projects", project("2025ZDZX0010"), token=api.token("admin")).status_code == 409
    other = api.token("institution", org="someone-else")
    response = api.post(f"/api/v1/plan-projects/{project_id}/tech-reports", {"title": "报告"}, token=other)
    assert response.status_code == 403
    assert api.post("/api/v1/plan-projects/overdue-check", {}, token=api.token("reviewer", region="510600")).status_code == 403
    assert api.get("/api/v1/plan-projects", token=api.token("reviewer", region="510600"),
                   params={"region": "510100"}).status_code == 403
    response = api.get("/api/v1/plan-projects", token=api.token("admin"), params={"region": "110100"})
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "region"  # as every listing's
    response = api.post("/api/v1/plan-projects", project("2025ZDZX0011", region_code="510699"), token=api.token("admin"))
    assert response.status_code == 422 and response.json()["code"] == "unknown_division"
    assert response.json()["fields"][0]["path"] == "region_code"


@pytest.mark.integration
def test_a_project_of_a_county_is_its_prefectures_and_listed_under_both(api):
    project_id = register(api, "2025ZDZX0012", region_code="510681")  # 广汉市, a county-level city of 德阳市
    for region in ("510600", "510681"):
        listed = api.get("/api/v1/plan-projects", token=api.token("admin"), params={"region": region}).json()
        assert project_id in [p["id"] for p in listed["items"]], region
    assert api.post("/api/v1/plan-projects", project("2025ZDZX0013", region_code="510681"),
                    token=api.token("reviewer", region="510100")).status_code == 403


def funded_form(project_id, org="org-plan"):
    return {"title": "数控机床主轴热误差补偿技术", "type": "applied", "summary": "主轴热误差实时补偿方法及装置。",
            "keywords": ["数控机床"], "industry": "智能制造装备", "trl": 6, "region_code": "510600",
            "organization_ids": [org], "contributors": [{"name": "钱七", "share": "100"}],
            "funding": {"fiscal": True, "plan_project_id": project_id}}


@pytest.mark.integration
def test_an_achievement_names_only_an_existing_plan_project_of_its_own_organizations(api):
    theirs = register(api, "2025ZDZX0020", organization_id="org-other")
    owner = api.token("institution", org="org-plan")
    before = api.db.achievements.count_documents({})
    for project_id in ("no-such-project", theirs):
        response = api.post("/api/v1/achievements", funded_form(project_id), token=owner)
        assert response.status_code == 400, response.text
        assert [f["path"] for f in response.json()["fields"]] == ["funding.plan_project_id"]
    [row] = api.post("/api/v1/achievements/import", {"rows": [{"import_key": "PLAN-1", "form": funded_form(theirs)}]},
                     token=owner).json()["results"]
    assert row["status"] == "rejected" and row["errors"][0]["path"] == "funding.plan_project_id"
    assert api.db.achievements.count_documents({}) == before
    # a draft recorded before the check (or its project changed since) is stopped at submit and edit
    ours = register(api, "2025ZDZX0021")
    achievement_id = api.post("/api/v1/achievements", funded_form(ours), token=owner).json()["id"]
    api.db.achievements.update_one({"_id": achievement_id}, {"$set": {"record.funding.plan_project_id": theirs}})
    response = api.post(f"/api/v1/achievements/{achievement_id}/submit", {}, token=owner)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "funding.plan_project_id"
    response = api.request("PUT", f"/api/v1/achievements/{achievement_id}", json=funded_form(theirs), token=owner)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "funding.plan_project_id"
    assert api.db.achievements.find_one({"_id": achievement_id})["status"] == "draft"


@pytest.mark.integration
def test_registering_satisfies_only_a_project_of_the_achievements_organizations(api):
    theirs = register(api, "2025ZDZX0022", organization_id="org-other")
    ours = register(api, "2025ZDZX0023")
    owner = api.token("institution", org="org-plan")
    achievement_id = api.post("/api/v1/achievements", funded_form(ours), token=owner).json()["id"]
    assert api.post(f"/api/v1/achievements/{achievement_id}/submit", {}, token=owner).status_code == 200
    api.db.achievements.update_one({"_id": achievement_id}, {"$set": {"record.funding.plan_project_id": theirs}})
    response = api.post(f"/api/v1/achievements/{achievement_id}/register", {},
                        token=api.token("reviewer", region="510600"))
    assert response.status_code == 200, response.text
    assert api.db.plan_projects.find_one({"_id": theirs})["satisfied"] is False
