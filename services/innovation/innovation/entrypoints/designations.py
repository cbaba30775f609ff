"""Demonstration designations (示范认定): calls (public), applications (the applicant, the reviewers of its
region), the eligibility check, the expert panel from the talent pool, the experts' sheets, the decision and the
annual assessment; designations and their counts by kind and region (public). The work is in
``innovation.handlers.designations``."""
from typing import Literal

from pydantic import Field

from ttp_common import paging, regions, rpc
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint
from ttp_common.fields import Integer
from .. import designations
from ..documents import Designation, DesignationApplication, DesignationCall
from ..handlers import designations as handlers
from ..metrics import DESIGNATION_STEPS
from .common import RECORD

CALLS = "/api/v1/designation-calls"
APPLICATIONS = "/api/v1/designation-applications"
ONE_APPLICATION = f"{APPLICATIONS}/<string:application_id>"
DESIGNATIONS = "/api/v1/designations"
REVIEWERS = (Roles.REVIEWER, Roles.ADMIN)
APPLICANTS = (Roles.INSTITUTION, Roles.ADMIN)
TALENT_TIMEOUT_SECONDS = 5.0


class CallQuery(paging.OffsetParams):
    kind: Literal[tuple(designations.KINDS)] | None = None
    year: Integer | None = Field(default=None, ge=2016, le=2100)


class ApplicationQuery(paging.OffsetParams):
    status: Literal[tuple(designations.APPLICATION_STATUSES)] | None = None
    region: regions.RegionScope | None = None


class DesignationQuery(paging.OffsetParams):
    kind: Literal[tuple(designations.KINDS)] | None = None
    region: regions.RegionScope | None = None
    status: Literal[tuple(designations.DESIGNATION_STATUSES)] | None = None


