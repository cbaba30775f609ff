"""Organizations (主体) and the accreditation (认定) of service institutions.

Reviewers of a region (or admins) register organizations, identified by their unified social credit
code; anyone reads one, looks one up by its credit code or lists them by kind and region; a reviewer of
the institution's region accredits a service institution or revokes its accreditation (the 1,000
institutions target counts accreditations).
"""
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common import auth, web
from ttp_common.errors import Conflict, NotFound, ValidationFailed, field_error
from ttp_common.reference import is_valid_credit_code
from ttp_common.web import http

from .. import domain
from ..documents import Organization, now_ms
from ..domain import ORGANIZATION_KINDS, AccreditationIn, OrganizationIn, RevocationIn
from .common import RegistryHelpers

ORGANIZATION_REGISTERED = "registry.organization.registered.v1"
ORGANIZATION_ACCREDITED = "registry.organization.accredited.v1"
ACCREDITATION_REVOKED = "registry.organization.accreditation_revoked.v1"


class OrganizationEntrypoints(RegistryHelpers):
    """Organizations and accreditation."""

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

    @http("GET", "/api/v1/organizations")
    @web.api
    def list_organizations(self, request):
        """Public, like one organization: the one with ``credit_code`` (exact), or those of a ``kind`` and
        ``region`` (510000: every division), oldest first, paged."""
        query = {}
        code = web.query_param(request, "credit_code")
        if code is not None:
            code = code.strip().upper()
            if not is_valid_credit_code(code):
                raise ValidationFailed.at("credit_code", "not a valid unified social credit code "
                                                         "(length, characters or check character)")
            query["credit_code"] = code
        kind = web.query_param(request, "kind", choices=list(ORGANIZATION_KINDS))
        if kind:
            query["kind"] = kind
        query.update(self._region_filter(request))
        return web.json_response(self._page(request, Organization, query, [("created_at", 1), ("_id", 1)],
                                            Organization.public))

    @http("GET", "/api/v1/organizations/<string:organization_id>")
    @web.api
    def get_organization(self, request, organization_id):
        doc = self.store.db[Organization._get_collection_name()].find_one({"_id": str(organization_id)})
        if doc is None:
            raise NotFound("no such organization")
        return web.json_response(Organization._from_son(doc).public())

    @http("POST", "/api/v1/organizations/<string:organization_id>/accreditation")
    @web.api
    def accredit(self, request, organization_id):
        """A reviewer of the institution's region (or an admin) accredits a service institution."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, AccreditationIn)
        at = now_ms()

        def work(uow):
            org = self._organization_for_review(uow, principal, organization_id)
            domain.check_accreditable(org.kind, org.accredited)
            org.accredited, org.accredited_at, org.accreditation_basis = True, at, body.basis
            uow.replace(org)
            uow.emit(ORGANIZATION_ACCREDITED, {"organization_id": org.id, "region_code": org.region_code,
                                               "accredited_at": at, "basis": body.basis}, subject=org.id)
            return org

        return web.json_response(self._act(work, request, principal).public())

    @http("POST", "/api/v1/organizations/<string:organization_id>/accreditation/revocation")
    @web.api
    def revoke_accreditation(self, request, organization_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, RevocationIn)
        at = now_ms()

        def work(uow):
            org = self._organization_for_review(uow, principal, organization_id)
            domain.check_revocable(org.accredited)
            org.accredited, org.accredited_at, org.accreditation_basis = False, None, None
            uow.replace(org)
            uow.emit(ACCREDITATION_REVOKED, {"organization_id": org.id, "region_code": org.region_code,
                                             "revoked_at": at, "reason": body.reason}, subject=org.id)
            return org

        return web.json_response(self._act(work, request, principal).public())

    def _organization_for_review(self, uow, principal, organization_id):
        """The organization, read in the transaction; its region must be the reviewer's."""
        doc = uow.db[Organization._get_collection_name()].find_one({"_id": str(organization_id)}, session=uow.session)
        if doc is None:
            raise NotFound("no such organization")
        org = Organization._from_son(doc)
        if principal.role == auth.Roles.REVIEWER:
            auth.require_region(principal, org.region_code)
        return org
