"""Transformation projects (科技成果转化项目) under the plan's 15 special programmes: proposing, the
lifecycle (one operation per action) and the listings. The work is in ``finance.handlers.projects``."""
from typing import Literal

from pydantic import Field

from ttp_common import auth, clock, paging, regions
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint
from ttp_common.history import load_rows
from ttp_common.refusals import Invalid, NotFound
from ttp_common.regions import RegionScope

from .. import history
from ..documents import TransformationProject
from ..fields import ReasonIn
from ..handlers import history as history_handlers, projects as handlers
from ..projects import CATEGORIES, PUBLIC_STATUSES, STATUSES, CompleteIn, StageIn, TransformationProjectIn
from .common import is_department, page

PATH = "/api/v1/transformation-projects"
ONE = f"{PATH}/<string:project_id>"
# Who passes the role check of an action; the project then decides (its institution, or its region's reviewer).
EITHER_SIDE = (Roles.INSTITUTION, Roles.REVIEWER, Roles.ADMIN)
NEWEST = [("proposed_at", -1), ("_id", -1)]


class ProjectQuery(paging.OffsetParams):
    programme: int | None = Field(None, ge=1, le=15)
    category: Literal[tuple(CATEGORIES)] | None = None
    region: RegionScope | None = None
    status: Literal[STATUSES] | None = None
    mine: bool | None = None
    achievement_id: str | None = Field(None, min_length=1, max_length=64, description="projects naming this achievement")


class ProjectEntrypoints:
    """Transformation projects."""

    @endpoint("POST", PATH, roles=(Roles.INSTITUTION, Roles.ADMIN), body=TransformationProjectIn, status=201,
              response="TransformationProject", errors=(404, 409, 422),
              summary="Propose a transformation project (institution of the organization, admin)",
              description="Every achievement_ids entry must be known from the registry's events, registered or "
                          "published: 422 unknown_link naming each entry otherwise (withdrawn ones included); an "
                          "achievement registered moments ago may not have arrived yet (retry).")
    def propose_project(self, ctx):
        project = self.store.transact(handlers.propose, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(project.public(), f"{PATH}/{project.id}")

    @endpoint("POST", f"{PATH}/history", roles=(Roles.REVIEWER, Roles.ADMIN), body=history.HistoryIn,
              max_body_bytes=5_000_000, response={"type": "object"},
              described="One result per row, in order: created, exists or rejected with errors",
              summary=f"Load up to {history.MAX_ROWS} transformation projects approved in an earlier system "
                      "(历史科技成果转化项目), each with its original project number (立项编号, ZH + year + programme + "
                      "serial) and approval date (years before this one): reviewers of their region, admins. Each row "
                      "is checked on its own and created once, approved (its id derives from its number); its event "
                      "says imported and counts on its approval date toward the 2,000-project target")
    def import_project_history(self, ctx):
        today = clock.china_date()
        region = None if ctx.principal.role == Roles.ADMIN else ctx.principal.region
        return load_rows(self.store, ctx.body.rows, lambda raw: history.read_row(raw, today, region),
                         history_handlers.import_project, ctx.principal, ctx.now, actor=ctx.actor)

    @endpoint("POST", f"{ONE}/approve", roles=EITHER_SIDE, response="TransformationProject", errors=(409,),
              summary="Approve a proposed project (reviewer of its region, admin)",
              description="Emits finance.transformation_project.approved.v1 once, the event the plan's 2,000-project "
                          "target counts.")
    def approve_project(self, ctx, project_id):
        return self.store.transact(handlers.approve, project_id, ctx.principal, ctx.now, actor=ctx.actor).public()

    @endpoint("POST", f"{ONE}/start", roles=EITHER_SIDE, response="TransformationProject", errors=(409,),
              summary="Start an approved project (the undertaking institution, admin)")
    def start_project(self, ctx, project_id):
        return self.store.transact(handlers.start, project_id, ctx.principal, ctx.now, actor=ctx.actor).public()

    @endpoint("POST", f"{ONE}/advance", roles=EITHER_SIDE, body=StageIn, response="TransformationProject",
              errors=(409,), summary="Move a running project to a later stage (the undertaking institution, admin)",
              description="Stages only move forward: pilot, scale_up, industrialisation.")
    def advance_project(self, ctx, project_id):
        return self.store.transact(handlers.advance, project_id, ctx.body.stage, ctx.principal, ctx.now,
                                   actor=ctx.actor).public()

    @endpoint("POST", f"{ONE}/complete", roles=EITHER_SIDE, body=CompleteIn, response="TransformationProject",
              errors=(409,), summary="Complete a running project (reviewer of its region, admin)")
    def complete_project(self, ctx, project_id):
        return self.store.transact(handlers.complete, project_id, ctx.body.summary, ctx.principal, ctx.now,
                                   actor=ctx.actor).public()

    @endpoint("POST", f"{ONE}/terminate", roles=EITHER_SIDE, body=ReasonIn, response="TransformationProject",
              errors=(409,), summary="Terminate a project that is not completed (reviewer of its region, admin)")
    def terminate_project(self, ctx, project_id):
        return self.store.transact(handlers.terminate, project_id, ctx.body.reason, ctx.principal, ctx.now,
                                   actor=ctx.actor).public()

    @endpoint("GET", ONE, response="TransformationProject", errors=(401,), summary="A transformation project")
    def get_project(self, ctx, project_id):
        """Approved, running and completed projects are public; the others to their owner and department."""
        project = self.store.get(TransformationProject, project_id, missing="no such project")
        principal = ctx.principal
        may_see = (principal.role == Roles.INSTITUTION and principal.org == project.organization_id) \
            or is_department(principal, project.region_code)
        if project.status not in PUBLIC_STATUSES and not may_see:
            raise NotFound("no such project")
        return project.public()

    @endpoint("GET", PATH, query=ProjectQuery, response="TransformationProjectPage", errors=(401, 403),
              summary="List transformation projects (public: approved, in progress, completed)")
    def list_projects(self, ctx):
        """Public projects by programme, category, region, status; ``mine=true`` for an institution's own (any
        status); a reviewer's list is of their scope (any status), an admin's of everything."""
        q, principal = ctx.query, ctx.principal
        query = {field: value for field, value in (("programme", q.programme), ("category", q.category),
                                                   ("status", q.status), ("achievement_ids", q.achievement_id))
                 if value is not None}
        region = q.region
        if q.mine:
            auth.require(principal, Roles.INSTITUTION)
            query["organization_id"] = principal.org
        elif principal.role == Roles.REVIEWER:
            region = auth.review_scope(principal, q.region)
        elif principal.role != Roles.ADMIN:
            if query.get("status", "approved") not in PUBLIC_STATUSES:
                raise Invalid(f"public callers see: {', '.join(PUBLIC_STATUSES)}", field="status")
            query.setdefault("status", {"$in": list(PUBLIC_STATUSES)})
        return page(self.store, TransformationProject, query | regions.query(region), NEWEST, q)
