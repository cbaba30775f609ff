"""Demands (需求): an institution publishes its organization's technology need; the public finds open
demands (deadline not passed) by words, programme, region or organization; the organization (or an
admin) withdraws one that was met or dropped. Matching demands with listings is in ``listings``.
"""
import uuid

from ttp_common import auth, paging, search_terms, web
from ttp_common.errors import NotFound
from ttp_common.reference import SICHUAN_REGIONS
from ttp_common.web import http

from .. import domain, matching
from ..documents import Demand, now_ms, today
from ..domain import DemandIn, DemandWithdrawIn
from .common import PROGRAMMES, TransactionsHelpers


class DemandEntrypoints(TransactionsHelpers):
    """Demands."""

    @http("POST", "/api/v1/demands")
    @web.api
    def publish_demand(self, request):
        principal = self._institution(request)
        body = web.parse_body(request, DemandIn)
        now = now_ms()
        demand = Demand(id=uuid.uuid4().hex, organization_id=principal.org, status="open", published_at=now,
                        created_by=principal.sub, deadline=body.deadline.isoformat(),
                        terms=sorted(matching.demand_terms(body.title, body.problem, body.keywords)),
                        **body.model_dump(exclude={"deadline"}))

        def work(uow):
            uow.insert(demand)
            uow.emit("transactions.demand.published.v1", {
                "demand_id": demand.id, "organization_id": demand.organization_id, "title": body.title,
                "keywords": body.keywords, "programme": body.programme, "region_code": body.region_code,
                "budget": body.budget, "min_trl": body.min_trl, "deadline": body.deadline, "published_at": now},
                subject=demand.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(demand.view(), status=201, headers={"Location": f"/api/v1/demands/{demand.id}"})

    @http("GET", "/api/v1/demands")
    @web.api
    def search_demands(self, request):
        """Public: open demands whose deadline (a UTC date) has not passed, newest first."""
        query = {"status": "open", "deadline": {"$gte": today()}}
        wanted = search_terms.terms(web.query_param(request, "q", default=""))
        if wanted:
            query["terms"] = {"$all": wanted}
        for name, field, kind, choices in (("programme", "programme", int, PROGRAMMES),
                                           ("region", "region_code", str, tuple(SICHUAN_REGIONS)),
                                           ("organization", "organization_id", str, None)):
            value = web.query_param(request, name, type=kind, choices=choices)
            if value is not None:
                query[field] = value
        docs = self._coll(Demand).find(query).sort([("published_at", -1), ("_id", -1)]).limit(paging.limit(request))
        return web.json_response({"items": [Demand._from_son(d).view() for d in docs]})

    @http("GET", "/api/v1/demands/<string:demand_id>")
    @web.api
    def get_demand(self, request, demand_id):
        """Open demands are public; withdrawn ones only to their organization and admins."""
        demand = self._get(Demand, demand_id, missing="no such demand")
        if demand.status != "open":
            principal = self.principal(request)
            if not auth.acts_for(principal, demand.organization_id):
                raise NotFound("no such demand")
        return web.json_response(demand.view())

    @http("POST", "/api/v1/demands/<string:demand_id>/withdraw")
    @web.api
    def withdraw_demand(self, request, demand_id):
        """The demand's organization (or an admin) takes an open demand down (需求撤回): it leaves the public
        list and matching. Its proposed matches are declined with it (each side is told by
        ``transactions.match.declined.v1``), since nobody should accept a pair for a need that is gone;
        accepted matches stay as they are, the two sides having already agreed to talk."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, DemandWithdrawIn) if request.get_data() else DemandWithdrawIn()
        now = now_ms()

        def work(uow):
            demand = self._get(Demand, demand_id, uow, "no such demand")
            auth.require_org(principal, demand.organization_id)
            demand.status = domain.transition(domain.DEMAND_TRANSITIONS, "withdraw", demand.status)
            demand.withdrawn_at, demand.withdrawal_reason = now, body.reason
            uow.replace(demand)
            uow.emit("transactions.demand.withdrawn.v1", {
                "demand_id": demand.id, "organization_id": demand.organization_id, "reason": body.reason,
                "withdrawn_at": now}, subject=demand.id)
            note = "需求已撤回" + (f": {body.reason}" if body.reason else "")
            self._decline_proposed_matches(uow, {"demand_id": demand.id}, note, self._org_of(principal), now)
            return demand

        return web.json_response(self._act(work, self.actor(request, principal)).view())