class DesignationEntrypoints:
    """Calls, applications, review, designations and their assessments."""

    @endpoint("POST", CALLS, roles=REVIEWERS, body=designations.CallIn, status=201, response=RECORD,
              summary="Open a call (年度申报) with its criteria and weights (a provincial reviewer, admins)")
    def open_designation_call(self, ctx):
        call = self.store.transact(handlers.open_call, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(call.public(), f"{CALLS}/{call.id}")

    @endpoint("GET", CALLS, query=CallQuery, response=RECORD, summary="Calls (public), newest first, by kind and year")
    def list_designation_calls(self, ctx):
        q = ctx.query
        query = ({"kind": q.kind} if q.kind else {}) | ({"year": q.year} if q.year else {})
        return paging.by_offset(self.store.collection(DesignationCall), query, [("opened_at", -1), ("_id", -1)], q,
                                lambda raw: self.store.load(DesignationCall, raw).public())

    @endpoint("GET", f"{CALLS}/<string:call_id>", response=RECORD, summary="A call with its criteria (public)")
    def get_designation_call(self, ctx, call_id):
        return self.store.get(DesignationCall, call_id, missing="no such call").public()

    @endpoint("POST", f"{CALLS}/<string:call_id>/applications", roles=APPLICANTS, body=designations.ApplicationIn,
              status=201, response=RECORD, errors=(409,),
              summary="Apply to a call, stating the case per criterion (the organization's staff, admins)")
    def apply_for_designation(self, ctx, call_id):
        application = self.store.transact(handlers.apply, call_id, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        DESIGNATION_STEPS.labels("submitted", application.kind).inc()
        return created(application.view(), f"{APPLICATIONS}/{application.id}")

    @endpoint("GET", f"{CALLS}/<string:call_id>/applications", roles=(Roles.INSTITUTION, Roles.REVIEWER, Roles.ADMIN),
              query=ApplicationQuery, response=RECORD,
              summary="A call's applications, newest first: a reviewer's region (the queue), an organization's own, "
                      "all for admins")
    def list_designation_applications(self, ctx, call_id):
        q = ctx.query
        self.store.get(DesignationCall, call_id, missing="no such call")
        query = handlers.applications_query(call_id, ctx.principal, q.region) | (
            {"status": q.status} if q.status else {})
        return paging.by_offset(self.store.collection(DesignationApplication), query,
                                [("submitted_at", -1), ("_id", -1)], q,
                                lambda raw: self.store.load(DesignationApplication, raw).view())

    @endpoint("GET", ONE_APPLICATION, roles=(Roles.INSTITUTION, Roles.REVIEWER, Roles.ADMIN), response=RECORD,
              summary="An application with its check, panel and sheets (the applicant, reviewers of its region, "
                      "admins; 404 for others)")
    def get_designation_application(self, ctx, application_id):
        return handlers.visible_application(self.store, application_id, ctx.principal).view()

    @endpoint("POST", f"{ONE_APPLICATION}/eligibility", roles=REVIEWERS, response=RECORD, errors=(409,),
              summary="Check eligibility against the call's criteria: eligible, or ineligible with the reasons "
                      "(a reviewer of the application's region, admins)")
    def check_designation_eligibility(self, ctx, application_id):
        application = self.store.transact(handlers.check_eligibility, application_id, ctx.principal, ctx.now,
                                          actor=ctx.actor)
        DESIGNATION_STEPS.labels(application.status, application.kind).inc()
        return application.view()

    @endpoint("POST", f"{ONE_APPLICATION}/panel", roles=REVIEWERS, response=RECORD, errors=(409,),
              summary="Draw the expert panel from the talent pool (专家库), never an expert of the applicant's "
                      "organization (a reviewer of the application's region, admins); 503 while talent is away")
    def draw_designation_panel(self, ctx, application_id):
        """The talent service names the experts of the call's field free of conflict with the applicant (its
        ``eligible_experts``); the draw from them, checked again, is this service's."""
        application, call = handlers.panel_request(self.store, application_id, ctx.principal)
        candidates = rpc.call(self.talent, "eligible_experts", call.expert_field, [application.organization_id],
                              timeout=TALENT_TIMEOUT_SECONDS)
        application = self.store.transact(handlers.draw_panel, application_id, candidates, ctx.principal, ctx.now,
                                          actor=ctx.actor)
        DESIGNATION_STEPS.labels("under_review", application.kind).inc()
        return application.view()

    @endpoint("POST", f"{ONE_APPLICATION}/scores", roles=REVIEWERS, body=designations.ScoresIn, response=RECORD,
              errors=(409,), summary="Record a panel expert's score sheet, every criterion 0–100 (a reviewer of the "
                                     "application's region, admins)")
    def record_designation_scores(self, ctx, application_id):
        application = self.store.transact(handlers.record_scores, application_id, ctx.body, ctx.principal, ctx.now,
                                          actor=ctx.actor)
        if application.status == "scored":
            DESIGNATION_STEPS.labels("scored", application.kind).inc()
        return application.view()

    @endpoint("POST", f"{ONE_APPLICATION}/decision", roles=REVIEWERS, response=RECORD, errors=(409,),
              summary="Decide a scored application: designated at the call's pass score (a provincial reviewer, "
                      "admins)")
    def decide_designation(self, ctx, application_id):
        application, designation = self.store.transact(handlers.decide, application_id, ctx.principal, ctx.now,
                                                       actor=ctx.actor)
        DESIGNATION_STEPS.labels(application.status, application.kind).inc()
        return {**application.view(), "designation": designation.public() if designation else None}

    @endpoint("GET", DESIGNATIONS, query=DesignationQuery, response=RECORD,
              summary="Designations (public), newest first, by kind, region and status")
    def list_designations(self, ctx):
        q = ctx.query
        query = (({"kind": q.kind} if q.kind else {}) | regions.query(q.region)
                 | ({"status": q.status} if q.status else {}))
        return paging.by_offset(self.store.collection(Designation), query, [("designated_at", -1), ("_id", -1)], q,
                                lambda raw: self.store.load(Designation, raw).public())

    @endpoint("GET", f"{DESIGNATIONS}/<string:designation_id>", response=RECORD,
              summary="A designation with its annual assessments (public)")
    def get_designation(self, ctx, designation_id):
        return self.store.get(Designation, designation_id, missing="no such designation").public()

    @endpoint("POST", f"{DESIGNATIONS}/<string:designation_id>/assessments", roles=REVIEWERS,
              body=designations.AssessmentIn, status=201, response=RECORD, errors=(409,),
              summary="Record the annual assessment: kept at the call's keep score, else revoked (a provincial "
                      "reviewer, admins)")
    def assess_designation(self, ctx, designation_id):
        designation = self.store.transact(handlers.assess, designation_id, ctx.body, ctx.principal, ctx.now,
                                          actor=ctx.actor)
        DESIGNATION_STEPS.labels("kept" if designation.status == "designated" else "revoked", designation.kind).inc()
        return designation.public()

    @endpoint("GET", "/api/v1/designation-counts", response=RECORD,
              summary="Designations in force by kind and prefecture (public)")
    def designation_counts(self, ctx):
        counts = {}
        for d in self.store.find(Designation, {"status": "designated"}):
            key = (d.kind, designations.prefecture_of(d.region_code))
            counts[key] = counts.get(key, 0) + 1
        return {"groups": [{"kind": k, "region_code": r, "designations": n} for (k, r), n in sorted(counts.items())]}
