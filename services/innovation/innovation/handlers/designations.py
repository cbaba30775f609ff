"""Demonstration designations (示范认定): a provincial reviewer opens a call; an organization applies; a reviewer
of the applicant's region checks eligibility, draws the expert panel (from the talent pool, none of the
applicant's organization) and records the experts' sheets; a provincial reviewer decides and assesses the
designation each year. The rules are in ``innovation.designations``; each step is one event.
"""
import datetime as dt
import uuid
from decimal import Decimal

from ttp_common import auth, clock, regions
from ttp_common.refusals import Conflict, Invalid, NotFound
from ttp_common.regions import PROVINCE

from .. import designations as rules
from ..documents import Designation, DesignationApplication, DesignationCall, OrganizationReplica
from . import replace_unchanged

CALL_OPENED = "innovation.designation_call.opened.v1"
SUBMITTED = "innovation.designation_application.submitted.v1"
CHECKED = "innovation.designation_application.eligibility_checked.v1"
PANEL_DRAWN = "innovation.designation_application.panel_drawn.v1"
SCORED = "innovation.designation_application.scored.v1"
DECIDED = "innovation.designation_application.decided.v1"
GRANTED = "innovation.designation.granted.v1"
ASSESSED = "innovation.designation.assessed.v1"
CHANGED = "the application changed meanwhile; read it again"


def open_call(uow, body, principal, at):
    """A call of the department: a provincial reviewer (region 510000) or an admin."""
    auth.require_region(principal, PROVINCE)
    criteria = [c.model_dump() for c in body.criteria]
    call = DesignationCall(id=uuid.uuid4().hex, opened_at=at, opened_by=principal.sub,
                           **body.model_dump(exclude={"criteria", "closes_on"}), criteria=criteria,
                           closes_on=body.closes_on.isoformat())
    uow.insert(call)
    uow.emit(CALL_OPENED, {"call_id": call.id, "kind": call.kind, "year": call.year, "title": call.title,
                           "criteria": criteria, "pass_score": call.pass_score, "keep_score": call.keep_score,
                           "panel_size": call.panel_size, "expert_field": call.expert_field,
                           "closes_on": body.closes_on, "opened_at": at}, subject=call.id)
    return call


def apply(uow, call_id, body, principal, at):
    """An organization's application (``ApplicationIn``) by its own staff (or an admin), by the closing date,
    once per call."""
    call = uow.get(DesignationCall, call_id, missing="no such call")
    auth.require_org(principal, body.organization_id)
    rules.check_open(dt.date.fromisoformat(call.closes_on), clock.china_date(at))
    rules.check_county(call.kind, body.county_code)
    rules.check_statement_codes(body.statements, call.criteria)
    organization = uow.find_one(OrganizationReplica, {"_id": body.organization_id})
    if organization is None:
        raise Invalid("not an organization the registry has announced", field="organization_id")
    one_key = f"{call.id}|{body.organization_id}"
    if uow.find_one(DesignationApplication, {"one_key": one_key}) is not None:
        raise Conflict("the organization has already applied to this call")
    application = DesignationApplication(
        id=uuid.uuid4().hex, call_id=call.id, kind=call.kind, year=call.year, organization_id=body.organization_id,
        county_code=body.county_code, region_code=rules.region_of(call.kind, body.county_code, organization.region_code),
        statements=body.statements, status="submitted", submitted_at=at, submitted_by=principal.sub, one_key=one_key)
    uow.insert(application)
    uow.emit(SUBMITTED, {"application_id": application.id, "call_id": call.id, "kind": call.kind, "year": call.year,
                         "organization_id": application.organization_id, "county_code": application.county_code,
                         "region_code": application.region_code, "criteria_stated": sorted(body.statements),
                         "submitted_at": at}, subject=application.id)
    return application


def visible_application(repo, application_id, principal):
    """The application for its organization, the reviewers whose region covers it and admins; else 404."""
    application = repo.get(DesignationApplication, application_id, missing="no such application")
    if auth.acts_for(principal, application.organization_id) or (
            principal.role == auth.Roles.REVIEWER and principal.region
            and auth.region_covers(principal.region, application.region_code)):
        return application
    raise NotFound("no such application")


def applications_query(call_id, principal, region=None):
    """The applications to a call ``principal`` may list: an organization's own, a reviewer's region (or the
    part of it in ``region``: 403 outside it), everything for admins."""
    query = {"call_id": call_id}
    if principal.role == auth.Roles.ADMIN:
        return query | regions.query(region)
    if principal.role == auth.Roles.REVIEWER:
        return query | regions.query(auth.review_scope(principal, region))
    return query | {"organization_id": principal.org} | regions.query(region)


def reviewed_application(repo, application_id, principal, region=None):
    """The application and its call, for a reviewer of ``region`` (default: the application's) or an admin."""
    application = repo.get(DesignationApplication, application_id, missing="no such application")
    auth.require_region(principal, region or application.region_code)
    return application, repo.get(DesignationCall, application.call_id)


def check_eligibility(uow, application_id, principal, at):
    """The eligibility check (形式审查) against the call's criteria: eligible, or ineligible with the reasons."""
    application, call = reviewed_application(uow, application_id, principal)
    rules.check_step("check", application.status)
    organization = uow.find_one(OrganizationReplica, {"_id": application.organization_id})
    in_force = uow.find_one(Designation, {"in_force_key": f"{application.kind}|{application.organization_id}"})
    reasons = rules.eligibility(application.kind, call.criteria, application.statements,
                                organization.kind if organization else None, in_force is not None)
    application.status = "ineligible" if reasons else "eligible"
    application.eligibility_reasons, application.checked_at = reasons, at
    replace_unchanged(uow, application, {"status": "submitted"}, CHANGED)
    uow.emit(CHECKED, {"application_id": application.id, "call_id": call.id,
                       "organization_id": application.organization_id, "eligible": not reasons, "reasons": reasons,
                       "checked_at": at}, subject=application.id)
    return application


