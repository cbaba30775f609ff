"""Finance service entrypoints."""
import datetime as dt
import uuid

from mongoengine import DateTimeField, Document, IntField, StringField
from ttp_common.web import http

from ttp_common import auth, web
from ttp_common.service_base import PlatformService, service_openapi

from .domain import ApprovedProjectIn

PROJECT_APPROVED = "finance.project.approved.v1"


class TransformationProject(Document):
    meta = {"collection": "transformation_projects"}

    id = StringField(primary_key=True)
    title = StringField(required=True)
    category = StringField(required=True)
    programme = IntField(required=True, min_value=1, max_value=15)
    region_code = StringField(required=True)
    organization_id = StringField(required=True)
    responsible_department = StringField(required=True)
    status = StringField(required=True)
    approved_at = DateTimeField()
    approved_by = StringField()

    def public(self):
        return {k: self[k] for k in ("id", "title", "category", "programme", "region_code", "organization_id",
                                     "responsible_department", "status", "approved_at")}


class FinanceService(PlatformService):
    name = "finance"
    documents = [TransformationProject]
    openapi_spec = service_openapi(
        "finance", "投融资项目库 Finance API",
        "Transformation projects, the financing project pool, investors, deals and fiscal instruments.",
        paths={"/api/v1/transformation-projects": {"post": {
            "summary": "Record an approved transformation project (reviewer, admin)",
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": True, **web.json_body("ApprovedProjectIn")},
            "responses": {"201": {"description": "Approved", "content": {"application/json": {
                "schema": {"type": "object"}}}}, **web.error_responses(400, 401, 403, 413, 415)},
        }}},
        schemas=web.model_schema(ApprovedProjectIn),
    )

    @http("POST", "/api/v1/transformation-projects")
    @web.api
    def approve_project(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, ApprovedProjectIn)
        if principal.role == auth.Roles.REVIEWER:
            auth.require_region(principal, body.region_code)
        project = TransformationProject(id=uuid.uuid4().hex, status="approved", approved_by=principal.sub,
                                        approved_at=dt.datetime.now(dt.timezone.utc), **body.model_dump())

        def work(uow):
            uow.insert(project)
            uow.emit(PROJECT_APPROVED, {"project_id": project.id, **body.model_dump()}, subject=project.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(project.public(), status=201)
