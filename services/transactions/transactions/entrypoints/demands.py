"""Demands (需求): an institution publishes its organization's technology need; the public finds open
demands (deadline not passed) by words, programme, region or organization. Matching demands with
listings is in ``listings``.
"""
import uuid

from ttp_common import search_terms, web
from ttp_common.reference import SICHUAN_REGIONS
from ttp_common.web import http

from .. import matching
from ..documents import Demand, now_ms, today
from ..domain import DemandIn
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
        docs = self._coll(Demand).find(query).sort([("published_at", -1), ("_id", -1)]).limit(self._limit(request))
        return web.json_response({"items": [Demand._from_son(d).view() for d in docs]})

    @http("GET", "/api/v1/demands/<string:demand_id>")
    @web.api
    def get_demand(self, request, demand_id):
        return web.json_response(self._get(Demand, demand_id, missing="no such demand").view())
