"""Technical income verification (技术性收入核定) and the registration of contract changes and cancellations
(变更登记, 注销登记). The seller's staff file the income a registered contract brought and file a returned filing
again; the registration body of the contract's region (its registrars) verifies or returns a filing, and
registers a contract's change or cancellation on the seller's application. The work is in
``transactions.handlers.income`` and ``transactions.handlers.amendments``, the rules in ``transactions.income``
and ``transactions.amendments``."""
from typing import Literal

from prometheus_client import Counter
from pydantic import Field

from ttp_common import auth, paging, regions
from ttp_common.endpoints import created, endpoint
from ttp_common.refusals import NotFound

from ..amendments import CancelIn, ChangeIn
from ..documents import Contract, IncomeFiling
from ..handlers import amendments as amendment_handlers, contracts as contract_handlers, income as handlers
from ..income import INCOME_STATUSES, IncomeIn, IncomeReturnIn, VerifyIn
from .common import (DIVISION_OR_PROVINCE, INSTITUTIONS, OBJECT, PARTIES_AND_REGISTRARS, REGISTRARS,
                     DivisionOrProvince, offset_page)


CONTRACT_AMENDMENTS = Counter("ttp_transactions_contract_amendments_total",
                              "Registered contracts' changes and cancellations (变更, 注销登记)", ["kind"])
CANCELLED_TECHNOLOGY = Counter("ttp_transactions_cancelled_technology_yuan_total",
                               "Technology transaction amount (技术交易额) of cancelled contracts, yuan (a float for "
                               "dashboards, to set beside ttp_transactions_registered_technology_yuan_total)")
INCOME_VERIFIED = Counter("ttp_transactions_income_verified_yuan_total",
                          "Verified technical income (核定技术性收入), yuan (a float for dashboards)")


class IncomeQuery(paging.OffsetParams):
    status: Literal[INCOME_STATUSES] | None = Field(None, description="filed, verified or returned")
    region: DivisionOrProvince | None = Field(None, description=DIVISION_OR_PROVINCE)


class IncomeEntrypoints:
    """Income filings and their verification; contract changes and cancellations."""

    @endpoint("POST", "/api/v1/contracts/<string:contract_id>/income", roles=INSTITUTIONS, body=IncomeIn,
              status=201, response=OBJECT, errors=(404, 409),
              summary="File the technical income a registered contract brought (技术性收入申报): the seller's "
                      "institution; the filed and verified income stays within the contract's 技术交易额 (400 "
                      "`amount`); 409 `not_registered` before registration or after a cancellation")
    def file_income(self, ctx, contract_id):
        filing = self.store.transact(handlers.file, contract_id, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(filing.view(), f"/api/v1/contract-incomes/{filing.id}")

    @endpoint("GET", "/api/v1/contracts/<string:contract_id>/income", roles=PARTIES_AND_REGISTRARS,
              response=OBJECT, errors=(400,),
              summary="A contract's income filings, oldest first, and its verified technical income: the seller, "
                      "the registration body of its region, admins")
    def contract_income(self, ctx, contract_id):
        contract = self.store.get(Contract, contract_id)
        if not contract_handlers.visible_to(ctx.principal, contract) or (
                ctx.principal.role == auth.Roles.INSTITUTION and ctx.principal.org != contract.seller_organization_id):
            raise NotFound("no such contract")
        found = self.store.find(IncomeFiling, {"contract_id": contract.id}, sort=[("filed_at", 1), ("_id", 1)])
        return {"contract_id": contract.id, "verified_income": contract.verified_income,
                "items": [f.view() for f in found]}

    @endpoint("GET", "/api/v1/contract-incomes", roles=PARTIES_AND_REGISTRARS, query=IncomeQuery, response=OBJECT,
              summary="The registration body's queue of income filings (its region; status=filed to verify), a "
                      "seller's own filings, or all (admins); oldest first, a page")
    def list_income(self, ctx):
        principal, q = ctx.principal, ctx.query
        query = {"status": q.status} if q.status else {}
        if principal.role == auth.Roles.INSTITUTION:
            query["seller_organization_id"] = principal.org
        query |= regions.query(auth.review_scope(principal, q.region, auth.Roles.REGISTRAR))
        return offset_page(self.store, IncomeFiling, query, [("filed_at", 1), ("_id", 1)], q)

    @endpoint("GET", "/api/v1/contract-incomes/<string:income_id>", roles=PARTIES_AND_REGISTRARS, response=OBJECT,
              errors=(400,), summary="An income filing: the seller, the registration body of its region, admins")
    def get_income(self, ctx, income_id):
        filing = self.store.get(IncomeFiling, income_id)
        if not handlers.visible_to(ctx.principal, filing):
            raise NotFound("no such income filing")
        return filing.view()

    @endpoint("PUT", "/api/v1/contract-incomes/<string:income_id>", roles=INSTITUTIONS, body=IncomeIn,
              response=OBJECT, errors=(404, 409), summary="File a returned income filing again, corrected: the seller")
    def refile_income(self, ctx, income_id):
        return self.store.transact(handlers.refile, income_id, ctx.body, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

    @endpoint("POST", "/api/v1/contract-incomes/<string:income_id>/verify", roles=REGISTRARS, body=VerifyIn,
              response=OBJECT, errors=(404, 409),
              summary="Verify an income filing (技术性收入核定): at most the filed amount, a reason when less; "
                      "registrars of the contract's region, admins")
    def verify_income(self, ctx, income_id):
        filing = self.store.transact(handlers.verify, income_id, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        INCOME_VERIFIED.inc(float(filing.verified_amount))
        return filing.view()

    @endpoint("POST", "/api/v1/contract-incomes/<string:income_id>/return", roles=REGISTRARS, body=IncomeReturnIn,
              response=OBJECT, errors=(404, 409),
              summary="Return an income filing with reasons: registrars of the contract's region, admins")
    def return_income(self, ctx, income_id):
        return self.store.transact(handlers.return_filing, income_id, ctx.body.reasons, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

    @endpoint("POST", "/api/v1/contracts/<string:contract_id>/changes", roles=REGISTRARS, body=ChangeIn,
              response=OBJECT, errors=(404, 409),
              summary="Register a change of a registered contract (变更登记: contract amount, 技术交易额, buyer) on the "
                      "seller's application, from its effective date: registrars of its region, admins")
    def change_contract(self, ctx, contract_id):
        contract = self.store.transact(amendment_handlers.change, contract_id, ctx.body, ctx.principal, ctx.now,
                                       actor=ctx.actor)
        CONTRACT_AMENDMENTS.labels("change").inc()
        return contract.view()

    @endpoint("POST", "/api/v1/contracts/<string:contract_id>/cancellation", roles=REGISTRARS, body=CancelIn,
              response=OBJECT, errors=(404, 409),
              summary="Register the cancellation of a registered contract (注销登记) on the seller's application: "
                      "from its effective date its amounts leave the turnover; registrars of its region, admins")
    def cancel_contract(self, ctx, contract_id):
        contract = self.store.transact(amendment_handlers.cancel, contract_id, ctx.body, ctx.principal, ctx.now,
                                       actor=ctx.actor)
        CONTRACT_AMENDMENTS.labels("cancellation").inc()
        CANCELLED_TECHNOLOGY.inc(float(contract.technology_transaction_amount))
        return contract.view()
