"""Annual transformation reports (年度报告, 财科教〔2017〕22号).

A university or institute files its report for a past year (again after a return); the filer, the
region's reviewers, its supervising department (a ``supervisor`` of the department's organization) and admins
read it; the supervising department's reviewer lists the region's reports
(by year and status, with those not forwarded by 31 March flagged), accepts, returns (with reasons) or
forwards them. A timer (every ``OVERDUE_CHECK_SECONDS``) and an admin endpoint flag, once and
with an event, every filer without a report once the year's filing deadline has passed, and (the same timer, and
``POST …/reminder-check``) remind, once per organization and year, every filer without a report from
``ANNUAL_REPORT_REMINDER_DAYS`` (config, default 30) days before that deadline. The work is in
``registry.handlers.annual_reports``, the rules in ``registry.annual_reports``.
"""
from typing import Literal

from nameko.timer import timer
from pydantic import Field, field_validator

from ttp_common import auth, clock, paging, regions
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint
from ttp_common.models import Query
from ttp_common.refusals import NotFound
from ttp_common.regions import RegionScope

from .. import annual_reports, schemas
from ..annual_reports import AnnualReportIn, ReturnReportIn
from ..documents import AnnualReport, AnnualReportFinding, Organization
from ..handlers import annual_reports as handlers
from ..handlers.access import may_see, supervised_by, supervises
from .common import INSTITUTIONS, OVERDUE_CHECK_SECONDS, REVIEWERS, SYSTEM

ONE = "/api/v1/annual-reports/<string:report_id>"


def _reported_year(year):
    """A year from 2000 to this one (China's calendar)."""
    this_year = clock.china_date().year
    if year is not None and not 2000 <= year <= this_year:
        raise ValueError(f"must be a year from 2000 to {this_year}")
    return year


class AnnualReportQuery(paging.OffsetParams):
    year: int | None = Field(None, ge=2000)
    status: Literal[annual_reports.STATUSES] | None = None
    forwarding_overdue: bool | None = None
    region: RegionScope | None = None

    check_year = field_validator("year")(_reported_year)


class MissingCheckQuery(Query):
    year: int | None = None  # default: last year

    check_year = field_validator("year")(_reported_year)


def _review_summary(action):
    return f"{action} the report (supervising department: the region's reviewer, admins)"


