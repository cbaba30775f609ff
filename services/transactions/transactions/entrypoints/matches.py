"""Matching (供需对接): open listings ranked for an open demand and open demands for an open listing, each with the
reasons they matched (public); either side proposes a pair to the other, and the other side accepts or
declines. The work is in ``transactions.handlers.matches``.
"""
from typing import Literal

from pydantic import Field

from ttp_common import auth
from ttp_common.endpoints import created, endpoint
from ttp_common.refusals import NotFound

from ..documents import Match
from ..handlers import matches as handlers
from ..matches import MATCH_STATUSES, MATCH_TRANSITIONS, DecisionIn, MatchIn
from .common import INSTITUTIONS, OBJECT, Before, Limited, before_page


class MatchQuery(Before):
    status: Literal[MATCH_STATUSES] | None = Field(None, description="proposed, accepted or declined")


class MatchEntrypoints:
    """Ranking and matches."""

    @endpoint("GET", "/api/v1/demands/<string:demand_id>/matches", query=Limited, response=OBJECT,
              summary="Open listings ranked for an open demand (declared keywords, programme, region, TRL, price vs "
                      "budget; public). Scores at most 2,000 candidates: open listings sharing a term of a declared "
                      "keyword, or the programme, newest first")
    def demand_matches(self, ctx, demand_id):
        return handlers.listings_for(self.store, demand_id, ctx.query.limit)

    @endpoint("GET", "/api/v1/listings/<string:listing_id>/matches", query=Limited, response=OBJECT,
              summary="Open demands ranked for the listing, each with what matched (public). Scores at most 2,000 "
                      "candidates: open demands sharing a term of the achievement's title or keywords, or its "
                      "programme, newest first")
    def listing_matches(self, ctx, listing_id):
        return handlers.demands_for(self.store, listing_id, ctx.query.limit)

    @endpoint("POST", "/api/v1/matches", roles=INSTITUTIONS, body=MatchIn, status=201, response=OBJECT,
              errors=(404, 409),
              summary="Propose a demand and a listing to each other (供需对接): either side, admins; 409 while the "
                      "pair has a proposed or accepted match")
    def propose_match(self, ctx):
        match = self.store.transact(handlers.propose, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(match.view(), f"/api/v1/matches/{match.id}")

    @endpoint("GET", "/api/v1/matches", roles=INSTITUTIONS, query=MatchQuery, response=OBJECT,
              summary="Matches where the caller's organization is the demand's or the listing's side (admins: all), "
                      "newest first: {items, next_before} (null on the last page). 403 for an institution token "
                      "without an organization")
    def list_matches(self, ctx):
        query = {"status": ctx.query.status} if ctx.query.status else {}
        if ctx.principal.role != auth.Roles.ADMIN:
            query["$or"] = [{"demand_organization_id": ctx.principal.org}, {"seller_organization_id": ctx.principal.org}]
        return before_page(self.store, Match, query, ctx.query, "proposed_at")

    @endpoint("GET", "/api/v1/matches/<string:match_id>", roles=INSTITUTIONS, response=OBJECT, errors=(400, 409),
              summary="A match: its two sides, admins")
    def get_match(self, ctx, match_id):
        match = self.store.get(Match, match_id)
        if not auth.acts_for(ctx.principal, match.demand_organization_id, match.seller_organization_id):
            raise NotFound("no such match")
        return match.view()

    @endpoint("POST", "/api/v1/matches/<string:match_id>/<string:action>", roles=INSTITUTIONS, body=DecisionIn,
              body_required=False, response=OBJECT, errors=(409,),
              parameters={"action": {"description": "accept or decline",
                                     "schema": {"type": "string", "enum": list(MATCH_TRANSITIONS)}}},
              summary="accept or decline a proposed match: the side that did not propose, admins; 409 on accept when "
                      "the listing is no longer open")
    def decide_match(self, ctx, match_id, action):
        if action not in MATCH_TRANSITIONS:
            raise NotFound(f"no action {action!r}; one of: accept, decline")
        return self.store.transact(handlers.decide, match_id, action, ctx.body.note, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()
