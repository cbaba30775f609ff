"""Transformation projects (科技成果转化项目): proposing one, and its lifecycle.

The undertaking institution (or an admin) proposes, starts and advances its project; a reviewer of the
project's region (or an admin) approves, completes and terminates it. Approval is announced once per project
(the plan's 2,000-project target counts it). The rules are in ``finance.projects``.
"""
import uuid

from ttp_common import auth, clock, money

from .. import projects
from ..documents import TransformationProject
from . import replace_unchanged, replica

PROPOSED = "finance.transformation_project.proposed.v1"
APPROVED = projects.TRANSITIONS["approve"].event
APPROVAL_FIELDS = ("title", "category", "programme", "region_code", "organization_id", "responsible_department",
                   "achievement_ids")


def propose(uow, body, principal, at):
    """A new proposed project from ``body`` (``TransformationProjectIn``) of the caller's organization, naming
    only achievements the replica holds and not withdrawn (``ttp_common.links``)."""
    auth.require_org(principal, body.organization_id)
    replica.check_links(uow, body.achievement_ids)
    project = TransformationProject(id=uuid.uuid4().hex, status="proposed", proposed_at=at, updated_at=at,
                                    proposed_by=principal.sub, **body.model_dump())
    uow.insert(project)
    uow.emit(PROPOSED, {"project_id": project.id, **body.model_dump(), "budget": money.exact_fen(body.budget),
                        "proposed_at": at}, subject=project.id)
    return project


def approve(uow, project_id, principal, at):
    def change(project, previous):
        project.approved_at, project.approved_by = at, principal.sub
        return {"project_id": project.id, **{k: project[k] for k in APPROVAL_FIELDS},
                "budget": money.exact_fen(project.budget), "approved_at": at,
                "effective_date": clock.china_date(at)}

    return _transition(uow, "approve", project_id, principal, at, change)


def start(uow, project_id, principal, at):
    def change(project, previous):
        project.started_at = at
        return {**_base(project), "stage": project.stage, "started_at": at}

    return _transition(uow, "start", project_id, principal, at, change)


def advance(uow, project_id, stage, principal, at):
    """Move a running project to a later ``stage``."""
    def change(project, previous):
        projects.check_advance(project.stage, stage)
        data = {**_base(project), "from_stage": project.stage, "stage": stage, "advanced_at": at}
        project.stage = stage
        return data

    return _transition(uow, "advance", project_id, principal, at, change)


def complete(uow, project_id, summary, principal, at):
    def change(project, previous):
        project.completed_at, project.completion_summary = at, summary
        return {**_base(project), "category": project.category, "programme": project.programme,
                "stage": project.stage, "summary": summary, "completed_at": at}

    return _transition(uow, "complete", project_id, principal, at, change)


def terminate(uow, project_id, reason, principal, at):
    def change(project, previous):
        project.terminated_at, project.termination_reason = at, reason
        return {**_base(project), "from_status": previous, "reason": reason, "terminated_at": at}

    return _transition(uow, "terminate", project_id, principal, at, change)


def _base(project):
    return {"project_id": project.id, "organization_id": project.organization_id, "region_code": project.region_code}


def _transition(uow, action, project_id, principal, at, change):
    """Take ``action`` on the project: who may (its institution or its region's reviewer), from which status,
    then ``change(project, previous status)`` sets what the action sets and gives the event's data."""
    t = projects.TRANSITIONS[action]
    project = uow.get(TransformationProject, project_id, missing="no such project")
    if t.actor == projects.OWNER:
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        auth.require_org(principal, project.organization_id)
    else:
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        auth.require_region(principal, project.region_code)
    previous, stage = project.status, project.stage
    projects.transition(action, previous)
    project.status, project.updated_at = t.target, at
    data = change(project, previous)
    # One approval (one counted event) per project: a racing transition conflicts and re-runs, refused.
    replace_unchanged(uow, project, {"status": previous, "stage": stage}, "the project changed meanwhile; reload it")
    uow.emit(t.event, data, subject=project.id)
    return project
