"""The annual-report and plan-project handlers over a fake unit of work: filing, review, the missing-report
and overdue flags, what they store and announce, and what they refuse, without any server."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, NotFound, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from registry.annual_reports import AnnualReportIn
from registry.documents import AnnualReport, AnnualReportFinding, Organization, PlanProject
from registry.handlers import annual_reports as handlers
from registry.handlers import plan_projects
from registry.plan_projects import PlanProjectIn, TechReportIn

UNIVERSITY = "org-scu"
CLERK = Principal(sub="scu-clerk", role=Roles.INSTITUTION, org=UNIVERSITY)
REVIEWER = Principal(sub="edu-dept", role=Roles.REVIEWER, region="510100")
MIANYANG_REVIEWER = Principal(sub="mianyang", role=Roles.REVIEWER, region="510700")
ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)
FILED_IN_TIME = dt.datetime(2026, 2, 10, 2, 0, tzinfo=dt.timezone.utc)   # 10 February 2026 in China
FILED_LATE = dt.datetime(2026, 2, 28, 16, 30, tzinfo=dt.timezone.utc)    # 1 March 2026 in China already


@pytest.fixture
def uow():
    uow = FakeUnitOfWork(Organization, AnnualReport, AnnualReportFinding, PlanProject, service="registry")
    for org_id, kind in ((UNIVERSITY, "university"), ("org-institute", "institute"), ("org-enterprise", "enterprise")):
        uow.insert(Organization(id=org_id, name="四川大学", credit_code=f"{org_id:0>18}"[:18], kind=kind,
                                region_code="510100", supervising_department="教育厅", created_by="admin"))
    return uow


def report(organization_id=UNIVERSITY, year=2025, **overrides):
    deals = {"count": 3, "amount_yuan": "1200000.00"}
    return AnnualReportIn.model_validate({
        "year": year, "organization_id": organization_id, "transfers": deals,
        "licences": {"count": 1, "amount_yuan": "50000"}, "equity_investments": {"count": 0, "amount_yuan": "0"},
        "cooperation_contracts": deals, "rewards_paid_yuan": "600000.00", "rewarded_people": 12,
        "summary": "本年度成果转移转化工作总体成效与面临的问题。", **overrides})


def test_a_report_is_filed_with_its_figures_and_late_by_chinas_calendar(uow):
    filed = handlers.submit(uow, report(), CLERK, FILED_IN_TIME)

    stored = uow.get(AnnualReport, f"{UNIVERSITY}:2025")
    assert (stored.status, stored.region_code, stored.late, stored.submitted_at) == (
        "submitted", "510100", False, FILED_IN_TIME)
    assert stored.record["transfers"] == {"count": 3, "amount_yuan": "1200000.00"} and filed.id == stored.id
    [event] = uow.events
    assert event.name == "registry.annual_report.submitted.v1" and event.subject == f"{UNIVERSITY}:2025"
    assert event.data["transfers_count"] == 3 and event.data["transfers_yuan"] == Decimal("1200000.00")
    assert event.data["supervising_department"] == "教育厅" and event.data["late"] is False

    late = handlers.submit(uow, report("org-institute"), ADMIN, FILED_LATE)  # 28 Feb in UTC, 1 March in China
    assert late.late is True and uow.events[-1].data["late"] is True


def test_filing_is_refused_for_other_filers_organizations_and_years(uow):
    with pytest.raises(TransitionRefused, match="universities and institutes"):
        handlers.submit(uow, report("org-enterprise"), Principal(sub="e", role=Roles.INSTITUTION,
                                                                 org="org-enterprise"), FILED_IN_TIME)
    with pytest.raises(Forbidden):
        handlers.submit(uow, report(), Principal(sub="x", role=Roles.INSTITUTION, org="other"), FILED_IN_TIME)
    with pytest.raises(TransitionRefused, match="from 1 January 2027"):
        handlers.submit(uow, report(year=2026), CLERK, FILED_IN_TIME)
    with pytest.raises(NotFound, match="no such organization"):
        handlers.submit(uow, report("org-missing"), ADMIN, FILED_IN_TIME)
    assert uow.count(AnnualReport) == 0 and uow.events == []


def test_a_report_is_returned_filed_again_accepted_and_forwarded_then_final(uow):
    report_id = handlers.submit(uow, report(), CLERK, FILED_IN_TIME).id

    returned = handlers.review(uow, "return", report_id, REVIEWER, FILED_IN_TIME, reasons=["缺少项目清单"])
    assert returned.status == "returned" and returned.return_reasons == ["缺少项目清单"]
    assert handlers.submit(uow, report(), CLERK, FILED_IN_TIME).status == "submitted"
    with pytest.raises(Forbidden):
        handlers.review(uow, "accept", report_id, MIANYANG_REVIEWER, FILED_IN_TIME)  # another city
    handlers.review(uow, "accept", report_id, REVIEWER, FILED_IN_TIME)
    forwarded_at = dt.datetime(2026, 3, 31, 15, 59, tzinfo=dt.timezone.utc)  # 23:59 on 31 March in China
    forwarded = handlers.review(uow, "forward", report_id, REVIEWER, forwarded_at)
    assert forwarded.status == "forwarded" and uow.get(AnnualReport, report_id).forwarded_at == forwarded_at
    with pytest.raises(TransitionRefused):
        handlers.submit(uow, report(), CLERK, FILED_IN_TIME)

    assert uow.names() == ["registry.annual_report.submitted.v1", "registry.annual_report.returned.v1",
                           "registry.annual_report.submitted.v1", "registry.annual_report.accepted.v1",
                           "registry.annual_report.forwarded.v1"]
    assert uow.events[1].data["reasons"] == ["缺少项目清单"] and uow.events[-1].data["late"] is False
    with pytest.raises(NotFound, match="no such report"):
        handlers.review(uow, "accept", "org-scu:1999", ADMIN, FILED_IN_TIME)


def test_a_missing_report_is_flagged_once(uow):
    university = uow.get(Organization, UNIVERSITY)

    assert handlers.flag_missing(uow, university, 2025, FILED_LATE) == f"{UNIVERSITY}:2025"
    assert handlers.flag_missing(uow, university, 2025, FILED_LATE) is None

    assert uow.get(AnnualReportFinding, f"missing|{UNIVERSITY}:2025").at == FILED_LATE
    [event] = uow.events
    assert event.name == "registry.annual_report.missing.v1"
    assert event.data == {"report_id": f"{UNIVERSITY}:2025", "organization_id": UNIVERSITY, "region_code": "510100",
                          "supervising_department": "教育厅", "year": 2025}


# -- plan projects ------------------------------------------------------------------------

def project(code="2025ZDZX0001", **overrides):
    return PlanProjectIn.model_validate({
        "code": code, "title": "高端数控机床关键部件研发", "organization_id": UNIVERSITY, "region_code": "510100",
        "fiscal": True, "fiscal_funding_yuan": "1500000.00", "end_date": "2025-06-30", **overrides})


def test_a_plan_project_is_registered_once_per_code_in_the_reviewers_region(uow):
    registered = plan_projects.register(uow, project(), REVIEWER)

    assert uow.get(PlanProject, registered.id).due_date == "2025-09-28"
    [event] = uow.events
    assert event.name == "registry.plan_project.registered.v1" and event.data["due_date"] == dt.date(2025, 9, 28)
    with pytest.raises(Conflict) as refused:
        plan_projects.register(uow, project(), ADMIN)
    assert (refused.value.field, refused.value.detail) == ("code", "taken")
    with pytest.raises(Forbidden):
        plan_projects.register(uow, project("2025ZDZX0002"), MIANYANG_REVIEWER)
    assert uow.count(PlanProject) == 1


def test_a_fiscal_project_is_flagged_overdue_once_unless_a_tech_report_came(uow):
    late = plan_projects.register(uow, project("2025ZDZX0003"), REVIEWER).id
    reported = plan_projects.register(uow, project("2025ZDZX0004"), REVIEWER).id
    plan_projects.submit_tech_report(uow, reported, TechReportIn(title="关键部件研发科技报告"), CLERK, FILED_IN_TIME)
    assert uow.get(PlanProject, reported).satisfied is True

    assert plan_projects.flag_overdue(uow, late, dt.date(2025, 9, 28)) is None  # due that day, not past it
    assert plan_projects.flag_overdue(uow, late, dt.date(2025, 9, 29)) == late
    assert plan_projects.flag_overdue(uow, late, dt.date(2025, 9, 30)) is None  # once
    assert plan_projects.flag_overdue(uow, reported, dt.date(2026, 1, 1)) is None
    assert uow.names()[-2:] == ["registry.plan_project.tech_report_submitted.v1", "registry.plan_project.overdue.v1"]
    with pytest.raises(Forbidden):
        plan_projects.submit_tech_report(uow, late, TechReportIn(title="报告题名"),
                                         Principal(sub="x", role=Roles.INSTITUTION, org="other"), FILED_IN_TIME)
