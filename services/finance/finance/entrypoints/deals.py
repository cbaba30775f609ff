"""Deals (对接): expressing interest, due diligence, closing on signed terms, declining (one operation per
action), and the listings of their parties, their region's reviewers and admins. The investor side is an
institution of the investor's organization or an ``investor`` token of it (the investor organization's staff:
its side only). The work is in ``finance.handlers.deals``; the figures of closed deals are counted after the
commit."""
from typing import Literal

from prometheus_client import Counter

from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import SIGNED_IN, created, endpoint
from ttp_common.refusals import NotFound

from .. import pool
from ..documents import Deal, Investor
from ..handlers import deals as handlers
from .common import is_department, page, scope

PATH = "/api/v1/deals"
ONE = f"{PATH}/<string:deal_id>"
PARTIES = (Roles.INSTITUTION, Roles.INVESTOR, Roles.ADMIN)  # an investor token: the investor side only
NEWEST = [("expressed_at", -1), ("_id", -1)]

DEALS_CLOSED = Counter("ttp_finance_deals_closed_total", "Deals closed, by instrument", ["instrument"])
AMOUNT_FINANCED = Counter("ttp_finance_amount_financed_yuan_total", "Yuan financed by closed deals", ["instrument"])


class DealQuery(paging.OffsetParams):
    status: Literal[pool.DEAL_STATUSES] | None = None


class DealEntrypoints:
    """Deals."""

    @endpoint("POST", PATH, roles=PARTIES, body=pool.InterestIn, status=201, response="Deal", errors=(404, 409),
              summary="Express interest in a financing project (the investor's institution)")
    def express_interest(self, ctx):
        deal = self.store.transact(handlers.express_interest, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(deal.public(), f"{PATH}/{deal.id}")

    @endpoint("POST", f"{ONE}/due-diligence", roles=PARTIES, response="Deal", errors=(409,),
              summary="Start due diligence on a deal (the investor)")
    def start_due_diligence(self, ctx, deal_id):
        return self.store.transact(handlers.start_due_diligence, deal_id, ctx.principal, ctx.now,
                                   actor=ctx.actor).public()

    @endpoint("POST", f"{ONE}/close", roles=PARTIES, body=pool.CloseIn, response="Deal", errors=(409,),
              summary="Close a deal on its signed terms (the investor)",
              description="Closing adds the amount to the project's raised amount (never beyond its financing need: "
                          "400 naming amount; the project must still be listed: 409) and to the fund's invested "
                          "amount (never beyond its commitment).")
    def close_deal(self, ctx, deal_id):
        deal = self.store.transact(handlers.close, deal_id, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        DEALS_CLOSED.labels(deal.instrument).inc()
        AMOUNT_FINANCED.labels(deal.instrument).inc(float(deal.amount))
        return deal.public()

    @endpoint("POST", f"{ONE}/decline", roles=PARTIES, body=pool.DeclineIn, response="Deal", errors=(409,),
              summary="Decline a deal (the investor or the financed organization)")
    def decline_deal(self, ctx, deal_id):
        return self.store.transact(handlers.decline, deal_id, ctx.body.reason, ctx.principal, ctx.now,
                                   actor=ctx.actor).public()

    @endpoint("GET", PATH, roles=(Roles.INSTITUTION, Roles.REVIEWER, Roles.INVESTOR, Roles.ADMIN), query=DealQuery,
              response="DealPage", summary="List deals: the caller's organization's, as investor or as financed "
                                          "organization (an investor's staff: its investor's; reviewers: their "
                                          "region's; admins: all), newest first")
    def list_deals(self, ctx):
        principal = ctx.principal
        investor = None
        if principal.role in (Roles.INSTITUTION, Roles.INVESTOR):
            investor = self.store.find_one(Investor, {"organization_id": principal.org})
        if principal.role == Roles.INVESTOR:  # the investor side only
            query = {"investor_id": investor.id if investor is not None else None}
        else:
            query = scope(principal)
            if investor is not None:  # an institution: as financed organization or as investor
                query = {"$or": [query, {"investor_id": investor.id}]}
        if ctx.query.status:
            query = {**query, "status": ctx.query.status}
        return page(self.store, Deal, query, NEWEST, ctx.query)

    @endpoint("GET", ONE, roles=SIGNED_IN, response="Deal",
              summary="A deal (its parties, the region's reviewers, admins)")
    def get_deal(self, ctx, deal_id):
        principal = ctx.principal
        deal = self.store.get(Deal, deal_id)
        investor = self.store.get(Investor, deal.investor_id)
        sides = (investor.organization_id,) if principal.role == Roles.INVESTOR else (
            investor.organization_id, deal.organization_id)
        if principal.org not in sides and not is_department(principal, deal.region_code):
            raise NotFound("no such deal")
        return deal.public()
