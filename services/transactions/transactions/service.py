"""Transactions service entrypoints (thin: the rules live in domain.py, auctions.py, matching.py and
valuation.py). The online technology market (技术交易网络系统) and contract registration."""
import datetime as dt
import json
import os
import uuid
from decimal import Decimal

from prometheus_client import Counter
from nameko.timer import timer
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ttp_common import auth, search_terms, web
from ttp_common.consumer import consume
from ttp_common.errors import ApiError, Conflict, Forbidden, NotFound, ValidationFailed, field_error
from ttp_common.events import Actor
from ttp_common.reference import SICHUAN_REGIONS
from ttp_common.rpc import rpc
from ttp_common.service_base import PlatformService
from ttp_common.web import http

from . import auctions, domain, matching, valuation
from .auctions import AuctionIn, AuctionState, BidIn, BidRefused
from .documents import (
    AchievementReplica, Auction, Bid, Consultation, Contract, Demand, Listing, Match, Valuation, aware, now_ms,
)
from .domain import (
    AnswerIn, ConsultationIn, ContractIn, DemandIn, ListingIn, MatchIn, ReturnIn, TransitionRefused, WithdrawIn,
    cents,
)
from .openapi import SPEC
from .valuation import ValuationIn

ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"
ACHIEVEMENT_WITHDRAWN = "registry.achievement.withdrawn.v1"
CONTRACT_SUBMITTED = "transactions.contract.submitted.v1"
CONTRACT_RETURNED = "transactions.contract.returned.v1"
CONTRACT_REGISTERED = "transactions.contract.registered.v1"
SYSTEM = Actor(sub="service:transactions", role="system")  # for changes the service makes by itself
CLOCK_SECONDS = float(os.environ.get("TRANSACTIONS_CLOCK_SECONDS", 2))  # closes due auctions and listings
BID_ATTEMPTS = 50  # compare-and-set retries of one bid under contention
PROVINCE = "510000"  # 四川省: as a region filter, every division
PROGRAMMES = range(1, 16)  # the plan's 15 special programmes (专项)

BIDS = Counter("ttp_transactions_bids_total", "Bids by outcome (accepted or the refusal code)", ["outcome"])
BID_RETRIES = Counter("ttp_transactions_bid_cas_retries_total", "Bids re-checked because another bid got in first")
AUCTIONS_CLOSED = Counter("ttp_transactions_auctions_closed_total", "Auctions closed, by outcome", ["outcome"])
CONTRACTS_REGISTERED = Counter("ttp_transactions_contracts_registered_total", "Technology contracts registered",
                               ["contract_type"])
TECHNOLOGY_TURNOVER = Counter("ttp_transactions_registered_technology_yuan_total",
                              "Technology transaction amount (技术交易额) of registered contracts, yuan (a float "
                              "for dashboards; exact figures: GET /api/v1/turnover)")


class _Stale(Exception):
    """The aggregate changed between read and guarded write: read again and re-check the rules."""


