"""Technology contracts and their registration (技术合同认定登记), and the registered turnover.

A party submits a contract (checked against the listing, auction and achievement it names), corrects and
resubmits it after a return; the registration body of the contract's region (a registrar of that region)
registers it with a 16-digit number or returns it with reasons; it also loads its region's registrations of
earlier years from an earlier system, with their original numbers and dates (``transactions.history``). The public
reads the registered turnover
(技术合同登记交易额) of the province or of one region; other services read it over RPC (``integration``). The work
is in ``transactions.handlers.contracts``, the rules in ``transactions.contracts``.
"""
import logging
from typing import Literal

from nameko.exceptions import BadRequest, RemoteError
from prometheus_client import Counter
from pydantic import Field

from ttp_common import auth, certificates, clock, paging, regions, rpc
from ttp_common.endpoints import created, endpoint
from ttp_common.errors import Unavailable
from ttp_common.history import load_rows
from ttp_common.models import Query
from ttp_common.refusals import NotFound

from .. import certificates as contract_certificates, history
from ..contracts import CONTRACT_STATUSES, ContractIn, ReturnIn
from ..documents import Contract, IpRightReplica
from ..handlers import contracts as handlers, history as history_handlers
from .common import (DIVISION_OR_PROVINCE, INSTITUTIONS, OBJECT, PARTIES_AND_REGISTRARS, REGISTRARS,
                     DivisionOrProvince, offset_page)

log = logging.getLogger(__name__)

REGISTRY_TIMEOUT_SECONDS = 2.0  # the parties' names for a certificate

CONTRACTS_REGISTERED = Counter("ttp_transactions_contracts_registered_total", "Technology contracts registered",
                               ["contract_type"])
CERTIFICATES_ISSUED = Counter("ttp_transactions_certificates_issued_total",
                              "Registration certificates (技术合同登记证明) downloaded, by whether the parties printed by "
                              "name (the registry answered)", ["parties_named"])
TECHNOLOGY_TURNOVER = Counter("ttp_transactions_registered_technology_yuan_total",
                              "Technology transaction amount (技术交易额) of registered contracts, yuan (a float "
                              "for dashboards; exact figures: GET /api/v1/turnover)")


class ContractQuery(paging.OffsetParams):
    status: Literal[CONTRACT_STATUSES] | None = Field(None, description="submitted, returned, registered or cancelled")
    region: DivisionOrProvince | None = Field(None, description=DIVISION_OR_PROVINCE)
    achievement_id: str | None = Field(None, min_length=1, max_length=64,
                                       description="contracts naming this achievement (科技成果)")
    sort: Literal["oldest", "newest"] = Field("oldest", description="by submission: oldest first (a queue, the "
                                                                     "default) or newest first")


class TurnoverQuery(Query):
    region: DivisionOrProvince | None = Field(None, description=DIVISION_OR_PROVINCE)


