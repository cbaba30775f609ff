"""English auctions (竞价拍卖) of open listings.

The seller schedules an auction of its open listing (claiming the listing's ``open_auction_id`` by a
guarded update, so a second auction or a withdrawal in a concurrent transaction conflicts and is refused);
institutions other than the achievement's organizations bid, applied one at a time by a
compare-and-set on the auction's version (anti-sniping extends the end); the public sees the state and
the accepted bids. ``_close_auction`` sells to the leader or closes unsold when due, and closes a sold
listing (``_close_listing``, from ``listings``); the clock (``integration``) calls it.
When the registry withdraws the achievement, the replica consumer in ``integration`` settles a due
auction the same way (``_settle_auction``) and stops any other open one without a winner
(``_cancel_auction``). The rules themselves are in ``transactions.auctions``.
"""
import datetime as dt
import uuid

from prometheus_client import Counter
from pymongo.errors import DuplicateKeyError

from ttp_common import auth, web
from ttp_common.errors import ApiError, ValidationFailed, field_error
from ttp_common.web import http

from .. import auctions
from ..auctions import AuctionIn, AuctionState, BidIn, BidRefused
from ..documents import AchievementReplica, Auction, Bid, Listing, aware, now_ms
from ..domain import TransitionRefused
from .common import SYSTEM, TransactionsHelpers

BID_ATTEMPTS = 50  # compare-and-set retries of one bid under contention

BIDS = Counter("ttp_transactions_bids_total", "Bids by outcome (accepted or the refusal code)", ["outcome"])
BID_RETRIES = Counter("ttp_transactions_bid_cas_retries_total", "Bids re-checked because another bid got in first")
AUCTIONS_CLOSED = Counter("ttp_transactions_auctions_closed_total", "Auctions closed, by outcome", ["outcome"])


class _Stale(Exception):
    """The aggregate changed between read and guarded write: read again and re-check the rules."""


class AuctionEntrypoints(TransactionsHelpers):
    """Auctions and bids."""

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
            if listing.open_auction_id or self._coll(Auction, uow).find_one(
                    {"listing_id": listing.id, "status": "open"}, session=uow.session):
                raise TransitionRefused("the listing already has an open auction")
            auction_id = uuid.uuid4().hex
            # The guard: a concurrent create_auction or withdraw_listing also writes this listing, so one of
            # the two transactions conflicts, runs again and sees the other's write.
            claimed = self._coll(Listing, uow).update_one(
                {"_id": listing.id, "status": "open", "open_auction_id": None},
                {"$set": {"open_auction_id": auction_id}}, session=uow.session)
            if claimed.matched_count != 1:
                raise TransitionRefused("the listing already has an open auction")
            auction = Auction(
                id=auction_id, listing_id=listing.id, achievement_id=listing.achievement_id,
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

    @http("GET", "/api/v1/auctions")
    @web.api
    def search_auctions(self, request):
        """Public: auctions, newest first; filter by listing_id and status; paged by ``before``."""
        query = {}
        for name, choices in (("listing_id", None), ("status", auctions.STATUSES)):
            value = web.query_param(request, name, choices=choices)
            if value is not None:
                query[name] = value
        docs, next_before = self._page(request, self._coll(Auction), query, "created_at")
        return web.json_response({"items": [Auction._from_son(d).view() for d in docs], "next_before": next_before})

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
    def _state(auction, owners=frozenset()):
        return AuctionState(
            seller_organization_id=auction.seller_organization_id, start_price=auction.start_price,
            increment=auction.increment, starts_at=aware(auction.starts_at), ends_at=aware(auction.ends_at),
            extension_seconds=auction.extension_seconds, reserve_price=auction.reserve_price,
            status=auction.status, current_price=auction.current_price,
            leader_organization_id=auction.leader_organization_id, bids=auction.bids, version=auction.version,
            owner_organization_ids=owners)

    @http("POST", "/api/v1/auctions/<string:auction_id>/bids")
    @web.api
    def place_bid(self, request, auction_id):
        """An authenticated institution (not an organization of the achievement) bids; applied one at a time by a
        compare-and-set on the auction's version, so none is lost and no two win at one price."""
        principal = self._institution(request)
        body = web.parse_body(request, BidIn)

        def work(uow):
            auction = self._get(Auction, auction_id, uow, "no such auction")
            now = now_ms()
            replica = self._coll(AchievementReplica, uow).find_one({"_id": auction.achievement_id},
                                                                   {"organization_ids": 1}, session=uow.session)
            state = self._state(auction, frozenset((replica or {}).get("organization_ids", ())))
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
            now = now_ms()
            if not auctions.is_due(self._state(auction), now):
                return None
            outcome = self._settle_auction(uow, auction, now)
            if outcome is None:
                raise _Stale()
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

    def _settle_auction(self, uow, auction, now):
        """In the caller's transaction: close the due ``auction`` sold to the leader (its listing closed as sold)
        or unsold; the outcome, or None when it changed since it was read."""
        outcome = auctions.outcome(self._state(auction))[0]
        if not self._end_auction(uow, auction, outcome, now):
            return None
        if outcome == "sold":
            listing = self._get(Listing, auction.listing_id, uow)
            if listing.status == "open":
                self._close_listing(uow, listing, "sold", now)
        return outcome

    def _cancel_auction(self, uow, auction, now):
        """In the caller's transaction: close the open ``auction`` without a winner (outcome ``cancelled``); False
        when it changed since it was read. A concurrent bid writes the auction too, so one of the two
        transactions conflicts and runs again; bids after it are refused (auction_closed)."""
        return self._end_auction(uow, auction, "cancelled", now)

    def _end_auction(self, uow, auction, outcome, now):
        """Set the outcome of the open ``auction`` as read (its version), free its listing and emit
        ``transactions.auction.closed.v1``; False, with nothing written, when it changed since it was read."""
        result = self._coll(Auction, uow).update_one(
            {"_id": auction.id, "status": "open", "version": auction.version},
            {"$set": {"status": outcome, "closed_at": now}}, session=uow.session)
        if result.matched_count != 1:
            return False
        sold = outcome == "sold"
        uow.emit("transactions.auction.closed.v1", {
            "auction_id": auction.id, "listing_id": auction.listing_id,
            "seller_organization_id": auction.seller_organization_id, "outcome": outcome,
            "winner_organization_id": auction.leader_organization_id if sold else None,
            "final_price": auction.current_price if sold else None, "bids": auction.bids, "closed_at": now},
            subject=auction.id)
        self._coll(Listing, uow).update_one({"_id": auction.listing_id, "open_auction_id": auction.id},
                                            {"$unset": {"open_auction_id": ""}}, session=uow.session)
        return True
