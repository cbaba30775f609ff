"""Investors (投资机构) and funds (基金): admins register them; any authenticated caller reads them (the
funds' amounts are not public). The work is in ``finance.handlers.funds``."""
from typing import Literal

from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import SIGNED_IN, endpoint

from .. import pool
from ..documents import Fund, Investor
from ..handlers import funds as handlers
from .common import page

NEWEST = [("registered_at", -1), ("_id", -1)]


class InvestorQuery(paging.OffsetParams):
    kind: Literal[tuple(pool.INVESTOR_KINDS)] | None = None


class FundQuery(paging.OffsetParams):
    kind: Literal[tuple(pool.FUND_KINDS)] | None = None


class FundEntrypoints:
    """Investors and funds."""

    @endpoint("POST", "/api/v1/investors", roles=(Roles.ADMIN,), body=pool.InvestorIn, status=201,
              response="Investor", errors=(404, 409), summary="Register an investor (admin)")
    def register_investor(self, ctx):
        return self.store.transact(handlers.register_investor, ctx.body, ctx.now, actor=ctx.actor).public()

    @endpoint("GET", "/api/v1/investors", roles=SIGNED_IN, query=InvestorQuery, response="InvestorPage",
              summary="List investors")
    def list_investors(self, ctx):
        kind = ctx.query.kind
        return page(self.store, Investor, {"kind": kind} if kind else {}, [("name", 1)], ctx.query)

    @endpoint("POST", "/api/v1/funds", roles=(Roles.ADMIN,), body=pool.FundIn, status=201, response="Fund",
              errors=(404, 409), summary="Register a fund: the guidance fund, a sub-fund, another fund (admin)",
              description="A sub-fund's commitment, with its siblings', may not exceed its guidance fund's "
                          "commitment (400 naming committed_amount).")
    def register_fund(self, ctx):
        """Admins register the guidance fund (引导基金), its sub-funds and other funds."""
        return self.store.transact(handlers.register_fund, ctx.body, ctx.now, actor=ctx.actor).public()

    @endpoint("GET", "/api/v1/funds", roles=SIGNED_IN, query=FundQuery, response="FundPage",
              summary="List funds, newest first")
    def list_funds(self, ctx):
        """The registered funds (any authenticated caller, as a single fund), newest first, by kind; paged like
        the pool."""
        kind = ctx.query.kind
        return page(self.store, Fund, {"kind": kind} if kind else {}, NEWEST, ctx.query)

    @endpoint("GET", "/api/v1/funds/<string:fund_id>", roles=SIGNED_IN, response="Fund",
              summary="A fund with committed and invested amounts")
    def get_fund(self, ctx, fund_id):
        """A fund with its committed and invested amounts; a guidance fund also lists its sub-funds."""
        return handlers.fund_view(self.store, fund_id)
