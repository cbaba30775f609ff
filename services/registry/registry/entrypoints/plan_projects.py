"""Plan projects (科技计划项目) and their reporting compliance.

Reviewers register fiscal and other plan projects with the date their results are due; the
undertaking institution submits tech reports (科技报告); a registered achievement funded by the project
also fulfils the duty (see ``achievements``). A timer (every ``OVERDUE_CHECK_SECONDS``) and an admin
endpoint flag, once and with an event, every fiscal project past its due date with neither. The work is in
``registry.handlers.plan_projects``.
"""
from nameko.timer import timer

from ttp_common import auth, paging, regions
from ttp_common.auth import Roles
from ttp_common.clock import china_date
from ttp_common.endpoints import endpoint
from ttp_common.regions import RegionScope

from .. import schemas
from ..documents import PlanProject
from ..handlers import plan_projects as handlers
from ..plan_projects import PlanProjectIn, TechReportIn
from .common import INSTITUTIONS, OVERDUE_CHECK_SECONDS, REVIEWERS, SYSTEM

class PlanProjectQuery(paging.OffsetParams):
    overdue: bool | None = None
    region: RegionScope | None = None


class PlanProjectEntrypoints:
    """Plan projects, tech reports and the overdue check."""

    @endpoint("POST", "/api/v1/plan-projects", roles=REVIEWERS, body=PlanProjectIn, status=201,
              response="PlanProject", described="OK", errors=(409, 422),
              summary="Register a plan project (科技计划项目); reviewers of its region and administrators")
    def register_plan_project(self, ctx):
        return self.store.transact(handlers.register, ctx.body, ctx.principal, actor=ctx.actor).view()

    @endpoint("POST", "/api/v1/plan-projects/<string:project_id>/tech-reports", roles=INSTITUTIONS,
              body=TechReportIn, status=201, response="PlanProject", described="OK",
              summary="Submit a tech report (科技报告) for the project; its organization's institution")
    def submit_tech_report(self, ctx, project_id):
        return self.store.transact(handlers.submit_tech_report, project_id, ctx.body, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

    @endpoint("GET", "/api/v1/plan-projects", roles=REVIEWERS, query=PlanProjectQuery,
              response=paging.offset_page_schema("PlanProject"), described="A page, soonest due first",
              summary="Plan projects of the reviewer's region (admins: all); overdue=true lists compliance findings")
    def list_plan_projects(self, ctx):
        query = regions.query(auth.review_scope(ctx.principal, ctx.query.region))
        if ctx.query.overdue:
            query["overdue"] = True
        return paging.by_offset(self.store.collection(PlanProject), query, [("due_date", 1), ("_id", 1)], ctx.query,
                                lambda raw: self.store.load(PlanProject, raw).view())

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def check_overdue_projects(self):
        self._flag_overdue(china_date())

    @endpoint("POST", "/api/v1/plan-projects/overdue-check", roles=(Roles.ADMIN,), response=schemas.FLAGGED,
              described="Newly flagged projects",
              summary="Run the overdue check now (it also runs on a timer); administrators")
    def run_overdue_check(self, ctx):
        return {"flagged": self._flag_overdue(china_date(ctx.now))}

    def _flag_overdue(self, today):
        """Flag every fiscal project past its due date without achievement or report, once, with an event,
        each in a transaction of its own; the ids flagged."""
        candidates = self.store.collection(PlanProject).find(
            {"fiscal": True, "satisfied": False, "overdue": False, "due_date": {"$lt": today.isoformat()}}, {"_id": 1})
        flagged = [self.store.transact(handlers.flag_overdue, candidate["_id"], today, actor=SYSTEM)
                   for candidate in candidates]
        return [project_id for project_id in flagged if project_id]