class ContractEntrypoints:
    """Contracts, their review and the turnover."""

    @endpoint("POST", "/api/v1/contracts", roles=INSTITUTIONS, body=ContractIn, status=201, response=OBJECT,
              errors=(404, 409),
              summary="Submit a technology contract for registration (技术合同认定登记): a party's institution. Its "
                      "achievement must be published at the registry, unless the contract names a sold auction or "
                      "a listing closed as sold (a sale made before the registry withdrew it)")
    def submit_contract(self, ctx):
        contract = self.store.transact(handlers.submit, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(contract.view(), f"/api/v1/contracts/{contract.id}")

    @endpoint("PUT", "/api/v1/contracts/<string:contract_id>", roles=INSTITUTIONS, body=ContractIn,
              response=OBJECT, errors=(409,), summary="Correct and resubmit a returned contract: a party")
    def resubmit_contract(self, ctx, contract_id):
        return self.store.transact(handlers.resubmit, contract_id, ctx.body, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

    @endpoint("GET", "/api/v1/contracts/<string:contract_id>", roles=PARTIES_AND_REGISTRARS, response=OBJECT,
              errors=(400, 409), summary="A contract: its parties, the registration body of its region, admins")
    def get_contract(self, ctx, contract_id):
        contract = self.store.get(Contract, contract_id)
        if not handlers.visible_to(ctx.principal, contract):
            raise NotFound("no such contract")
        return contract.view()

    @endpoint("GET", "/api/v1/contracts/<string:contract_id>/certificate", roles=PARTIES_AND_REGISTRARS,
              media_type=certificates.MEDIA_TYPE, response={"type": "string", "format": "binary"},
              described="The certificate (PDF)", errors=(409,),
              summary="The registration certificate (技术合同登记证明) of a registered contract, as PDF, with the "
                      "contract amount and 技术交易额 and the parties by their registered names (by id while the "
                      "registry does not answer): its parties, the registration body of its region, admins "
                      "(anyone else: 404); 409 `not_registered` before registration")
    def contract_certificate(self, ctx, contract_id):
        contract = self.store.get(Contract, contract_id)
        if not handlers.visible_to(ctx.principal, contract):
            raise NotFound("no such contract")
        contract_certificates.check_registered(contract.status)
        names = self._organization_names(contract)
        rights = {doc.id: (doc.kind, doc.number) for doc in
                  self.store.find(IpRightReplica, {"_id": {"$in": list(contract.ip_right_ids or ())}})}
        pdf = contract_certificates.certificate(contract, names, [rights[i] for i in contract.ip_right_ids or ()
                                                                  if i in rights])
        CERTIFICATES_ISSUED.labels(str(bool(names)).lower()).inc()
        return certificates.response(pdf, f"contract-certificate-{contract.registration_number}.pdf")

    def _organization_names(self, contract):
        """The parties' registered names from the registry; none (the certificate prints their ids) while it does
        not answer or cannot (an older registry without ``organization_names``), so a certificate never waits on it
        for long or fails for it."""
        parties = [org for org in (contract.seller_organization_id, contract.buyer_organization_id) if org]
        try:
            return rpc.call(self.registry, "organization_names", parties, timeout=REGISTRY_TIMEOUT_SECONDS)
        except (Unavailable, RemoteError, BadRequest) as exc:  # BadRequest: MethodNotFound of an older one
            log.warning("certificate %s: the parties print by id (registry.organization_names: %s)",
                        contract.registration_number, exc)
            return {}

    @endpoint("GET", "/api/v1/contracts", roles=PARTIES_AND_REGISTRARS, query=ContractQuery, response=OBJECT,
              summary="A registration body's queue (its region), a party's own contracts, or all (admins); "
                      "achievement_id: those naming one achievement")
    def list_contracts(self, ctx):
        """A registration body's queue (status=submitted, its region by default), a party's own contracts, or all
        (admins); oldest first, or newest (``sort``); a page."""
        principal, q = ctx.principal, ctx.query
        query = {"status": q.status} if q.status else {}
        if q.achievement_id is not None:
            query["achievement_id"] = q.achievement_id
        if principal.role == auth.Roles.INSTITUTION:
            query["$or"] = [{"seller_organization_id": principal.org}, {"buyer_organization_id": principal.org}]
        query |= regions.query(auth.review_scope(principal, q.region, auth.Roles.REGISTRAR))
        direction = 1 if q.sort == "oldest" else -1
        return offset_page(self.store, Contract, query, [("submitted_at", direction), ("_id", direction)], q)

    @endpoint("POST", "/api/v1/contracts/<string:contract_id>/register", roles=REGISTRARS, response=OBJECT,
              errors=(409,),
              summary="Register a submitted contract with a 16-digit registration number: registrars of its "
                      "region, admins")
    def register_contract(self, ctx, contract_id):
        contract = self.store.transact(handlers.register, contract_id, ctx.principal, ctx.now, actor=ctx.actor)
        CONTRACTS_REGISTERED.labels(contract.contract_type).inc()
        TECHNOLOGY_TURNOVER.inc(float(contract.technology_transaction_amount))
        return contract.view()

    @endpoint("POST", "/api/v1/contracts/history", roles=REGISTRARS, body=history.HistoryIn, max_body_bytes=5_000_000,
              response=OBJECT, described="One result per row, in order: created, exists or rejected with errors",
              summary=f"Load up to {history.MAX_ROWS} technology contracts registered in an earlier system (历史技术合同), "
                      "each with its original 16-digit number and registration date (years before this one): "
                      "registrars of their region, admins. Each row is checked on its own and created once (its id "
                      "derives from its number); its event says imported and counts on its registration date")
    def import_contract_history(self, ctx):
        today = clock.china_date()
        return load_rows(self.store, ctx.body.rows, lambda raw: history.read_row(raw, today),
                         history_handlers.import_contract, ctx.principal, ctx.now, actor=ctx.actor)

    @endpoint("POST", "/api/v1/contracts/<string:contract_id>/return", roles=REGISTRARS, body=ReturnIn,
              response=OBJECT, errors=(409,),
              summary="Return a submitted contract with reasons: registrars of its region, admins")
    def return_contract(self, ctx, contract_id):
        return self.store.transact(handlers.return_contract, contract_id, ctx.body.reasons, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

    @endpoint("GET", "/api/v1/turnover", query=TurnoverQuery, response=OBJECT,
              summary="Registered technology contract turnover (技术合同登记交易额; public)")
    def get_turnover(self, ctx):
        return handlers.turnover(self.store, ctx.query.region)
