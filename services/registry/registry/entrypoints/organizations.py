"""Organizations (主体) and the accreditation (认定) of service institutions.

Reviewers of a region (or admins) register organizations, identified by their unified social credit
code; anyone reads one, looks one up by its credit code or lists them by kind and region; a reviewer of
the institution's region accredits a service institution or revokes its accreditation (the 1,000
institutions target counts accreditations). The work is in ``registry.handlers.organizations``.
"""
from typing import Literal

from pydantic import Field, field_validator

from ttp_common import clock, paging, regions
from ttp_common.endpoints import created, endpoint
from ttp_common.history import load_rows
from ttp_common.reference import is_valid_credit_code
from ttp_common.regions import RegionScope
from ttp_common.rpc import rpc

from ..documents import Organization
from .. import history
from ..handlers import history as history_handlers, organizations as handlers
from ..organizations import ORGANIZATION_KINDS, AccreditationIn, CorrectionIn, OrganizationIn, RevocationIn
from .common import REVIEWERS


class OrganizationQuery(paging.OffsetParams):
    credit_code: str | None = Field(None, description="统一社会信用代码, exact (case-insensitive): at most one item")
    kind: Literal[tuple(ORGANIZATION_KINDS)] | None = None
    region: RegionScope | None = None

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value):
        value = value.upper()
        if not is_valid_credit_code(value):
            raise ValueError("not a valid unified social credit code (length, characters or check character)")
        return value


class OrganizationEntrypoints:
    """Organizations and accreditation."""

    @endpoint("POST", "/api/v1/organizations", roles=REVIEWERS, body=OrganizationIn, status=201,
              response="Organization", described="Registered", errors=(409, 422),
              summary="Register an organization (主体登记); reviewers (own region) and administrators")
    def register_organization(self, ctx):
        org = self.store.transact(handlers.register, ctx.body, ctx.principal, actor=ctx.actor)
        return created(org.public(), f"/api/v1/organizations/{org.id}")

    @endpoint("GET", "/api/v1/organizations", query=OrganizationQuery, response=paging.offset_page_schema("Organization"),
              described="A page",
              summary="Organizations (public): the one with a credit code, or by kind and region, oldest first")
    def list_organizations(self, ctx):
        q = ctx.query
        query = {"credit_code": q.credit_code, "kind": q.kind}
        query = {field: value for field, value in query.items() if value is not None} | regions.query(q.region)
        return paging.by_offset(self.store.collection(Organization), query, [("created_at", 1), ("_id", 1)], q,
                                lambda raw: self.store.load(Organization, raw).public())

    @endpoint("GET", "/api/v1/organizations/<string:organization_id>", response="Organization",
              summary="One organization (public)")
    def get_organization(self, ctx, organization_id):
        return self.store.get(Organization, organization_id).public()

    @endpoint("PATCH", "/api/v1/organizations/<string:organization_id>", roles=REVIEWERS, body=CorrectionIn,
              response="Organization", described="Corrected (unchanged when nothing differs)",
              summary="Correct an organization's name, supervising department or contact (主体信息变更); "
                      "reviewers of its region and administrators")
    def correct_organization(self, ctx, organization_id):
        return self.store.transact(handlers.correct, organization_id, ctx.body, ctx.principal, ctx.now,
                                   actor=ctx.actor).public()

    @endpoint("GET", "/api/v1/organizations/<string:organization_id>/corrections",
              response="OrganizationCorrections", summary="An organization's corrections, oldest first "
              "(public, as the record is): who, when, each field's old and new value")
    def organization_corrections(self, ctx, organization_id):
        org = self.store.get(Organization, organization_id)
        return {"organization_id": org.id, "items": list(org.corrections or ())}

    @endpoint("POST", "/api/v1/organizations/<string:organization_id>/accreditation", roles=REVIEWERS,
              body=AccreditationIn, response="Organization", described="Accredited", errors=(409,),
              summary="Accredit a service institution, or a transfer unit (技术转移机构) inside a university or "
                      "institute named by unit (认定; each counts toward the 1,000-institution target); "
                      "reviewers of its region and administrators")
    def accredit(self, ctx, organization_id):
        return self.store.transact(handlers.accredit, organization_id, ctx.body.basis, ctx.principal, ctx.now,
                                   ctx.body.unit, actor=ctx.actor).public()

    @endpoint("POST", "/api/v1/organizations/<string:organization_id>/accreditation/revocation", roles=REVIEWERS,
              body=RevocationIn, response="Organization", described="Revoked", errors=(409,),
              summary="Revoke an accreditation (撤销认定); reviewers of its region and administrators")
    def revoke_accreditation(self, ctx, organization_id):
        return self.store.transact(handlers.revoke_accreditation, organization_id, ctx.body.reason, ctx.principal,
                                   ctx.now, ctx.body.unit, actor=ctx.actor).public()

    @endpoint("POST", "/api/v1/accreditations/history", roles=REVIEWERS, body=history.HistoryIn,
              max_body_bytes=5_000_000, response={"type": "object"},
              described="One result per row, in order: created, exists or rejected with errors",
              summary=f"Load up to {history.MAX_ROWS} accreditations made in an earlier system (历史认定) of registered "
                      "organizations (by credit_code; unit for a 高校院所's transfer institution) with their original "
                      "date and notice (认定文号, e.g. 川科成〔2017〕12号), and the revocation date and reason when "
                      "revoked (years before this one): reviewers of their region, admins",
              description="Each row is checked on its own and loaded once (the organization, unit and date name "
                          "it). Its registry.organization.accredited.v1 (and accreditation_revoked.v1) says imported "
                          "and carries the date as effective_date, so the 1,000-institution target counts it from "
                          "then (and no longer after the revocation). One still in force makes the organization or "
                          "unit accredited since that date; an organization accredited now is refused one more.")
    def import_accreditation_history(self, ctx):
        today = clock.china_date()
        return load_rows(self.store, ctx.body.rows, lambda raw: history.read_accreditation(raw, today),
                         history_handlers.import_accreditation, ctx.principal, ctx.now, actor=ctx.actor)

    @rpc
    def organization_names(self, organization_ids):
        """For other services (the contract certificate of transactions): the registered names of up to 100
        organizations, by id; unknown ids are left out."""
        return handlers.names(self.store, organization_ids)
