"""Registry service entrypoints (thin: rules live in domain.py)."""
import uuid

from ttp_common.web import http
from pymongo.errors import DuplicateKeyError

from ttp_common import auth, web
from ttp_common.errors import Conflict, NotFound, field_error
from ttp_common.service_base import PlatformService

from .documents import Organization
from .domain import OrganizationIn
from .openapi import SPEC

ORGANIZATION_REGISTERED = "registry.organization.registered.v1"


class RegistryService(PlatformService):
    name = "registry"
    openapi_spec = SPEC
    documents = [Organization]

    @http("POST", "/api/v1/organizations")
    @web.api
    def register_organization(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, OrganizationIn)
        if principal.role == auth.Roles.REVIEWER:
            auth.require_region(principal, body.region_code)
        org = Organization(id=uuid.uuid4().hex, created_by=principal.sub, **body.model_dump())

        def work(uow):
            uow.insert(org)
            uow.emit(ORGANIZATION_REGISTERED, {
                "organization_id": org.id, "name": org.name, "credit_code": org.credit_code,
                "kind": org.kind, "region_code": org.region_code,
                "supervising_department": org.supervising_department,
            }, subject=org.id)

        try:
            self.store.transact(work, actor=self.actor(request, principal))
        except DuplicateKeyError:
            raise Conflict("an organization with this credit code is already registered",
                           [field_error("credit_code", "already registered")])
        return web.json_response(org.public(), status=201, headers={"Location": f"/api/v1/organizations/{org.id}"})

    @http("GET", "/api/v1/organizations/<string:organization_id>")
    @web.api
    def get_organization(self, request, organization_id):
        doc = self.store.db[Organization._get_collection_name()].find_one({"_id": str(organization_id)})
        if doc is None:
            raise NotFound("no such organization")
        return web.json_response(Organization._from_son(doc).public())
