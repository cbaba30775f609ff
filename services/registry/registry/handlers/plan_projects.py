"""Plan projects (科技计划项目) and their reporting duty.

Reviewers of a region (or admins) register projects with the date their results are due; the undertaking
institution submits tech reports (科技报告), which fulfil the duty (as a registered achievement does, see
``registry.handlers.achievements``); ``flag_overdue`` flags a fiscal project past its due date with
neither, once and with an event. The rules are in ``registry.plan_projects``.
"""
import datetime as dt
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common import auth
from ttp_common.refusals import Conflict

from .. import plan_projects
from ..documents import PlanProject
from .access import require_owner

PLAN_PROJECT_REGISTERED = "registry.plan_project.registered.v1"
TECH_REPORT_SUBMITTED = "registry.plan_project.tech_report_submitted.v1"
PLAN_PROJECT_OVERDUE = "registry.plan_project.overdue.v1"


def register(uow, body, principal):
    """A new project from ``body`` (``PlanProjectIn``), registered by a reviewer of its region or an admin."""
    auth.require_region(principal, body.region_code)
    due = plan_projects.due_date(body.end_date, body.allowed_days)
    project = PlanProject(id=uuid.uuid4().hex, created_by=principal.sub, due_date=due.isoformat(),
                          end_date=body.end_date.isoformat(), **body.model_dump(exclude={"end_date", "allowed_days"}))
    try:
        uow.insert(project)
    except DuplicateKeyError:
        raise Conflict("a plan project with this code is already registered", field="code", detail="taken") from None
    uow.emit(PLAN_PROJECT_REGISTERED, {
        "plan_project_id": project.id, "code": body.code, "title": body.title,
        "organization_id": body.organization_id, "region_code": body.region_code, "fiscal": body.fiscal,
        "fiscal_funding_yuan": body.fiscal_funding_yuan, "end_date": body.end_date, "due_date": due,
    }, subject=project.id)
    return project


def submit_tech_report(uow, project_id, body, principal, at):
    """The project's institution submits a tech report (``TechReportIn``): the reporting duty is met."""
    project = uow.get(PlanProject, project_id)
    require_owner(principal, project.organization_id)
    project.tech_reports = list(project.tech_reports or []) + [
        {**body.model_dump(), "submitted_at": at.isoformat(), "submitted_by": principal.sub}]
    project.satisfied = True
    uow.replace(project)
    uow.emit(TECH_REPORT_SUBMITTED, {"plan_project_id": project.id, "organization_id": project.organization_id,
                                     "region_code": project.region_code, **body.model_dump()}, subject=project.id)
    return project


def flag_overdue(uow, project_id, today):
    """Flag the project overdue if it is (``today``: China's date), once, with an event; its id, or None."""
    project = uow.get(PlanProject, project_id)
    end, due = dt.date.fromisoformat(project.end_date), dt.date.fromisoformat(project.due_date)
    if not plan_projects.is_overdue(project.fiscal, end, (due - end).days, project.satisfied or project.overdue,
                                    today):
        return None
    project.overdue = True
    uow.replace(project)
    uow.emit(PLAN_PROJECT_OVERDUE, {"plan_project_id": project.id, "code": project.code,
                                    "organization_id": project.organization_id, "region_code": project.region_code,
                                    "due_date": due}, subject=project.id)
    return project.id
