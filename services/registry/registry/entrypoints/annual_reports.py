"""Annual transformation reports (年度报告, 财科教〔2017〕22号).

A university or institute files its report for a past year (again after a return); the filer, the
region's reviewers and admins read it; the supervising department's reviewer lists the region's reports
(by year and status, with those not forwarded by 31 March flagged), accepts, returns (with reasons) or
forwards them. A timer (every ``OVERDUE_CHECK_SECONDS``) and an admin endpoint flag, once and
with an event, every filer without a report once the year's filing deadline has passed. The rules are
in ``registry.annual_reports``.
"""

from nameko.timer import timer

from ttp_common import auth, web
from ttp_common.errors import NotFound, ValidationFailed
from ttp_common.reference import china_date
from ttp_common.web import http

from .. import annual_reports
from ..documents import AnnualReport, Organization, now_ms
from .common import OVERDUE_CHECK_SECONDS, SYSTEM, RegistryHelpers

ANNUAL_REPORT_SUBMITTED = "registry.annual_report.submitted.v1"
REPORT_REVIEW_EVENTS = {"accept": "registry.annual_report.accepted.v1", "return": "registry.annual_report.returned.v1",
                        "forward": "registry.annual_report.forwarded.v1"}
DEALS = ("transfers", "licences", "equity_investments", "cooperation_contracts")