class TransactionsService(PlatformService):
    name = "transactions"
    openapi_spec = SPEC
    documents = [AchievementReplica, Listing, Demand, Match, Auction, Bid, Contract, Valuation, Consultation]

    # -- helpers -----------------------------------------------------------------------
    def _coll(self, document, uow=None):
        return (uow.db if uow else self.store.db)[document._get_collection_name()]

    def _get(self, document, item_id, uow=None, missing="not found"):
        coll = self._coll(document, uow)
        doc = coll.find_one({"_id": str(item_id)}, session=uow.session if uow else None)
        if doc is None:
            raise NotFound(missing)
        return document._from_son(doc)

    def _act(self, work, actor):
        try:
            return self.store.transact(work, actor=actor)
        except TransitionRefused as exc:
            raise Conflict(str(exc))

    def _institution(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION)
        if not principal.org:
            raise Forbidden("institutions act for an organization (token claim 'org')")
        return principal

    @staticmethod
    def _org_of(principal):
        return None if principal.role == auth.Roles.ADMIN else principal.org

    # -- replica of the registry's published achievements ---------------------------------
    @consume(ACHIEVEMENT_PUBLISHED, ACHIEVEMENT_WITHDRAWN)
    def on_achievement(self, event):
        data, now = event.data, now_ms()

        def work(uow):
            replicas = self._coll(AchievementReplica, uow)
            if event.event_name == ACHIEVEMENT_PUBLISHED:
                replica = AchievementReplica(
                    id=data["achievement_id"], status="published", updated_at=now,
                    **{k: data[k] for k in ("registration_number", "title", "summary", "keywords", "industry",
                                            "programme", "trl", "region_code", "organization_ids",
                                            "patent_numbers", "published_at")})
                replica.validate()
                replicas.replace_one({"_id": replica.id}, replica.to_mongo().to_dict(), upsert=True,
                                     session=uow.session)
                return
            replicas.update_one({"_id": data["achievement_id"]}, {"$set": {"status": "withdrawn", "updated_at": now}},
                                session=uow.session)
            for doc in self._coll(Listing, uow).find({"achievement_id": data["achievement_id"], "status": "open"},
                                                     session=uow.session):
                self._close_listing(uow, Listing._from_son(doc), "achievement_withdrawn", now)

        self.store.transact(work, dedup=event)

    # -- listings (挂牌) ------------------------------------------------------------------
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
            seller = replica.organization_ids[0]
            if principal.role != auth.Roles.ADMIN and principal.org not in replica.organization_ids:
                raise Forbidden("only an organization of the achievement may list it",
                                [field_error("achievement_id", "not an achievement of the caller's organization")])
            if principal.role != auth.Roles.ADMIN:
                seller = principal.org
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
        limit = self._limit(request)
        docs = self._coll(Listing).find(query).sort([("opened_at", -1), ("_id", -1)]).limit(limit)
        return web.json_response({"items": [Listing._from_son(d).view() for d in docs]})

    @staticmethod
    def _region(request, province=False):
        """The ``region`` query parameter: one of Sichuan's 21 division codes, or (``province``, where it
        means every division) the province's own 510000; None when absent."""
        return web.query_param(request, "region", choices=(PROVINCE, *SICHUAN_REGIONS) if province
                               else tuple(SICHUAN_REGIONS))

    @staticmethod
    def _limit(request):
        limit = web.query_param(request, "limit", type=int, default=20)
        if not 1 <= limit <= 100:
            raise ValidationFailed.at("limit", "must be between 1 and 100")
        return limit

    @http("GET", "/api/v1/listings/<string:listing_id>")
    @web.api
    def get_listing(self, request, listing_id):
        """Open listings are public; closed or withdrawn ones only to the seller and admins."""
        listing = self._get(Listing, listing_id, missing="no such listing")
        if listing.status != "open":
            principal = self.principal(request)
            if principal.role != auth.Roles.ADMIN and principal.org != listing.seller_organization_id:
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
            if self._coll(Auction, uow).find_one({"listing_id": listing.id, "status": "open"}, session=uow.session):
                raise TransitionRefused("the listing is being auctioned")
            listing.status = domain.transition(domain.LISTING_TRANSITIONS, "withdraw", listing.status)
            listing.closed_at, listing.close_reason = now, "withdrawn"
            uow.replace(listing)
            uow.emit("transactions.listing.withdrawn.v1", {
                "listing_id": listing.id, "achievement_id": listing.achievement_id,
                "seller_organization_id": listing.seller_organization_id, "reason": body.reason,
                "withdrawn_at": now}, subject=listing.id)
            return listing

        return web.json_response(self._act(work, self.actor(request, principal)).view())

    def _close_listing(self, uow, listing, reason, now):
        listing.status = domain.transition(domain.LISTING_TRANSITIONS, "close", listing.status)
        listing.closed_at, listing.close_reason = now, reason
        uow.replace(listing)
        uow.emit("transactions.listing.closed.v1", {
            "listing_id": listing.id, "achievement_id": listing.achievement_id,
            "seller_organization_id": listing.seller_organization_id, "reason": reason, "closed_at": now},
            subject=listing.id)

    # -- the clock: listings and auctions close on time --------------------------------------
    @timer(interval=CLOCK_SECONDS)
    def clock(self):
        self._close_due(now_ms())

    @http("POST", "/api/v1/clock")
    @web.api
    def run_clock(self, request):
        """Close now what is due (the timer does it every TRANSACTIONS_CLOCK_SECONDS); admins."""
        auth.require(self.principal(request), auth.Roles.ADMIN)
        return web.json_response(self._close_due(now_ms()))

    def _close_due(self, now):
        closed = {"auctions": [], "listings": []}
        for candidate in self._coll(Auction).find({"status": "open", "ends_at": {"$lte": now}}, {"_id": 1}):
            result = self._close_auction(candidate["_id"])
            if result:
                closed["auctions"].append(result)
        for candidate in self._coll(Listing).find({"status": "open", "ends_at": {"$lte": now}}, {"_id": 1}):
            def work(uow, listing_id=candidate["_id"]):
                listing = self._get(Listing, listing_id, uow)
                if listing.status != "open" or aware(listing.ends_at) > now_ms():
                    return None
                if self._coll(Auction, uow).find_one({"listing_id": listing.id, "status": "open"},
                                                     session=uow.session):
                    return None  # the auction decides; it closes the listing when sold
                self._close_listing(uow, listing, "expired", now_ms())
                return listing.id

            if self.store.transact(work, actor=SYSTEM):
                closed["listings"].append(candidate["_id"])
        return closed

    # -- demands (需求) --------------------------------------------------------------------
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
        """Public: open demands whose deadline has not passed, newest first."""
        query = {"status": "open", "deadline": {"$gte": dt.date.today().isoformat()}}
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

    # -- matching (供需对接) ------------------------------------------------------------------
    @staticmethod
    def _demand_side(demand):
        return matching.Demand(frozenset(demand.terms), demand.programme, demand.region_code, demand.min_trl,
                               demand.budget)

    @staticmethod
    def _supply_side(listing):
        return matching.Supply(frozenset(listing.terms), listing.programme, listing.region_code, listing.trl,
                               listing.asking_price)

    @http("GET", "/api/v1/demands/<string:demand_id>/matches")
    @web.api
    def demand_matches(self, request, demand_id):
        """Public: open listings ranked for the demand, each with the reasons it matched."""
        demand = self._get(Demand, demand_id, missing="no such demand")
        side = self._demand_side(demand)
        query = {"status": "open", "$or": [{"terms": {"$in": sorted(side.terms)}}]}
        if demand.programme is not None:
            query["$or"].append({"programme": demand.programme})
        listings = {d["_id"]: Listing._from_son(d) for d in self._coll(Listing).find(query).limit(2000)}
        ranked = matching.rank(lambda listing: matching.score(side, self._supply_side(listing)),
                               listings.items(), limit=self._limit(request))
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
        query = {"status": "open", "deadline": {"$gte": dt.date.today().isoformat()},
                 "$or": [{"terms": {"$in": sorted(supply.terms)}}]}
        if listing.programme is not None:
            query["$or"].append({"programme": listing.programme})
        demands = {d["_id"]: Demand._from_son(d) for d in self._coll(Demand).find(query).limit(2000)}
        ranked = matching.rank(lambda demand: matching.score(self._demand_side(demand), supply),
                               demands.items(), limit=self._limit(request))
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
            if principal.role != auth.Roles.ADMIN and principal.org not in (demand.organization_id,
                                                                            listing.seller_organization_id):
                raise Forbidden("only the demand's or the listing's organization may propose this match")
            if listing.status != "open":
                raise ValidationFailed.at("listing_id", "the listing is not open")
            if demand.status != "open" or demand.deadline < now.date().isoformat():
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
                          proposed_by=principal.sub)
            uow.insert(match)
            uow.emit("transactions.match.proposed.v1", {
                **self._match_data(match), "proposed_by_organization_id": match.proposed_by_organization_id,
                "score": value, "reasons": match.reasons, "proposed_at": now}, subject=match.id)
            return match

        match = self._act(work, self.actor(request, principal))
        return web.json_response(match.view(), status=201, headers={"Location": f"/api/v1/matches/{match.id}"})

    @staticmethod
    def _match_data(match):
        return {k: match[k] for k in ("demand_id", "listing_id", "demand_organization_id",
                                      "seller_organization_id")} | {"match_id": match.id}

    @http("GET", "/api/v1/matches/<string:match_id>")
    @web.api
    def get_match(self, request, match_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        match = self._get(Match, match_id, missing="no such match")
        if principal.role != auth.Roles.ADMIN and principal.org not in (match.demand_organization_id,
                                                                        match.seller_organization_id):
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
            match.decided_at, match.decision_note = now, body.note
            uow.replace(match)
            uow.emit(f"transactions.match.{match.status}.v1", {
                **self._match_data(match), "decided_by_organization_id": self._org_of(principal),
                "note": body.note, f"{match.status}_at": now}, subject=match.id)
            return match

        return web.json_response(self._act(work, self.actor(request, principal)).view())

    # -- auctions (竞价拍卖) ------------------------------------------------------------------
    @http("POST", "/api/v1/auctions")
    @web.api
    def create_auction(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, AuctionIn)
        now = now_ms()

        def work(uow):
            listing = self._get(Listing, body.listing_id, uow, "no such listing")
            auth.require_org(principal, listing.seller_organization_id)
            if listing.status != "open":
                raise ValidationFailed.at("listing_id", "the listing is not open")
            if self._coll(Auction, uow).find_one({"listing_id": listing.id, "status": "open"}, session=uow.session):
                raise TransitionRefused("the listing already has an open auction")
            auction = Auction(
                id=uuid.uuid4().hex, listing_id=listing.id, achievement_id=listing.achievement_id,
                seller_organization_id=listing.seller_organization_id, start_price=body.start_price,
                reserve_price=body.reserve_price, increment=body.increment,
                starts_at=(body.starts_at or now).astimezone(dt.timezone.utc), ends_at=body.ends_at.astimezone(
                    dt.timezone.utc), extension_seconds=body.extension_seconds, status="open", bids=0, version=0,
                created_at=now, created_by=principal.sub)
            uow.insert(auction)
            uow.emit("transactions.auction.scheduled.v1", {
                "auction_id": auction.id, "listing_id": listing.id, "achievement_id": listing.achievement_id,
                "seller_organization_id": auction.seller_organization_id, "start_price": body.start_price,
                "increment": body.increment, "has_reserve": body.reserve_price is not None,
                "starts_at": auction.starts_at, "ends_at": auction.ends_at,
                "extension_seconds": auction.extension_seconds}, subject=auction.id)
            return auction

        auction = self._act(work, self.actor(request, principal))
        return web.json_response(auction.view(), status=201, headers={"Location": f"/api/v1/auctions/{auction.id}"})

    @http("GET", "/api/v1/auctions/<string:auction_id>")
    @web.api
    def get_auction(self, request, auction_id):
        """Public: the auction's state (the reserve itself is not disclosed)."""
        return web.json_response(self._get(Auction, auction_id, missing="no such auction").view())

    @http("GET", "/api/v1/auctions/<string:auction_id>/bids")
    @web.api
    def list_bids(self, request, auction_id):
        """Public: accepted bids in order."""
        self._get(Auction, auction_id, missing="no such auction")
        docs = self._coll(Bid).find({"auction_id": str(auction_id)}).sort("sequence", 1)
        return web.json_response({"items": [Bid._from_son(d).view() for d in docs]})

    @staticmethod
    def _state(auction):
        return AuctionState(
            seller_organization_id=auction.seller_organization_id, start_price=auction.start_price,
            increment=auction.increment, starts_at=aware(auction.starts_at), ends_at=aware(auction.ends_at),
            extension_seconds=auction.extension_seconds, reserve_price=auction.reserve_price,
            status=auction.status, current_price=auction.current_price,
            leader_organization_id=auction.leader_organization_id, bids=auction.bids, version=auction.version)

    @http("POST", "/api/v1/auctions/<string:auction_id>/bids")
    @web.api
    def place_bid(self, request, auction_id):
        """An authenticated institution (not the seller) bids; bids are applied one at a time by a
        compare-and-set on the auction's version, so none is lost and no two win at one price."""
        principal = self._institution(request)
        body = web.parse_body(request, BidIn)

        def work(uow):
            auction = self._get(Auction, auction_id, uow, "no such auction")
            now = now_ms()
            state = self._state(auction)
            new = auctions.apply_bid(state, principal.org, body.amount, now)
            result = self._coll(Auction, uow).update_one(
                {"_id": auction.id, "status": "open", "version": state.version},
                {"$set": {"current_price": str(body.amount), "leader_organization_id": principal.org,
                          "bids": new.bids, "version": new.version, "ends_at": new.ends_at}},
                session=uow.session)
            if result.matched_count != 1:
                raise _Stale()
            bid = Bid(id=uuid.uuid4().hex, auction_id=auction.id, sequence=new.bids,
                      bidder_organization_id=principal.org, bidder=principal.sub, amount=body.amount, placed_at=now)
            uow.insert(bid)
            uow.emit("transactions.auction.bid_accepted.v1", {
                "auction_id": auction.id, "bid_id": bid.id, "sequence": bid.sequence,
                "bidder_organization_id": principal.org, "amount": body.amount, "placed_at": now,
                "ends_at": new.ends_at}, subject=auction.id)
            return bid, new

        actor = self.actor(request, principal)
        for _ in range(BID_ATTEMPTS):
            try:
                bid, state = self.store.transact(work, actor=actor)
                break
            except (_Stale, DuplicateKeyError):
                BID_RETRIES.inc()
                continue  # another bid got in first: re-read and check again
            except BidRefused as exc:
                BIDS.labels(exc.code).inc()
                status = 403 if exc.code == "own_auction" else 409
                raise ApiError(exc.message, [field_error(exc.field, exc.message)], status=status, code=exc.code)
        else:
            BIDS.labels("contention").inc()
            raise ApiError("too many concurrent bids; try again", status=409, code="contention")
        BIDS.labels("accepted").inc()
        return web.json_response({**bid.view(), "current_price": state.current_price, "ends_at": state.ends_at},
                                 status=201)

    def _close_auction(self, auction_id):
        """Close the auction if its time has come: sold to the leader, or unsold; None if not due."""
        def work(uow):
            auction = self._get(Auction, auction_id, uow)
            state = self._state(auction)
            now = now_ms()
            if not auctions.is_due(state, now):
                return None
            outcome, winner, price = auctions.outcome(state)
            result = self._coll(Auction, uow).update_one(
                {"_id": auction.id, "status": "open", "version": state.version},
                {"$set": {"status": outcome, "closed_at": now}}, session=uow.session)
            if result.matched_count != 1:
                raise _Stale()
            uow.emit("transactions.auction.closed.v1", {
                "auction_id": auction.id, "listing_id": auction.listing_id,
                "seller_organization_id": auction.seller_organization_id, "outcome": outcome,
                "winner_organization_id": winner, "final_price": price, "bids": state.bids, "closed_at": now},
                subject=auction.id)
            if outcome == "sold":
                listing = self._get(Listing, auction.listing_id, uow)
                if listing.status == "open":
                    self._close_listing(uow, listing, "sold", now)
            return {"auction_id": auction.id, "outcome": outcome}

        for _ in range(BID_ATTEMPTS):
            try:
                result = self.store.transact(work, actor=SYSTEM)
            except _Stale:
                continue
            if result:
                AUCTIONS_CLOSED.labels(result["outcome"]).inc()
            return result
        return None

    # -- technology contracts (技术合同认定登记) -------------------------------------------------
    def _contract_origin(self, uow, body):
        """(listing_id, auction_id, achievement_id, programme, buyer) checked against the market's records."""
        listing_id, achievement_id, buyer = body.listing_id, body.achievement_id, body.buyer_organization_id
        if body.auction_id:
            doc = self._coll(Auction, uow).find_one({"_id": body.auction_id}, session=uow.session)
            if doc is None or doc["status"] != "sold":
                raise ValidationFailed.at("auction_id", "not a sold auction")
            if doc["seller_organization_id"] != body.seller_organization_id:
                raise ValidationFailed.at("seller_organization_id", "not the auction's seller")
            if buyer not in (None, doc["leader_organization_id"]):
                raise ValidationFailed.at("buyer_organization_id", "not the auction's winner")
            if listing_id not in (None, doc["listing_id"]):
                raise ValidationFailed.at("listing_id", "not the auctioned listing")
            listing_id, buyer = doc["listing_id"], doc["leader_organization_id"]
        if listing_id:
            doc = self._coll(Listing, uow).find_one({"_id": listing_id}, session=uow.session)
            if doc is None:
                raise ValidationFailed.at("listing_id", "no such listing")
            if doc["seller_organization_id"] != body.seller_organization_id:
                raise ValidationFailed.at("seller_organization_id", "not the listing's seller")
            if achievement_id not in (None, doc["achievement_id"]):
                raise ValidationFailed.at("achievement_id", "not the listed achievement")
            achievement_id = doc["achievement_id"]
        programme = None
        if achievement_id:
            replica = self._coll(AchievementReplica, uow).find_one({"_id": achievement_id}, session=uow.session)
            if replica is None:
                raise ValidationFailed.at("achievement_id", "not an achievement the registry has published")
            programme = replica.get("programme")
        return listing_id, body.auction_id, achievement_id, programme, buyer

    def _contract_fields(self, uow, body):
        listing_id, auction_id, achievement_id, programme, buyer = self._contract_origin(uow, body)
        return {**body.model_dump(exclude={"listing_id", "auction_id", "achievement_id", "buyer_organization_id"}),
                "listing_id": listing_id, "auction_id": auction_id, "achievement_id": achievement_id,
                "programme": programme, "buyer_organization_id": buyer}

    @staticmethod
    def _submitted_data(contract, resubmission):
        return {"contract_id": contract.id, "resubmission": resubmission, "submitted_at": contract.submitted_at,
                **{k: contract[k] for k in ("contract_type", "contract_amount", "technology_transaction_amount",
                                            "seller_organization_id", "buyer_organization_id", "region_code",
                                            "listing_id", "auction_id", "achievement_id")}}

    @staticmethod
    def _check_party(principal, fields):
        """The caller's organization is the seller or the buyer (the buyer may come from the auction)."""
        if principal.role != auth.Roles.ADMIN and principal.org not in (fields["seller_organization_id"],
                                                                        fields["buyer_organization_id"]):
            raise Forbidden("only a party to the contract may submit it",
                            [field_error("seller_organization_id", "the caller's organization is not a party")])

    @http("POST", "/api/v1/contracts")
    @web.api
    def submit_contract(self, request):
        """A party (seller or buyer organization) submits a contract for registration (认定登记申请)."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, ContractIn)
        now = now_ms()

        def work(uow):
            fields = self._contract_fields(uow, body)
            self._check_party(principal, fields)
            contract = Contract(id=uuid.uuid4().hex, status="submitted", submitted_at=now, submitted_by=principal.sub,
                                submitted_by_organization_id=self._org_of(principal), **fields)
            uow.insert(contract)
            uow.emit(CONTRACT_SUBMITTED, self._submitted_data(contract, False), subject=contract.id)
            return contract

        contract = self._act(work, self.actor(request, principal))
        return web.json_response(contract.view(), status=201, headers={"Location": f"/api/v1/contracts/{contract.id}"})

    @http("PUT", "/api/v1/contracts/<string:contract_id>")
    @web.api
    def resubmit_contract(self, request, contract_id):
        """After a return, the submitting party corrects and resubmits; the review starts again."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, ContractIn)
        now = now_ms()

        def work(uow):
            contract = self._get(Contract, contract_id, uow, "no such contract")
            if principal.role != auth.Roles.ADMIN and principal.org not in (contract.seller_organization_id,
                                                                            contract.buyer_organization_id):
                raise NotFound("no such contract")
            status = domain.transition(domain.CONTRACT_TRANSITIONS, "resubmit", contract.status)
            fields = self._contract_fields(uow, body)
            self._check_party(principal, fields)
            for name, value in fields.items():
                setattr(contract, name, value)
            contract.status, contract.submitted_at, contract.submitted_by = status, now, principal.sub
            uow.replace(contract)
            uow.emit(CONTRACT_SUBMITTED, self._submitted_data(contract, True), subject=contract.id)
            return contract

        return web.json_response(self._act(work, self.actor(request, principal)).view())

    def _may_see_contract(self, principal, contract):
        if principal.role == auth.Roles.ADMIN:
            return True
        if principal.role == auth.Roles.INSTITUTION:
            return principal.org in (contract.seller_organization_id, contract.buyer_organization_id)
        if principal.role == auth.Roles.REVIEWER:
            return auth.region_covers(principal.region, contract.region_code)
        return False

    @http("GET", "/api/v1/contracts/<string:contract_id>")
    @web.api
    def get_contract(self, request, contract_id):
        """The parties, the registration body of its region and admins."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        contract = self._get(Contract, contract_id, missing="no such contract")
        if not self._may_see_contract(principal, contract):
            raise NotFound("no such contract")
        return web.json_response(contract.view())

    @http("GET", "/api/v1/contracts")
    @web.api
    def list_contracts(self, request):
        """A registration body's queue (status=submitted, its region), a party's own contracts, or all (admins)."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        query = {}
        status = web.query_param(request, "status", choices=("submitted", "returned", "registered"))
        if status:
            query["status"] = status
        region = self._region(request, province=True)
        if principal.role == auth.Roles.REVIEWER:
            region = region or principal.region
            auth.require_region(principal, region)
        if principal.role == auth.Roles.INSTITUTION:
            query["$or"] = [{"seller_organization_id": principal.org}, {"buyer_organization_id": principal.org}]
        if region and region != PROVINCE:  # the province's code means every division
            query["region_code"] = region
        docs = self._coll(Contract).find(query).sort([("submitted_at", 1), ("_id", 1)]).limit(500)
        return web.json_response({"items": [Contract._from_son(d).view() for d in docs]})

    @http("POST", "/api/v1/contracts/<string:contract_id>/<string:action>")
    @web.api
    def review_contract(self, request, contract_id, action):
        """register (with a registration number) or return (with reasons): the registration body of the
        contract's region (a reviewer of that region) or admins."""
        if action not in ("register", "return"):
            raise NotFound(f"no action {action!r}; one of: register, return")
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, ReturnIn) if action == "return" else None
        now = now_ms()

        def work(uow):
            contract = self._get(Contract, contract_id, uow, "no such contract")
            if principal.role == auth.Roles.REVIEWER:
                auth.require_region(principal, contract.region_code)
            contract.status = domain.transition(domain.CONTRACT_TRANSITIONS, action, contract.status)
            if action == "return":
                contract.return_reasons = body.reasons
                uow.replace(contract)
                uow.emit(CONTRACT_RETURNED, {
                    "contract_id": contract.id, "seller_organization_id": contract.seller_organization_id,
                    "region_code": contract.region_code, "reasons": body.reasons, "returned_at": now},
                    subject=contract.id)
                return contract
            serial = uow.db["sequences"].find_one_and_update(
                {"_id": f"contract|{contract.region_code}|{now.year}"}, {"$inc": {"value": 1}},
                upsert=True, return_document=ReturnDocument.AFTER, session=uow.session)["value"]
            contract.registration_number = domain.registration_number(contract.region_code, now.year, serial)
            contract.registered_at, contract.registered_by, contract.return_reasons = now, principal.sub, []
            uow.replace(contract)
            uow.emit(CONTRACT_REGISTERED, {
                "contract_id": contract.id, "registration_number": contract.registration_number,
                "registered_at": now, "broker_person_ids": list(contract.broker_person_ids),
                **{k: contract[k] for k in ("contract_type", "contract_amount", "technology_transaction_amount",
                                            "seller_organization_id", "region_code", "buyer_organization_id",
                                            "achievement_id", "programme", "listing_id", "auction_id")}},
                subject=contract.id)
            return contract

        contract = self._act(work, self.actor(request, principal))
        if action == "register":
            CONTRACTS_REGISTERED.labels(contract.contract_type).inc()
            TECHNOLOGY_TURNOVER.inc(float(contract.technology_transaction_amount))
        return web.json_response(contract.view())

    def _turnover(self, region=None):
        query = {"status": "registered"}
        if region and region != PROVINCE:
            query["region_code"] = region
        count, amount, technology = 0, Decimal(0), Decimal(0)
        for doc in self._coll(Contract).find(query, {"contract_amount": 1, "technology_transaction_amount": 1}):
            count += 1
            amount += Decimal(doc["contract_amount"])
            technology += Decimal(doc["technology_transaction_amount"])
        return {"region_code": region or PROVINCE, "contracts": count, "contract_amount": cents(amount),
                "technology_transaction_amount": cents(technology)}

    @http("GET", "/api/v1/turnover")
    @web.api
    def get_turnover(self, request):
        """Public: registered technology contract turnover (技术合同登记交易额), optionally of one region."""
        region = self._region(request, province=True)
        return web.json_response(self._turnover(region))

    # -- appraisal (评价评估) -------------------------------------------------------------------
    @http("POST", "/api/v1/valuations")
    @web.api
    def record_valuation(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, ValuationIn)
        problem = valuation.check_inputs(body)
        if problem:
            raise ValidationFailed.at(*problem)
        now = now_ms()

        def work(uow):
            doc = self._coll(AchievementReplica, uow).find_one({"_id": body.achievement_id}, session=uow.session)
            problem = domain.check_listable(doc, body.patent_number)
            if problem:
                raise ValidationFailed.at(*problem)
            inputs = getattr(body, body.method).model_dump(mode="json")
            if body.method == "cost":
                value = valuation.cost_value(**body.cost.model_dump())
            elif body.method == "income":
                value = valuation.income_value(**body.income.model_dump())
            else:
                value, used = self._market_value(uow, body.market, doc.get("programme"))
                inputs["comparable_contract_ids"] = used
            record = Valuation(id=uuid.uuid4().hex, achievement_id=body.achievement_id,
                               patent_number=body.patent_number, method=body.method, inputs=inputs, value=value,
                               requested_by_organization_id=self._org_of(principal), created_by=principal.sub,
                               recorded_at=now)
            uow.insert(record)
            uow.emit("transactions.valuation.recorded.v1", {
                "valuation_id": record.id, "achievement_id": record.achievement_id,
                "patent_number": record.patent_number, "method": record.method, "value": value,
                "inputs_json": json.dumps(inputs, ensure_ascii=False, sort_keys=True),
                "requested_by_organization_id": record.requested_by_organization_id, "recorded_at": now},
                subject=record.id)
            return record

        record = self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(record.view(), status=201, headers={"Location": f"/api/v1/valuations/{record.id}"})

    def _market_value(self, uow, market, programme):
        contracts = self._coll(Contract, uow)
        if market.comparable_contract_ids:
            found = {d["_id"]: d for d in contracts.find(
                {"_id": {"$in": market.comparable_contract_ids}, "status": "registered"}, session=uow.session)}
            for i, contract_id in enumerate(market.comparable_contract_ids):
                if contract_id not in found:
                    raise ValidationFailed.at(f"market.comparable_contract_ids.{i}", "not a registered contract")
            docs = list(found.values())
        else:
            docs = [] if programme is None else list(contracts.find(
                {"status": "registered", "programme": programme}, session=uow.session)
                .sort("registered_at", -1).limit(20))
        if not docs:
            raise ApiError("no comparable registered contract: give comparable_contract_ids",
                           [field_error("market.comparable_contract_ids", "no comparable registered contract")],
                           status=409, code="no_comparables")
        value = valuation.market_value([d["technology_transaction_amount"] for d in docs], market.adjustment_factor)
        return value, sorted(d["_id"] for d in docs)

    @http("GET", "/api/v1/valuations/<string:valuation_id>")
    @web.api
    def get_valuation(self, request, valuation_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        record = self._get(Valuation, valuation_id, missing="no such valuation")
        if principal.role != auth.Roles.ADMIN and principal.org != record.requested_by_organization_id:
            raise NotFound("no such valuation")
        return web.json_response(record.view())

    # -- consulting (咨询辅导) --------------------------------------------------------------------
    @http("POST", "/api/v1/consultations")
    @web.api
    def request_consultation(self, request):
        principal = self._institution(request)
        body = web.parse_body(request, ConsultationIn)
        if body.institution_organization_id == principal.org:
            raise ValidationFailed.at("institution_organization_id", "ask another organization")
        now = now_ms()
        item = Consultation(id=uuid.uuid4().hex, requester_organization_id=principal.org, status="open",
                            requested_at=now, requested_by=principal.sub, **body.model_dump())

        def work(uow):
            uow.insert(item)
            uow.emit("transactions.consultation.requested.v1", {
                **self._consultation_data(item), "requested_at": now}, subject=item.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(item.view(), status=201, headers={"Location": f"/api/v1/consultations/{item.id}"})

    @staticmethod
    def _consultation_data(item):
        return {k: item[k] for k in ("requester_organization_id", "institution_organization_id", "topic")} | {
            "consultation_id": item.id}

    @http("POST", "/api/v1/consultations/<string:consultation_id>/answer")
    @web.api
    def answer_consultation(self, request, consultation_id):
        principal = self._institution(request)
        body = web.parse_body(request, AnswerIn)
        now = now_ms()

        def work(uow):
            item = self._get(Consultation, consultation_id, uow, "no such consultation")
            if principal.org not in (item.institution_organization_id, item.requester_organization_id):
                raise NotFound("no such consultation")
            if principal.org != item.institution_organization_id:
                raise Forbidden("only the institution asked may answer")
            if item.status != "open":
                raise TransitionRefused("already answered")
            item.status, item.answer, item.answered_at, item.answered_by = "answered", body.answer, now, principal.sub
            uow.replace(item)
            uow.emit("transactions.consultation.answered.v1", {
                **self._consultation_data(item), "answered_at": now}, subject=item.id)
            return item

        return web.json_response(self._act(work, self.actor(request, principal)).view())

    @http("GET", "/api/v1/consultations")
    @web.api
    def list_consultations(self, request):
        """The caller's organization's requests: asked (as the institution) or asking (as the requester)."""
        principal = self._institution(request)
        side = web.query_param(request, "side", default="asked", choices=("asked", "asking"))
        field = "institution_organization_id" if side == "asked" else "requester_organization_id"
        docs = self._coll(Consultation).find({field: principal.org}).sort("requested_at", -1).limit(200)
        return web.json_response({"items": [Consultation._from_son(d).view() for d in docs]})

    @http("GET", "/api/v1/consultations/<string:consultation_id>")
    @web.api
    def get_consultation(self, request, consultation_id):
        principal = self._institution(request)
        item = self._get(Consultation, consultation_id, missing="no such consultation")
        if principal.org not in (item.institution_organization_id, item.requester_organization_id):
            raise NotFound("no such consultation")
        return web.json_response(item.view())

    # -- RPC for other services ------------------------------------------------------------
    @rpc
    def get_open_listing(self, listing_id):
        """The public view of an open listing, or None."""
        doc = self._coll(Listing).find_one({"_id": str(listing_id), "status": "open"})
        return None if doc is None else json.loads(web.dumps(Listing._from_son(doc).view()))

    @rpc
    def get_registered_contract(self, contract_id):
        """A registered contract (amounts as decimal strings), or None."""
        doc = self._coll(Contract).find_one({"_id": str(contract_id), "status": "registered"})
        return None if doc is None else json.loads(web.dumps(Contract._from_son(doc).view()))

    @rpc
    def turnover(self, region_code=None):
        """Registered turnover: contracts, contract amount and technology transaction amount (decimal strings)."""
        return json.loads(web.dumps(self._turnover(region_code)))