class AnnualReportEntrypoints:
    """Annual reports, their review and the missing-report check."""

    @endpoint("POST", "/api/v1/annual-reports", roles=INSTITUTIONS, body=AnnualReportIn, status=201,
              described="Filed", errors=(404, 409),
              summary="File (or file again after a return) the annual transformation report (年度报告) for a past "
                      "year; universities and institutes for their own organization; late after 28 February")
    def submit_annual_report(self, ctx):
        return self.store.transact(handlers.submit, ctx.body, ctx.principal, ctx.now, actor=ctx.actor).view()

    @endpoint("GET", "/api/v1/annual-reports", roles=(Roles.REVIEWER, Roles.SUPERVISOR, Roles.ADMIN),
              query=AnnualReportQuery, response=schemas.ANNUAL_REPORT_PAGE, described="A page",
              summary="Reports of the reviewer's region (or `region` within it; administrators: all; a supervising "
                      "department: its organizations'), oldest filing first, each flagged when not forwarded by "
                      "31 March")
    def list_annual_reports(self, ctx):
        q, today = ctx.query, clock.china_date(ctx.now)
        query = regions.query(auth.review_scope(ctx.principal, q.region))
        if ctx.principal.role == Roles.SUPERVISOR:
            query["organization_id"] = {"$in": supervised_by(self.store, ctx.principal)}
        query.update({field: value for field, value in (("year", q.year), ("status", q.status)) if value is not None})
        if q.forwarding_overdue is not None:
            last = annual_reports.last_year_past_forwarding(today)
            query["$or"] = ([{"status": {"$ne": "forwarded"}, "year": {"$lte": last}}] if q.forwarding_overdue else
                            [{"status": "forwarded"}, {"year": {"$gt": last}}])

        def view(raw):
            report = self.store.load(AnnualReport, raw)
            return {**report.view(), "forwarding_deadline": annual_reports.forwarding_deadline(report.year),
                    "forwarding_overdue": annual_reports.forwarding_overdue(report.year, report.status, today)}

        return paging.by_offset(self.store.collection(AnnualReport), query, [("submitted_at", 1), ("_id", 1)], q, view)

    @endpoint("GET", ONE, roles=(Roles.INSTITUTION, Roles.REVIEWER, Roles.SUPERVISOR, Roles.ADMIN),
              described="The report",
              summary="One report ('<organization_id>:<year>'): its organization, the region's reviewer, its "
                      "organization's supervising department, admins")
    def get_annual_report(self, ctx, report_id):
        report = self.store.get(AnnualReport, report_id, missing="no such report")
        if ctx.principal.role == Roles.SUPERVISOR:
            seen = supervises(self.store, ctx.principal, report.organization_id)
        else:
            seen = may_see(ctx.principal, report.organization_id, report.region_code)
        if not seen:
            raise NotFound("no such report")  # not theirs: as if it did not exist
        return report.view()

    @endpoint("POST", f"{ONE}/accept", roles=REVIEWERS, described="Updated", errors=(409,),
              summary=_review_summary("accept"))
    def accept_annual_report(self, ctx, report_id):
        return self.store.transact(handlers.review, "accept", report_id, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

    @endpoint("POST", f"{ONE}/return", roles=REVIEWERS, body=ReturnReportIn, described="Updated", errors=(409,),
              summary=_review_summary("return"))
    def return_annual_report(self, ctx, report_id):
        return self.store.transact(handlers.review, "return", report_id, ctx.principal, ctx.now,
                                   reasons=ctx.body.reasons, actor=ctx.actor).view()

    @endpoint("POST", f"{ONE}/forward", roles=REVIEWERS, described="Updated", errors=(409,),
              summary=_review_summary("forward"))
    def forward_annual_report(self, ctx, report_id):
        return self.store.transact(handlers.review, "forward", report_id, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def check_missing_annual_reports(self):
        now = clock.now_ms()
        today = clock.china_date(now)
        self._flag_missing_reports(today.year - 1, today, now)

    @endpoint("POST", "/api/v1/annual-reports/missing-check", roles=(Roles.ADMIN,), query=MissingCheckQuery,
              described="Newly flagged report ids",
              summary="Flag now the universities and institutes without a report for `year` once its deadline "
                      "passed (also on a timer); admins")
    def run_missing_report_check(self, ctx):
        today = clock.china_date(ctx.now)
        year = today.year - 1 if ctx.query.year is None else ctx.query.year
        return {"year": year, "flagged": self._flag_missing_reports(year, today, ctx.now)}

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def check_annual_report_deadlines(self):
        now = clock.now_ms()
        self._remind_filers(clock.china_date(now), now)

    @endpoint("POST", "/api/v1/annual-reports/reminder-check", roles=(Roles.ADMIN,),
              described="The next filing deadline and the report ids newly reminded",
              summary="Remind now, once per organization and year, the universities and institutes without a report "
                      "whose filing deadline (28 February) is at most `ANNUAL_REPORT_REMINDER_DAYS` days away (also "
                      "on a timer); admins")
    def run_report_reminder_check(self, ctx):
        today = clock.china_date(ctx.now)
        year = annual_reports.next_filing_year(today)
        deadline = annual_reports.filing_deadline(year)
        return {"year": year, "deadline": deadline.isoformat(), "days_left": (deadline - today).days,
                "reminder_days": self._reminder_days(), "reminded": self._remind_filers(today, ctx.now)}

    def _reminder_days(self):
        return annual_reports.reminder_days(self.config.get("ANNUAL_REPORT_REMINDER_DAYS",
                                                            annual_reports.DEFAULT_REMINDER_DAYS))

    def _remind_filers(self, today, at):
        """Remind every university and institute without a report whose deadline is near, each in a transaction of
        its own; the report ids reminded."""
        due = annual_reports.due_soon(today, self._reminder_days())
        if due is None:
            return []
        year, deadline, left = due
        filed = {doc["organization_id"] for doc in self.store.collection(AnnualReport).find(
            {"year": year}, {"organization_id": 1})}
        filers = self.store.find(Organization, {"kind": {"$in": list(annual_reports.FILERS)}})
        ids = {handlers.reminder_id(f"{org.id}:{year}"): org.id for org in filers}
        reminded = {ids[doc["_id"]] for doc in self.store.collection(AnnualReportFinding).find(
            {"_id": {"$in": list(ids)}}, {"_id": 1})}
        done = [self.store.transact(handlers.remind, org, year, deadline, left, at, actor=SYSTEM)
                for org in annual_reports.to_remind(filers, filed, reminded)]
        return [report_id for report_id in done if report_id]

    def _flag_missing_reports(self, year, today, at):
        """Flag every university and institute without a report for ``year`` once its filing deadline has
        passed, each in a transaction of its own; the report ids flagged."""
        if today <= annual_reports.filing_deadline(year):
            return []
        filed = {doc["organization_id"] for doc in self.store.collection(AnnualReport).find(
            {"year": year}, {"organization_id": 1})}
        filers = self.store.find(Organization, {"kind": {"$in": list(annual_reports.FILERS)}})
        flagged = [self.store.transact(handlers.flag_missing, org, year, at, actor=SYSTEM)
                   for org in filers if org.id not in filed]
        return [report_id for report_id in flagged if report_id]
