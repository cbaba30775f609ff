"""Annual transformation reports (年度报告): filing, review, forwarding and missing reports."""
import datetime as dt
import itertools

import pytest

from registry.annual_reports import (
    filing_deadline, forwarding_deadline, forwarding_overdue, is_late, last_year_past_forwarding, transition,
)
from ttp_common.refusals import TransitionRefused
from ttp_common.reference import uscc_check_character
from ttp_testing import header, read_topic

_serial = itertools.count(1)


def test_deadlines_follow_the_plan():
    assert filing_deadline(2025) == dt.date(2026, 2, 28)
    assert forwarding_deadline(2025) == dt.date(2026, 3, 31)
    assert not is_late(2025, dt.date(2026, 2, 28)) and is_late(2025, dt.date(2026, 3, 1))


def test_a_report_not_forwarded_by_31_march_is_overdue():
    assert not forwarding_overdue(2025, "accepted", dt.date(2026, 3, 31))
    assert forwarding_overdue(2025, "accepted", dt.date(2026, 4, 1))
    assert not forwarding_overdue(2025, "forwarded", dt.date(2027, 1, 1))
    assert last_year_past_forwarding(dt.date(2026, 3, 31)) == 2024
    assert last_year_past_forwarding(dt.date(2026, 4, 1)) == 2025


def test_review_transitions():
    assert transition("submit", None) == "submitted" and transition("submit", "returned") == "submitted"
    assert transition("accept", "submitted") == "accepted" and transition("forward", "accepted") == "forwarded"
    for action, status in (("submit", "submitted"), ("forward", "submitted"), ("accept", "forwarded")):
        with pytest.raises(TransitionRefused):
            transition(action, status)