class AnnualReportEntrypoints(RegistryHelpers):
    """Annual reports, their review and the missing-report check."""

    @http("POST", "/api/v1/annual-reports")
    @web.api
    def submit_annual_report(self, request):
        """A university or institute files (or, after a return, files again) its report for a past year."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, annual_reports.AnnualReportIn)
        auth.require_org(principal, body.organization_id)
        now = now_ms()
        report_id = f"{body.organization_id}:{body.year}"

        def work(uow):
            org_doc = uow.db[Organization._get_collection_name()].find_one({"_id": body.organization_id},
                                                                           session=uow.session)
            if org_doc is None:
                raise NotFound("no such organization")
            org = Organization._from_son(org_doc)
            annual_reports.check_filer(org.kind)
            annual_reports.check_year(body.year, china_date(now))
            existing = uow.db[AnnualReport._get_collection_name()].find_one({"_id": report_id}, session=uow.session)
            status = annual_reports.transition("submit", existing["status"] if existing else None)
            report = AnnualReport(id=report_id, organization_id=org.id, region_code=org.region_code, year=body.year,
                                  status=status, record=body.model_dump(mode="json", exclude={"year", "organization_id"}),
                                  late=annual_reports.is_late(body.year, china_date(now)), submitted_at=now)
            (uow.replace if existing else uow.insert)(report)
            uow.emit(ANNUAL_REPORT_SUBMITTED, {
                "report_id": report_id, "organization_id": org.id, "region_code": org.region_code,
                "supervising_department": org.supervising_department, "year": body.year, "late": report.late,
                **{f"{k}_count": getattr(body, k).count for k in DEALS},
                **{f"{k}_yuan": getattr(body, k).amount_yuan for k in DEALS},
                "rewards_paid_yuan": body.rewards_paid_yuan, "rewarded_people": body.rewarded_people,
            }, subject=report_id)
            return report

        return web.json_response(self._act(work, request, principal).view(), status=201)

    @http("GET", "/api/v1/annual-reports")
    @web.api
    def list_annual_reports(self, request):
        """Reports of the reviewer's region (admins: all) by ``year``, ``status`` and ``forwarding_overdue``,
        oldest filing first; each says whether it is past the 31 March forwarding deadline."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        today = china_date()
        query = self._region_filter(request, principal)
        year = web.query_param(request, "year", type=int)
        if year is not None:
            if not 2000 <= year <= today.year:
                raise ValidationFailed.at("year", f"must be a year from 2000 to {today.year}")
            query["year"] = year
        status = web.query_param(request, "status", choices=annual_reports.STATUSES)
        if status:
            query["status"] = status
        overdue = web.query_param(request, "forwarding_overdue", type=bool)
        if overdue is not None:
            last = annual_reports.last_year_past_forwarding(today)
            query["$or"] = ([{"status": {"$ne": "forwarded"}, "year": {"$lte": last}}] if overdue else
                            [{"status": "forwarded"}, {"year": {"$gt": last}}])

        def view(report):
            return {**report.view(), "forwarding_deadline": annual_reports.forwarding_deadline(report.year),
                    "forwarding_overdue": annual_reports.forwarding_overdue(report.year, report.status, today)}

        return web.json_response(self._page(request, AnnualReport, query, [("submitted_at", 1), ("_id", 1)], view))

    @http("GET", "/api/v1/annual-reports/<string:report_id>")
    @web.api
    def get_annual_report(self, request, report_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        doc = self.store.db[AnnualReport._get_collection_name()].find_one({"_id": str(report_id)})
        if doc is None:
            raise NotFound("no such report")
        report = AnnualReport._from_son(doc)
        allowed = (principal.role == auth.Roles.ADMIN
                   or (principal.role == auth.Roles.INSTITUTION and principal.org == report.organization_id)
                   or (principal.role == auth.Roles.REVIEWER and auth.region_covers(principal.region, report.region_code)))
        if not allowed:  # not theirs: as if it did not exist
            raise NotFound("no such report")
        return web.json_response(report.view())

    @http("POST", "/api/v1/annual-reports/<string:report_id>/<string:action>")
    @web.api
    def review_annual_report(self, request, report_id, action):
        """accept, return (with reasons) or forward: the supervising department's reviewer of the region, admins."""
        if action not in ("accept", "return", "forward"):
            raise NotFound(f"no action {action!r}; one of: accept, return, forward")
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, annual_reports.ReturnReportIn) if action == "return" else None
        now = now_ms()

        def work(uow):
            doc = uow.db[AnnualReport._get_collection_name()].find_one({"_id": str(report_id)}, session=uow.session)
            if doc is None:
                raise NotFound("no such report")
            report = AnnualReport._from_son(doc)
            if principal.role == auth.Roles.REVIEWER:
                auth.require_region(principal, report.region_code)
            report.status = annual_reports.transition(action, report.status)
            data = {"report_id": report.id, "organization_id": report.organization_id,
                    "region_code": report.region_code, "year": report.year}
            if action == "return":
                report.return_reasons = body.reasons
                data["reasons"] = body.reasons
            elif action == "forward":
                report.forwarded_at = now
                data["late"] = china_date(now) > annual_reports.forwarding_deadline(report.year)
            uow.replace(report)
            uow.emit(REPORT_REVIEW_EVENTS[action], data, subject=report.id)
            return report

        return web.json_response(self._act(work, request, principal).view())

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def check_missing_annual_reports(self):
        today = china_date()
        self._flag_missing_reports(today.year - 1, today)

    @http("POST", "/api/v1/annual-reports/missing-check")
    @web.api
    def run_missing_report_check(self, request):
        """Flag now the filers without a report for ``year`` (default: last year) once its deadline passed; admins."""
        auth.require(self.principal(request), auth.Roles.ADMIN)
        today = china_date()
        year = web.query_param(request, "year", type=int, default=today.year - 1)
        if not 2000 <= year <= today.year:
            raise ValidationFailed.at("year", f"must be a year from 2000 to {today.year}")
        return web.json_response({"year": year, "flagged": self._flag_missing_reports(year, today)})

    def _flag_missing_reports(self, year, today):
        if today <= annual_reports.filing_deadline(year):
            return []
        filed = {d["organization_id"] for d in self.store.db[AnnualReport._get_collection_name()].find(
            {"year": year}, {"organization_id": 1})}
        flagged = []
        for org_doc in self.store.db[Organization._get_collection_name()].find(
                {"kind": {"$in": list(annual_reports.FILERS)}}):
            if org_doc["_id"] in filed:
                continue
            report_id = f"{org_doc['_id']}:{year}"

            def work(uow, org_doc=org_doc, report_id=report_id):
                findings = uow.db["annual_report_findings"]
                if findings.find_one({"_id": f"missing|{report_id}"}, session=uow.session):
                    return None  # flagged before
                findings.insert_one({"_id": f"missing|{report_id}", "at": now_ms()}, session=uow.session)
                uow.emit("registry.annual_report.missing.v1", {
                    "report_id": report_id, "organization_id": org_doc["_id"], "region_code": org_doc["region_code"],
                    "supervising_department": org_doc.get("supervising_department"), "year": year}, subject=report_id)
                return report_id

            if self.store.transact(work, actor=SYSTEM):
                flagged.append(report_id)
        return flagged
