"""Listings (挂牌) and matching (供需对接).

An organization of a published achievement lists it (or one of its patents) with a pricing mode; the
public searches open listings; the seller withdraws one, the clock closes it when it expires, an auction
when it is sold, the registry's withdrawal of the achievement when that comes; its proposed matches are
declined then (accepted ones stay), as a withdrawn demand's are. Matching ranks open
demands for a listing and open listings for a demand, lets either side propose a pair to the other,
and the other side accept or decline.

Ranking scores at most ``MATCH_CANDIDATES`` candidates, newest first: those sharing the programme or
a non-generic term of the keywords (every keyword match shares one, see ``matching``); others are
not ranked.

``_close_listing`` is also used by the auctions and by the clock and replica consumer
(``integration``).
"""
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common import auth, paging, search_terms, web
from ttp_common.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from ttp_common.reference import SICHUAN_REGIONS
from ttp_common.web import http

from .. import domain, matching
from ..documents import AchievementReplica, Auction, Demand, Listing, Match, now_ms, today
from ..domain import MATCH_STATUSES, ListingIn, MatchIn, TransitionRefused, WithdrawIn
from .common import PROGRAMMES, TransactionsHelpers

MATCH_CANDIDATES = 2000  # candidates scored per ranking (see the module's docstring)
CLOSED_NOTES = {"sold": "挂牌已成交", "expired": "挂牌已到期", "achievement_withdrawn": "成果已被登记机构撤回"}