def organization(api, kind="university", region="510100", department="教育厅", name="四川某大学"):
    first17 = f"12{region}MB{next(_serial):07d}"[:17]
    body = {"name": name, "credit_code": first17 + uscc_check_character(first17), "kind": kind,
            "region_code": region, "supervising_department": department}
    response = api.post("/api/v1/organizations", body, token=api.token("admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def report(org_id, year=2024, **overrides):
    deals = {"count": 3, "amount_yuan": "1200000.00"}
    return {"year": year, "organization_id": org_id, "transfers": deals, "licences": {"count": 1, "amount_yuan": "50000"},
            "equity_investments": {"count": 0, "amount_yuan": "0"}, "cooperation_contracts": deals,
            "rewards_paid_yuan": "600000.00", "rewarded_people": 12,
            "summary": "本年度成果转移转化工作总体成效与面临的问题。", **overrides}


@pytest.mark.integration
def test_a_report_is_filed_reviewed_and_forwarded_with_events(api):
    org_id = organization(api)
    clerk = api.token("institution", org=org_id)
    reviewer = api.token("reviewer", sub="edu-dept", region="510100")
    response = api.post("/api/v1/annual-reports", report(org_id), token=clerk)
    assert response.status_code == 201, response.text
    report_id = response.json()["id"]
    assert response.json()["late"] is True  # 2024's report is filed long after 28 Feb 2025

    returned = api.post(f"/api/v1/annual-reports/{report_id}/return", {"reasons": ["缺少项目清单"]}, token=reviewer)
    assert returned.json()["status"] == "returned"
    assert api.post("/api/v1/annual-reports", report(org_id), token=clerk).json()["status"] == "submitted"
    assert api.post(f"/api/v1/annual-reports/{report_id}/accept", {}, token=reviewer).json()["status"] == "accepted"
    assert api.post(f"/api/v1/annual-reports/{report_id}/forward", {}, token=reviewer).json()["status"] == "forwarded"
    assert api.post("/api/v1/annual-reports", report(org_id), token=clerk).status_code == 409  # forwarded: final

    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.registry.annual_report",
                         lambda r: header(r, "ce_subject") == report_id, count=5)
    assert [header(r, "ce_type").rsplit(".", 2)[-2] for r in records] == [
        "submitted", "returned", "submitted", "accepted", "forwarded"]
    data = api.decode(records[0])[1]
    assert data["transfers_count"] == 3 and str(data["transfers_yuan"]) == "1200000.00"
    assert data["supervising_department"] == "教育厅"


@pytest.mark.integration
def test_only_universities_and_institutes_file_for_their_own_organization_and_past_years(api):
    enterprise = organization(api, kind="enterprise")
    response = api.post("/api/v1/annual-reports", report(enterprise), token=api.token("institution", org=enterprise))
    assert response.status_code == 409
    university = organization(api)
    response = api.post("/api/v1/annual-reports", report(university), token=api.token("institution", org="other"))
    assert response.status_code == 403
    response = api.post("/api/v1/annual-reports", report(university, year=dt.date.today().year),
                        token=api.token("institution", org=university))
    assert response.status_code == 409  # the current year is not over
    response = api.post("/api/v1/annual-reports", report(university, rewarded_people=-1),
                        token=api.token("institution", org=university))
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "rewarded_people"


@pytest.mark.integration
def test_missing_reports_are_flagged_once_after_the_deadline(api):
    silent = organization(api, kind="institute", region="510700")
    filer = organization(api, region="510700")
    assert api.post("/api/v1/annual-reports", report(filer, year=2023),
                    token=api.token("institution", org=filer)).status_code == 201
    admin = api.token("admin")
    flagged = api.post("/api/v1/annual-reports/missing-check?year=2023", {}, token=admin).json()["flagged"]
    assert f"{silent}:2023" in flagged and f"{filer}:2023" not in flagged
    again = api.post("/api/v1/annual-reports/missing-check?year=2023", {}, token=admin).json()["flagged"]
    assert f"{silent}:2023" not in again
    this_year = api.post(f"/api/v1/annual-reports/missing-check?year={dt.date.today().year}", {}, token=admin)
    assert this_year.json()["flagged"] == []  # its deadline has not passed


@pytest.mark.integration
def test_reviewers_list_their_regions_reports_with_the_forwarding_deadline(api):
    first, second = organization(api, region="512000"), organization(api, kind="institute", region="512000")
    for org_id in (first, second):
        assert api.post("/api/v1/annual-reports", report(org_id, year=2022),
                        token=api.token("institution", org=org_id)).status_code == 201
    reviewer = api.token("reviewer", region="512000")
    forwarded = f"{second}:2022"
    for action in ("accept", "forward"):
        assert api.post(f"/api/v1/annual-reports/{forwarded}/{action}", {}, token=reviewer).status_code == 200

    def listed(token, **params):
        response = api.get("/api/v1/annual-reports", params={"limit": "100", **params}, token=token)
        assert response.status_code == 200, response.text
        return [(r["id"], r["status"], r["forwarding_overdue"]) for r in response.json()["items"]
                if r["organization_id"] in (first, second)]

    assert listed(reviewer, year="2022") == [(f"{first}:2022", "submitted", True), (forwarded, "forwarded", False)]
    assert listed(reviewer, status="forwarded") == [(forwarded, "forwarded", False)]
    assert listed(reviewer, forwarding_overdue="true") == [(f"{first}:2022", "submitted", True)]
    assert listed(api.token("admin"), year="2022", forwarding_overdue="false") == [(forwarded, "forwarded", False)]
    assert listed(api.token("reviewer", region="510000"), year="2022")[0][0] == f"{first}:2022"
    assert listed(api.token("reviewer", region="510100"), year="2022") == []  # another city's reports
    assert listed(reviewer, year="2021") == []
    assert api.get("/api/v1/annual-reports", token=api.token("institution", org=first)).status_code == 403
    assert api.get("/api/v1/annual-reports", params={"region": "510100"}, token=reviewer).status_code == 403
    for params, path in (({"status": "lost"}, "status"), ({"year": "1999"}, "year"), ({"limit": "101"}, "limit")):
        response = api.get("/api/v1/annual-reports", params=params, token=reviewer)
        assert response.status_code == 400 and response.json()["fields"][0]["path"] == path


def _filed(api, org_id, year=2024):
    response = api.post("/api/v1/annual-reports", report(org_id, year=year), token=api.token("institution", org=org_id))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _listed(api, token, **params):
    response = api.get("/api/v1/annual-reports", token=token, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


@pytest.mark.integration
def test_a_supervising_department_reads_the_reports_of_the_organizations_it_supervises(api):
    name = f"四川省测试厅{next(_serial)}"
    department = organization(api, kind="government", department=None, name=name)
    by_id = _filed(api, organization(api, department=department))                           # named by its id
    by_name = _filed(api, organization(api, kind="institute", region="510700", department=name))  # by its name
    supervisor = api.token("supervisor", org=department)

    assert {by_id, by_name} <= _listed(api, supervisor)
    assert _listed(api, supervisor, region="510700") >= {by_name} and by_id not in _listed(api, supervisor,
                                                                                          region="510700")
    for report_id in (by_id, by_name):
        response = api.get(f"/api/v1/annual-reports/{report_id}", token=supervisor)
        assert response.status_code == 200, response.text
        assert response.json()["id"] == report_id
    # reading is all: the review stays the region's reviewers'
    assert api.post(f"/api/v1/annual-reports/{by_id}/accept", {}, token=supervisor).status_code == 403


@pytest.mark.integration
def test_a_supervising_department_does_not_see_another_departments_reports(api):
    mine, theirs = (organization(api, kind="government", department=None, name=f"四川省测试局{next(_serial)}")
                    for _ in range(2))
    own = _filed(api, organization(api, department=mine))
    other = _filed(api, organization(api, department=theirs))
    unsupervised = _filed(api, organization(api, department=None))
    supervisor = api.token("supervisor", org=mine)

    listed = _listed(api, supervisor)
    assert own in listed and other not in listed and unsupervised not in listed
    for report_id in (other, unsupervised):
        response = api.get(f"/api/v1/annual-reports/{report_id}", token=supervisor)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    # without its department's organization a supervisor token sees nothing
    assert not _listed(api, api.token("supervisor"))
