"""Plan projects (科技计划项目) and their reporting compliance.

Reviewers register fiscal and other plan projects with the date their results are due; the
undertaking institution submits tech reports (科技报告); a registered achievement funded by the project
also fulfils the duty (see ``achievements``). A timer (every ``OVERDUE_CHECK_SECONDS``) and an admin
endpoint flag, once and with an event, every fiscal project past its due date with neither.
"""
import datetime as dt
import uuid

from nameko.timer import timer
from pymongo.errors import DuplicateKeyError

from ttp_common import auth, web
from ttp_common.errors import Conflict, NotFound, field_error
from ttp_common.reference import china_date
from ttp_common.web import http

from .. import plan_projects
from ..documents import PlanProject, now_ms
from .common import OVERDUE_CHECK_SECONDS, SYSTEM, RegistryHelpers

PLAN_PROJECT_REGISTERED = "registry.plan_project.registered.v1"
TECH_REPORT_SUBMITTED = "registry.plan_project.tech_report_submitted.v1"
PLAN_PROJECT_OVERDUE = "registry.plan_project.overdue.v1"


class PlanProjectEntrypoints(RegistryHelpers):
    """Plan projects, tech reports and the overdue check."""

    @http("POST", "/api/v1/plan-projects")
    @web.api
    def register_plan_project(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, plan_projects.PlanProjectIn)
        if principal.role == auth.Roles.REVIEWER:
            auth.require_region(principal, body.region_code)
        due = plan_projects.due_date(body.end_date, body.allowed_days)
        project = PlanProject(
            id=uuid.uuid4().hex, created_by=principal.sub, due_date=due.isoformat(),
            end_date=body.end_date.isoformat(),
            **body.model_dump(exclude={"end_date", "allowed_days"}))

        def work(uow):
            uow.insert(project)
            uow.emit(PLAN_PROJECT_REGISTERED, {
                "plan_project_id": project.id, "code": body.code, "title": body.title,
                "organization_id": body.organization_id, "region_code": body.region_code, "fiscal": body.fiscal,
                "fiscal_funding_yuan": body.fiscal_funding_yuan, "end_date": body.end_date, "due_date": due,
            }, subject=project.id)

        try:
            self.store.transact(work, actor=self.actor(request, principal))
        except DuplicateKeyError:
            raise Conflict("a plan project with this code is already registered", [field_error("code", "taken")])
        return web.json_response(project.view(), status=201)

    @http("POST", "/api/v1/plan-projects/<string:project_id>/tech-reports")
    @web.api
    def submit_tech_report(self, request, project_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, plan_projects.TechReportIn)

        def work(uow):
            doc = uow.db[PlanProject._get_collection_name()].find_one({"_id": str(project_id)}, session=uow.session)
            if doc is None:
                raise NotFound("no such plan project")
            project = PlanProject._from_son(doc)
            auth.require_org(principal, project.organization_id)
            project.tech_reports = list(project.tech_reports or []) + [
                {**body.model_dump(), "submitted_at": now_ms().isoformat(), "submitted_by": principal.sub}]
            project.satisfied = True
            uow.replace(project)
            uow.emit(TECH_REPORT_SUBMITTED, {"plan_project_id": project.id, "organization_id": project.organization_id,
                                             "region_code": project.region_code, **body.model_dump()},
                     subject=project.id)
            return project

        return web.json_response(self.store.transact(work, actor=self.actor(request, principal)).view(), status=201)

    @http("GET", "/api/v1/plan-projects")
    @web.api
    def list_plan_projects(self, request):
        """Reviewers see their region's projects, admins all; ``overdue=true`` lists the compliance findings."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        query = {}
        if web.query_param(request, "overdue", type=bool):
            query["overdue"] = True
        region = web.query_param(request, "region")
        if principal.role == auth.Roles.REVIEWER:
            region = region or principal.region
            auth.require_region(principal, region)
        if region and region != "510000":  # the province's code means every division
            query["region_code"] = region
        docs = self.store.db[PlanProject._get_collection_name()].find(query).sort("due_date", 1).limit(500)
        return web.json_response({"items": [PlanProject._from_son(d).view() for d in docs]})

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def check_overdue_projects(self):
        self._flag_overdue(china_date())

    @http("POST", "/api/v1/plan-projects/overdue-check")
    @web.api
    def run_overdue_check(self, request):
        """Run the compliance check now (it also runs every OVERDUE_CHECK_SECONDS); admins."""
        auth.require(self.principal(request), auth.Roles.ADMIN)
        return web.json_response({"flagged": self._flag_overdue(china_date())})

    def _flag_overdue(self, today):
        """Flag every fiscal project past its due date without achievement or report, once, with an event."""
        projects = self.store.db[PlanProject._get_collection_name()]
        candidates = projects.find({"fiscal": True, "satisfied": False, "overdue": False,
                                    "due_date": {"$lt": today.isoformat()}}, {"_id": 1})
        flagged = []
        for candidate in candidates:
            def work(uow, project_id=candidate["_id"]):
                doc = uow.db[PlanProject._get_collection_name()].find_one({"_id": project_id}, session=uow.session)
                project = PlanProject._from_son(doc)
                if not plan_projects.is_overdue(project.fiscal, dt.date.fromisoformat(project.end_date),
                                                (dt.date.fromisoformat(project.due_date)
                                                 - dt.date.fromisoformat(project.end_date)).days,
                                                project.satisfied or project.overdue, today):
                    return None
                project.overdue = True
                uow.replace(project)
                uow.emit(PLAN_PROJECT_OVERDUE, {"plan_project_id": project.id, "code": project.code,
                                                "organization_id": project.organization_id,
                                                "region_code": project.region_code,
                                                "due_date": dt.date.fromisoformat(project.due_date)},
                         subject=project.id)
                return project.id

            project_id = self.store.transact(work, actor=SYSTEM)
            if project_id:
                flagged.append(project_id)
        return flagged