class ListingEntrypoints(TransactionsHelpers):
    """Listings and matching."""

    # -- listings (挂牌) ---------------------------------------------------------------------------
    @http("POST", "/api/v1/listings")
    @web.api
    def create_listing(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, ListingIn)
        now = now_ms()

        def work(uow):
            doc = self._coll(AchievementReplica, uow).find_one({"_id": body.achievement_id}, session=uow.session)
            problem = domain.check_listable(doc, body.patent_number)
            if problem:
                raise ValidationFailed.at(*problem)
            replica = AchievementReplica._from_son(doc)
            if principal.role != auth.Roles.ADMIN:
                if principal.org not in replica.organization_ids:
                    raise Forbidden("only an organization of the achievement may list it", [
                        field_error("achievement_id", "not an achievement of the caller's organization")])
                seller = principal.org
            elif replica.organization_ids:
                seller = replica.organization_ids[0]
            else:
                raise ValidationFailed.at("achievement_id", "the achievement names no organization to sell it")
            listing = Listing(
                id=uuid.uuid4().hex, achievement_id=replica.id, patent_number=body.patent_number,
                seller_organization_id=seller, mode=body.mode, asking_price=body.asking_price, status="open",
                title=replica.title, description=body.description, keywords=list(replica.keywords),
                programme=replica.programme, trl=replica.trl, region_code=replica.region_code,
                terms=sorted(matching.supply_terms(replica.title, replica.summary, replica.keywords,
                                                   replica.industry)),
                opened_at=now, ends_at=domain.listing_end(now, body.period_days, body.ends_at),
                created_by=principal.sub)
            uow.insert(listing)
            uow.emit("transactions.listing.opened.v1", {
                "listing_id": listing.id, "achievement_id": listing.achievement_id,
                "patent_number": listing.patent_number, "seller_organization_id": seller, "mode": listing.mode,
                "asking_price": body.asking_price, "title": listing.title, "programme": listing.programme,
                "trl": listing.trl, "region_code": listing.region_code, "opened_at": now,
                "ends_at": listing.ends_at}, subject=listing.id)
            return listing

        listing = self._act(work, self.actor(request, principal))
        return web.json_response(listing.view(), status=201, headers={"Location": f"/api/v1/listings/{listing.id}"})

    @http("GET", "/api/v1/listings")
    @web.api
    def search_listings(self, request):
        """Public: open listings, newest first; q (Chinese or Latin words), programme, region, mode."""
        query = {"status": "open"}
        wanted = search_terms.terms(web.query_param(request, "q", default=""))
        if wanted:
            query["terms"] = {"$all": wanted}
        for name, field, kind, choices in (("programme", "programme", int, PROGRAMMES),
                                           ("region", "region_code", str, tuple(SICHUAN_REGIONS)),
                                           ("mode", "mode", str, tuple(domain.LISTING_MODES)),
                                           ("achievement", "achievement_id", str, None),
                                           ("seller", "seller_organization_id", str, None)):
            value = web.query_param(request, name, type=kind, choices=choices)
            if value is not None:
                query[field] = value
        limit = paging.limit(request)
        docs = self._coll(Listing).find(query).sort([("opened_at", -1), ("_id", -1)]).limit(limit)
        return web.json_response({"items": [Listing._from_son(d).view() for d in docs]})

    @http("GET", "/api/v1/listings/<string:listing_id>")
    @web.api
    def get_listing(self, request, listing_id):
        """Open listings are public; closed or withdrawn ones only to the seller and admins."""
        listing = self._get(Listing, listing_id, missing="no such listing")
        if listing.status != "open":
            principal = self.principal(request)
            if not auth.acts_for(principal, listing.seller_organization_id):
                raise NotFound("no such listing")
        return web.json_response(listing.view())

    @http("POST", "/api/v1/listings/<string:listing_id>/withdraw")
    @web.api
    def withdraw_listing(self, request, listing_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, WithdrawIn)
        now = now_ms()

        def work(uow):
            listing = self._get(Listing, listing_id, uow, "no such listing")
            auth.require_org(principal, listing.seller_organization_id)
            # open_auction_id is written by create_auction in its transaction: a concurrent one conflicts here.
            if listing.open_auction_id or self._coll(Auction, uow).find_one(
                    {"listing_id": listing.id, "status": "open"}, session=uow.session):
                raise TransitionRefused("the listing is being auctioned")
            listing.status = domain.transition(domain.LISTING_TRANSITIONS, "withdraw", listing.status)
            listing.closed_at, listing.close_reason = now, "withdrawn"
            uow.replace(listing)
            uow.emit("transactions.listing.withdrawn.v1", {
                "listing_id": listing.id, "achievement_id": listing.achievement_id,
                "seller_organization_id": listing.seller_organization_id, "reason": body.reason,
                "withdrawn_at": now}, subject=listing.id)
            self._decline_proposed_matches(uow, {"listing_id": listing.id}, f"挂牌已撤回: {body.reason}",
                                           self._org_of(principal), now)
            return listing

        return web.json_response(self._act(work, self.actor(request, principal)).view())

    def _close_listing(self, uow, listing, reason, now):
        """In the caller's transaction: close the open ``listing`` (sold, expired, achievement_withdrawn) and
        decline its proposed matches."""
        listing.status = domain.transition(domain.LISTING_TRANSITIONS, "close", listing.status)
        listing.closed_at, listing.close_reason = now, reason
        uow.replace(listing)
        uow.emit("transactions.listing.closed.v1", {
            "listing_id": listing.id, "achievement_id": listing.achievement_id,
            "seller_organization_id": listing.seller_organization_id, "reason": reason, "closed_at": now},
            subject=listing.id)
        self._decline_proposed_matches(uow, {"listing_id": listing.id}, CLOSED_NOTES.get(reason, "挂牌已结束"),
                                       None, now)

    # -- matching (供需对接) -------------------------------------------------------------------------
    @staticmethod
    def _demand_side(demand):
        return matching.Demand(matching.meaningful_terms(demand.title, demand.problem, *demand.keywords),
                               demand.programme, demand.region_code, demand.min_trl, demand.budget,
                               tuple(demand.keywords))

    @staticmethod
    def _supply_side(listing):
        return matching.Supply(frozenset(listing.terms), listing.programme, listing.region_code, listing.trl,
                               listing.asking_price, tuple(listing.keywords), listing.title)

    @staticmethod
    def _candidates(coll, query, terms, programme, newest):
        """At most MATCH_CANDIDATES documents of ``query`` sharing one of ``terms`` or the programme, newest first."""
        alternatives = [{"terms": {"$in": terms}}] + ([{"programme": programme}] if programme is not None else [])
        return coll.find({**query, "$or": alternatives}).sort([(newest, -1), ("_id", -1)]).limit(MATCH_CANDIDATES)

    @http("GET", "/api/v1/demands/<string:demand_id>/matches")
    @web.api
    def demand_matches(self, request, demand_id):
        """Public for open demands: open listings ranked for the demand, each with the reasons it matched."""
        demand = self._get(Demand, demand_id, missing="no such demand")
        if demand.status != "open":
            raise NotFound("no such open demand")
        side = self._demand_side(demand)
        docs = self._candidates(self._coll(Listing), {"status": "open"},
                                matching.listing_prefilter_terms(demand.keywords), demand.programme, "opened_at")
        listings = {d["_id"]: Listing._from_son(d) for d in docs}
        ranked = matching.rank(lambda listing: matching.score(side, self._supply_side(listing)),
                               listings.items(), limit=paging.limit(request))
        return web.json_response({"demand_id": demand.id, "items": [
            {**r, "listing": listings[r["id"]].view()} for r in ranked]})

    @http("GET", "/api/v1/listings/<string:listing_id>/matches")
    @web.api
    def listing_matches(self, request, listing_id):
        """Public for open listings: open demands ranked for the listing, with the reasons."""
        listing = self._get(Listing, listing_id, missing="no such listing")
        if listing.status != "open":
            raise NotFound("no such open listing")
        supply = self._supply_side(listing)
        docs = self._candidates(self._coll(Demand), {"status": "open", "deadline": {"$gte": today()}},
                                matching.demand_prefilter_terms(listing.title, listing.keywords), listing.programme,
                                "published_at")
        demands = {d["_id"]: Demand._from_son(d) for d in docs}
        ranked = matching.rank(lambda demand: matching.score(self._demand_side(demand), supply),
                               demands.items(), limit=paging.limit(request))
        return web.json_response({"listing_id": listing.id, "items": [
            {**r, "demand": demands[r["id"]].view()} for r in ranked]})

    @http("POST", "/api/v1/matches")
    @web.api
    def propose_match(self, request):
        """Either side (or an admin) proposes a demand and a listing to each other; both sides get the event."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, MatchIn)
        now = now_ms()

        def work(uow):
            demand = self._get(Demand, body.demand_id, uow, "no such demand")
            listing = self._get(Listing, body.listing_id, uow, "no such listing")
            if not auth.acts_for(principal, demand.organization_id, listing.seller_organization_id):
                raise Forbidden("only the demand's or the listing's organization may propose this match")
            if listing.status != "open":
                raise ValidationFailed.at("listing_id", "the listing is not open")
            # The guard: a concurrent withdraw_demand also writes the demand, so one of the two transactions
            # conflicts, runs again and sees the other's write (no proposed match is left on a withdrawn demand).
            if demand.deadline < today() or self._coll(Demand, uow).update_one(
                    {"_id": demand.id, "status": "open"}, {"$set": {"last_proposed_at": now}},
                    session=uow.session).matched_count != 1:
                raise ValidationFailed.at("demand_id", "the demand is not open")
            if self._coll(Match, uow).find_one({"demand_id": demand.id, "listing_id": listing.id,
                                                "status": {"$in": ["proposed", "accepted"]}}, session=uow.session):
                raise TransitionRefused("this demand and listing are already matched")
            value, reasons = matching.score(self._demand_side(demand), self._supply_side(listing))
            match = Match(id=uuid.uuid4().hex, demand_id=demand.id, listing_id=listing.id,
                          demand_organization_id=demand.organization_id,
                          seller_organization_id=listing.seller_organization_id,
                          proposed_by_organization_id=self._org_of(principal), status="proposed", score=value,
                          reasons=[r["detail"] for r in reasons], note=body.note, proposed_at=now,
                          proposed_by=principal.sub, live_pair=f"{demand.id} {listing.id}")
            uow.insert(match)
            uow.emit("transactions.match.proposed.v1", {
                **self._match_data(match), "proposed_by_organization_id": match.proposed_by_organization_id,
                "score": value, "reasons": match.reasons, "proposed_at": now}, subject=match.id)
            return match

        try:
            match = self._act(work, self.actor(request, principal))
        except DuplicateKeyError:  # a concurrent proposal of the same pair committed first (live_pair)
            raise Conflict("this demand and listing are already matched") from None
        return web.json_response(match.view(), status=201, headers={"Location": f"/api/v1/matches/{match.id}"})

    @http("GET", "/api/v1/matches")
    @web.api
    def list_matches(self, request):
        """Matches of the caller's organization (either side; admins: all), newest first; filter by status;
        paged by ``before``."""
        principal = self._institution(request, admin=True)
        query = {}
        status = web.query_param(request, "status", choices=MATCH_STATUSES)
        if status:
            query["status"] = status
        if principal.role != auth.Roles.ADMIN:
            query["$or"] = [{"demand_organization_id": principal.org}, {"seller_organization_id": principal.org}]
        docs, next_before = self._page(request, self._coll(Match), query, "proposed_at")
        return web.json_response({"items": [Match._from_son(d).view() for d in docs], "next_before": next_before})

    @http("GET", "/api/v1/matches/<string:match_id>")
    @web.api
    def get_match(self, request, match_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        match = self._get(Match, match_id, missing="no such match")
        if not auth.acts_for(principal, match.demand_organization_id, match.seller_organization_id):
            raise NotFound("no such match")
        return web.json_response(match.view())

    @http("POST", "/api/v1/matches/<string:match_id>/<string:action>")
    @web.api
    def decide_match(self, request, match_id, action):
        """accept or decline: the side that did not propose (either side when an admin proposed), admins."""
        if action not in domain.MATCH_TRANSITIONS:
            raise NotFound(f"no action {action!r}; one of: accept, decline")
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, domain.DecisionIn) if request.get_data() else domain.DecisionIn()
        now = now_ms()

        def work(uow):
            match = self._get(Match, match_id, uow, "no such match")
            if principal.role != auth.Roles.ADMIN:
                sides = {match.demand_organization_id, match.seller_organization_id}
                if principal.org not in sides:
                    raise NotFound("no such match")
                if principal.org == match.proposed_by_organization_id:
                    raise Forbidden("the other side decides on a proposed match")
            match.status = domain.transition(domain.MATCH_TRANSITIONS, action, match.status)
            if action == "accept" and self._get(Listing, match.listing_id, uow).status != "open":
                raise TransitionRefused("the listing is no longer open")  # proposed before it closed
            match.decided_at, match.decision_note = now, body.note
            if match.status == "declined":
                match.live_pair = None  # the pair may be proposed again
            uow.replace(match)
            uow.emit(f"transactions.match.{match.status}.v1", {
                **self._match_data(match), "decided_by_organization_id": self._org_of(principal),
                "note": body.note, f"{match.status}_at": now}, subject=match.id)
            return match

        return web.json_response(self._act(work, self.actor(request, principal)).view())
