"""Annual transformation reports (年度报告, 财科教〔2017〕22号): filing, review, and missing reports.

A university or institute files its report for a past year (again after a return); the supervising
department's reviewer of the region accepts, returns (with reasons) or forwards it; ``flag_missing`` flags a
filer without a report once the year's deadline has passed, once and with an event; ``remind`` a filer without
one whose deadline is near, once per organization and year. The rules are in
``registry.annual_reports``.
"""
from ttp_common.clock import china_date

from .. import annual_reports
from ..documents import AnnualReport, AnnualReportFinding, Organization
from .access import require_owner, require_reviewer

ANNUAL_REPORT_SUBMITTED = "registry.annual_report.submitted.v1"
ANNUAL_REPORT_MISSING = "registry.annual_report.missing.v1"
ANNUAL_REPORT_DUE_SOON = "registry.annual_report.due_soon.v1"
REVIEW_EVENTS = {"accept": "registry.annual_report.accepted.v1", "return": "registry.annual_report.returned.v1",
                 "forward": "registry.annual_report.forwarded.v1"}
DEALS = ("transfers", "licences", "equity_investments", "cooperation_contracts")


def submit(uow, body, principal, at):
    """File (or, after a return, file again) the report ``body`` (``AnnualReportIn``) for a past year."""
    require_owner(principal, body.organization_id)
    org = uow.get(Organization, body.organization_id)
    annual_reports.check_filer(org.kind)
    annual_reports.check_year(body.year, china_date(at))
    report_id = f"{org.id}:{body.year}"
    existing = uow.find_one(AnnualReport, {"_id": report_id})
    status = annual_reports.transition("submit", existing.status if existing else None)
    report = AnnualReport(id=report_id, organization_id=org.id, region_code=org.region_code, year=body.year,
                          status=status, record=body.model_dump(mode="json", exclude={"year", "organization_id"}),
                          late=annual_reports.is_late(body.year, china_date(at)), submitted_at=at)
    (uow.replace if existing else uow.insert)(report)
    uow.emit(ANNUAL_REPORT_SUBMITTED, {
        "report_id": report_id, "organization_id": org.id, "region_code": org.region_code,
        "supervising_department": org.supervising_department, "year": body.year, "late": report.late,
        **{f"{k}_count": getattr(body, k).count for k in DEALS},
        **{f"{k}_yuan": getattr(body, k).amount_yuan for k in DEALS},
        "rewards_paid_yuan": body.rewards_paid_yuan, "rewarded_people": body.rewarded_people,
    }, subject=report_id)
    return report


def review(uow, action, report_id, principal, at, reasons=None):
    """``accept``, ``return`` (with ``reasons``) or ``forward`` the report: a reviewer of its region, admins."""
    report = uow.get(AnnualReport, report_id, missing="no such report")
    require_reviewer(principal, report.region_code)
    report.status = annual_reports.transition(action, report.status)
    data = {"report_id": report.id, "organization_id": report.organization_id, "region_code": report.region_code,
            "year": report.year}
    if action == "return":
        report.return_reasons = reasons
        data["reasons"] = reasons
    elif action == "forward":
        report.forwarded_at = at
        data["late"] = china_date(at) > annual_reports.forwarding_deadline(report.year)
    uow.replace(report)
    uow.emit(REVIEW_EVENTS[action], data, subject=report.id)
    return report


def flag_missing(uow, organization, year, at):
    """Flag ``organization``'s missing report for ``year``, once, with an event; the report id, or None when
    it was flagged before."""
    report_id = f"{organization.id}:{year}"
    finding_id = f"missing|{report_id}"
    if uow.find_one(AnnualReportFinding, {"_id": finding_id}):
        return None
    uow.insert(AnnualReportFinding(id=finding_id, at=at))
    uow.emit(ANNUAL_REPORT_MISSING, {
        "report_id": report_id, "organization_id": organization.id, "region_code": organization.region_code,
        "supervising_department": organization.supervising_department, "year": year}, subject=report_id)
    return report_id


def reminder_id(report_id):
    return f"due_soon|{report_id}"


def remind(uow, organization, year, deadline, days_left, at):
    """Tell that ``organization``'s report for ``year`` is due on ``deadline`` in ``days_left`` days, once per
    organization and year, with an event (no person named); the report id, or None when it was reminded before."""
    report_id = f"{organization.id}:{year}"
    if uow.find_one(AnnualReportFinding, {"_id": reminder_id(report_id)}):
        return None
    uow.insert(AnnualReportFinding(id=reminder_id(report_id), at=at))
    uow.emit(ANNUAL_REPORT_DUE_SOON, {
        "report_id": report_id, "organization_id": organization.id, "region_code": organization.region_code,
        "year": year, "deadline": deadline, "days_left": days_left}, subject=report_id)
    return report_id
