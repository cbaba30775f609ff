"""Demands (需求): an institution publishes its organization's technology need; the public finds open demands
(deadline not passed) by words, programme, region or organization; the organization (or an admin) withdraws
one that was met or dropped. Matching demands with listings is in ``matches``; the work is in
``transactions.handlers.demands``.
"""
from pydantic import Field

from ttp_common import auth
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint
from ttp_common.refusals import NotFound

from ..demands import DemandIn, DemandWithdrawIn, today
from ..documents import Demand
from ..handlers import demands as handlers
from .common import DIVISION, INSTITUTIONS, OBJECT, PROGRAMME, Before, Division, before_page, search_query


class DemandQuery(Before):
    q: str | None = Field(None, description="words")
    programme: int | None = Field(None, ge=1, le=15, description=PROGRAMME)
    region: Division | None = Field(None, description=DIVISION)
    organization: str | None = Field(None, description="demands of this organization")


class DemandEntrypoints:
    """Demands."""

    @endpoint("POST", "/api/v1/demands", roles=(Roles.INSTITUTION,), body=DemandIn, status=201, response=OBJECT,
              errors=(404, 409),
              summary="Publish a technology need (需求发布): institutions for their organization")
    def publish_demand(self, ctx):
        demand = self.store.transact(handlers.publish, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(demand.view(), f"/api/v1/demands/{demand.id}")

    @endpoint("GET", "/api/v1/demands", query=DemandQuery, response=OBJECT,
              summary="Open demands, newest first: {items, next_before} (null on the last page; public)")
    def search_demands(self, ctx):
        """Public: open demands whose deadline (a UTC date) has not passed, newest first."""
        q = ctx.query
        query = search_query({"status": "open", "deadline": {"$gte": today()}}, q.q, q.region, programme=q.programme,
                             organization_id=q.organization)
        return before_page(self.store, Demand, query, q, "published_at")

    @endpoint("GET", "/api/v1/demands/<string:demand_id>", response=OBJECT,
              summary="A demand (public while open; a withdrawn one only to its organization and admins)")
    def get_demand(self, ctx, demand_id):
        demand = self.store.get(Demand, demand_id)
        if demand.status != "open" and not auth.acts_for(ctx.principal, demand.organization_id):
            raise NotFound("no such demand")
        return demand.view()

    @endpoint("POST", "/api/v1/demands/<string:demand_id>/withdraw", roles=INSTITUTIONS, body=DemandWithdrawIn,
              body_required=False, response=OBJECT, errors=(409,),
              summary="Withdraw an open demand that was met or dropped (需求撤回): its organization, admins; the body "
                      "(an optional reason) may be omitted. It leaves the public list and matching; its proposed "
                      "matches are declined, accepted ones stay. 409 names the state when the demand is not open")
    def withdraw_demand(self, ctx, demand_id):
        return self.store.transact(handlers.withdraw, demand_id, ctx.body.reason, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()