def panel_request(repo, application_id, principal):
    """What the talent pool is asked before a draw: (the application, its call), checked for the caller and
    the step (so no one learns the pool by asking for a panel they may not draw)."""
    application, call = reviewed_application(repo, application_id, principal)
    rules.check_step("panel", application.status)
    return application, call


def draw_panel(uow, application_id, candidates, principal, at):
    """The panel (``call.panel_size`` experts) from ``candidates`` (the talent pool's experts of the call's field
    that it found free of conflict with the applicant), none of the applicant's organization."""
    application, call = panel_request(uow, application_id, principal)
    panel = rules.draw_panel(candidates, application.organization_id, call.panel_size, seed=application.id)
    application.status, application.panel = "under_review", [p["id"] for p in panel]
    application.excluded_organization_ids = [application.organization_id]
    replace_unchanged(uow, application, {"status": "eligible"}, CHANGED)
    uow.emit(PANEL_DRAWN, {"application_id": application.id, "call_id": call.id,
                           "organization_id": application.organization_id, "expert_field": call.expert_field,
                           "person_ids": application.panel,
                           "excluded_organization_ids": application.excluded_organization_ids, "drawn_at": at},
             subject=application.id)
    return application


def record_scores(uow, application_id, body, principal, at):
    """One panel expert's sheet (``ScoresIn``), recorded by a reviewer of the region; the last makes the
    application scored, with the panel's weighted mean."""
    application, call = reviewed_application(uow, application_id, principal)
    rules.check_step("score", application.status)
    rules.check_sheet(body.person_id, body.scores, application.panel, application.sheets, call.criteria)
    sheet_score = rules.weighted(body.scores, call.criteria)
    sheets = [*application.sheets, {"person_id": body.person_id, "scores": dict(body.scores),
                                    "weighted": str(sheet_score), "remarks": body.remarks, "recorded_at": at}]
    application.sheets = sheets
    application.status = rules.after_score(len(sheets), len(application.panel))
    if application.status == "scored":
        application.score = str(rules.panel_score([Decimal(s["weighted"]) for s in sheets]))
    replace_unchanged(uow, application, {"status": "under_review"}, CHANGED)
    uow.emit(SCORED, {"application_id": application.id, "call_id": call.id, "person_id": body.person_id,
                      "scores": [{"criterion": c["code"], "score": body.scores[c["code"]]} for c in call.criteria],
                      "weighted_score": sheet_score, "sheets": len(sheets), "panel_size": len(application.panel),
                      "recorded_at": at}, subject=application.id)
    return application


def decide(uow, application_id, principal, at):
    """The department's decision (a provincial reviewer, admins): designated at the call's pass score."""
    application, call = reviewed_application(uow, application_id, principal, region=PROVINCE)
    rules.check_step("decide", application.status)
    score = Decimal(application.score)
    application.status, application.decided_at = rules.decision(score, call.pass_score), at
    designation = None
    if application.status == "designated":
        designation = Designation(
            id=uuid.uuid4().hex, application_id=application.id, call_id=call.id, kind=call.kind,
            organization_id=application.organization_id, region_code=application.region_code, year=call.year,
            score=application.score, status="designated", designated_at=at,
            in_force_key=f"{call.kind}|{application.organization_id}")
        uow.insert(designation)  # a second one in force for the organization and kind: DuplicateKeyError, 409
        application.designation_id = designation.id
    replace_unchanged(uow, application, {"status": "scored"}, CHANGED)
    uow.emit(DECIDED, {"application_id": application.id, "call_id": call.id, "kind": call.kind,
                       "organization_id": application.organization_id, "outcome": application.status,
                       "score": score, "pass_score": call.pass_score,
                       "designation_id": application.designation_id, "decided_at": at}, subject=application.id)
    if designation is not None:
        uow.emit(GRANTED, {**_designation_event(designation), "application_id": application.id, "call_id": call.id,
                           "score": score, "designated_at": at}, subject=designation.id)
    return application, designation


def assess(uow, designation_id, body, principal, at):
    """The annual assessment (``AssessmentIn``) by a provincial reviewer or an admin: kept or revoked."""
    auth.require_region(principal, PROVINCE)
    designation = uow.get(Designation, designation_id, missing="no such designation")
    call = uow.get(DesignationCall, designation.call_id)
    result = rules.assess(designation.status, designation.year, {a["year"] for a in designation.assessments},
                          body.year, body.score, call.keep_score, clock.china_date(at).year)
    designation.assessments = [*designation.assessments, {"year": body.year, "score": body.score,
                                                           "outcome": result.outcome, "remarks": body.remarks,
                                                           "assessed_at": at}]
    designation.status = result.status
    if result.status == "revoked":
        designation.revoked_at, designation.in_force_key = at, designation.id
    replace_unchanged(uow, designation, {"status": "designated"}, "the designation changed meanwhile; read it again")
    uow.emit(ASSESSED, {**_designation_event(designation), "assessment_year": body.year, "score": body.score,
                        "keep_score": call.keep_score, "outcome": result.outcome, "assessed_at": at},
             subject=designation.id)
    return designation


def _designation_event(designation):
    return {"designation_id": designation.id, "kind": designation.kind,
            "organization_id": designation.organization_id, "region_code": designation.region_code,
            "prefecture_code": rules.prefecture_of(designation.region_code), "year": designation.year}
