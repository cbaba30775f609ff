"""Roadshows and matchmaking events (路演, 对接会): scheduling one, registering an investor, and the public
listing (upcoming first) and event page with the deals that followed. The work is in
``finance.handlers.roadshows``."""
from typing import Literal

from ttp_common import paging, regions
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint
from ttp_common.errors import ValidationFailed

from .. import pool
from ..documents import Deal, Roadshow
from ..handlers import roadshows as handlers

PATH = "/api/v1/roadshows"
ONE = f"{PATH}/<string:roadshow_id>"
SOONEST, LATEST = [("starts_at", 1), ("_id", 1)], [("starts_at", -1), ("_id", -1)]


class RoadshowQuery(paging.OffsetParams):
    region: regions.RegionScope | None = None
    kind: Literal[tuple(pool.ROADSHOW_KINDS)] | None = None


class RoadshowEntrypoints:
    """Roadshows and matchmaking events."""

    @endpoint("POST", PATH, roles=(Roles.REVIEWER, Roles.ADMIN), body=pool.RoadshowIn, status=201,
              response="Roadshow", errors=(404, 409),
              summary="Schedule a roadshow or matchmaking event (reviewer of the region, admin)")
    def schedule_roadshow(self, ctx):
        return self.store.transact(handlers.schedule, ctx.body, ctx.principal, actor=ctx.actor).public()

    @endpoint("POST", f"{ONE}/registrations", roles=(Roles.INSTITUTION, Roles.INVESTOR, Roles.ADMIN),
              body=pool.RoadshowRegistrationIn, status=201, response="Roadshow", errors=(409,),
              summary="Register an investor for the event (the investor's institution or staff)")
    def register_for_roadshow(self, ctx, roadshow_id):
        return self.store.transact(handlers.register_investor, roadshow_id, ctx.body.investor_id, ctx.principal,
                                   ctx.now, actor=ctx.actor).public()

    @endpoint("GET", PATH, query=RoadshowQuery, response="RoadshowPage", errors=(401,),
              summary="List roadshows (public): upcoming ones first, soonest first, then past ones, latest first")
    def list_roadshows(self, ctx):
        """Public: upcoming events first (soonest first), then past ones (latest first), by region and kind;
        paged like the pool."""
        q = ctx.query
        query = ({"kind": q.kind} if q.kind else {}) | regions.query(q.region)
        upcoming, past = {**query, "starts_at": {"$gte": ctx.now}}, {**query, "starts_at": {"$lt": ctx.now}}
        if q.cursor and q.offset:
            raise ValidationFailed.at("offset", "give offset or cursor, not both")
        offset, size = paging.offset_of(q.cursor, required=True) if q.cursor else q.offset, q.limit + 1
        shows = self.store.find(Roadshow, upcoming, sort=SOONEST, skip=offset, limit=size)
        if len(shows) < size:
            skipped = max(0, offset - self.store.count(Roadshow, upcoming)) if not shows else 0
            shows += self.store.find(Roadshow, past, sort=LATEST, skip=skipped, limit=size - len(shows))
        more = len(shows) > q.limit
        return {"items": [show.public() for show in shows[:q.limit]], "offset": offset, "limit": q.limit,
                "next_cursor": paging.offset_cursor(offset + q.limit) if more else None}

    @endpoint("GET", ONE, response="Roadshow", errors=(401,), summary="A roadshow with its follow-up deals")
    def get_roadshow(self, ctx, roadshow_id):
        """Public: the event, its presenting projects and registered investors, and the deals that followed."""
        roadshow = self.store.get(Roadshow, roadshow_id)
        follow_ups = [{"deal_id": d.id, "financing_project_id": d.financing_project_id, "investor_id": d.investor_id,
                       "status": d.status} for d in self.store.find(Deal, {"roadshow_id": roadshow.id})]
        return {**roadshow.public(), "follow_ups": follow_ups}
