"""English auctions (竞价拍卖) of open listings: setting one up, bids, and the end (sold, unsold, cancelled).

The seller schedules an auction of its open listing, claiming the listing's ``open_auction_id`` by a guarded
update, so a second auction or a withdrawal in a concurrent transaction conflicts and is refused. Bids are
applied one at a time by a compare-and-set on the auction's version (``place_bid`` raises ``Stale`` when another
bid got in first; ``bid`` reads again and re-checks, up to ``BID_ATTEMPTS`` times). A due auction is sold to
its leader or closed unsold (``settle``; a sold one closes its listing as sold); when the registry withdraws
the achievement, an auction still running is cancelled (``cancel``). The rules are in
``transactions.auctions``.
"""
import datetime as dt
import uuid

from prometheus_client import Counter
from pymongo.errors import DuplicateKeyError

from ttp_common import auth, clock
from ttp_common.refusals import Conflict, Invalid, NotAllowed, TransitionRefused

from .. import auctions
from ..auctions import AuctionState, BidRefused
from ..documents import AchievementReplica, Auction, Bid, Listing, aware
from . import listings
from .common import SYSTEM

BID_ATTEMPTS = 50  # compare-and-set retries of one bid (or one close) under contention
SCHEDULED = "transactions.auction.scheduled.v1"
BID_ACCEPTED = "transactions.auction.bid_accepted.v1"
CLOSED = "transactions.auction.closed.v1"

BIDS = Counter("ttp_transactions_bids_total", "Bids by outcome (accepted or the refusal code)", ["outcome"])
BID_RETRIES = Counter("ttp_transactions_bid_cas_retries_total", "Bids re-checked because another bid got in first")
AUCTIONS_CLOSED = Counter("ttp_transactions_auctions_closed_total", "Auctions closed, by outcome", ["outcome"])


class Stale(Exception):
    """The auction changed between read and guarded write: read again and re-check the rules."""


def schedule(uow, body, principal, at):
    """An auction (``AuctionIn``) of an open listing of the caller's organization that has none open."""
    listing = uow.get(Listing, body.listing_id)
    auth.require_org(principal, listing.seller_organization_id)
    if listing.status != "open":
        raise Invalid("the listing is not open", field="listing_id")
    if listing.open_auction_id or uow.find_one(Auction, {"listing_id": listing.id, "status": "open"}):
        raise TransitionRefused("the listing already has an open auction")
    auction_id = uuid.uuid4().hex
    # The guard: a concurrent set-up or withdrawal also writes this listing, so one of the two transactions
    # conflicts, runs again and sees the other's write.
    if uow.update(Listing, {"_id": listing.id, "status": "open", "open_auction_id": None},
                  {"$set": {"open_auction_id": auction_id}}) != 1:
        raise TransitionRefused("the listing already has an open auction")
    auction = Auction(
        id=auction_id, listing_id=listing.id, achievement_id=listing.achievement_id,
        ip_right_ids=list(listing.ip_right_ids or ()), transfer_mode=listing.transfer_mode,
        licence_kind=listing.licence_kind, seller_organization_id=listing.seller_organization_id, start_price=body.start_price,
        reserve_price=body.reserve_price, increment=body.increment,
        starts_at=(body.starts_at or at).astimezone(dt.timezone.utc), ends_at=body.ends_at.astimezone(dt.timezone.utc),
        extension_seconds=body.extension_seconds, status="open", bids=0, version=0, created_at=at,
        created_by=principal.sub)
    uow.insert(auction)
    uow.emit(SCHEDULED, {
        "auction_id": auction.id, "listing_id": listing.id, "achievement_id": listing.achievement_id,
        "ip_right_ids": auction.ip_right_ids, "transfer_mode": auction.transfer_mode,
        "licence_kind": auction.licence_kind, "seller_organization_id": auction.seller_organization_id, "start_price": body.start_price,
        "increment": body.increment, "has_reserve": body.reserve_price is not None, "starts_at": auction.starts_at,
        "ends_at": auction.ends_at, "extension_seconds": auction.extension_seconds}, subject=auction.id)
    return auction


def state(auction, owners=frozenset()):
    """The rules' view of an auction document (``owners``: the listed achievement's organizations)."""
    return AuctionState(
        seller_organization_id=auction.seller_organization_id, start_price=auction.start_price,
        increment=auction.increment, starts_at=aware(auction.starts_at), ends_at=aware(auction.ends_at),
        extension_seconds=auction.extension_seconds, reserve_price=auction.reserve_price, status=auction.status,
        current_price=auction.current_price, leader_organization_id=auction.leader_organization_id,
        bids=auction.bids, version=auction.version, owner_organization_ids=owners)


def place_bid(uow, auction_id, amount, principal, at=None):
    """One bid of the caller's organization, checked by the rules against the auction as read and written by a
    compare-and-set on its version: (the bid, the auction's new state); ``Stale`` when another bid got in
    first, ``BidRefused`` when the rules say no. ``at``: the moment of the bid (default: now, read in the
    transaction, so a bid checked again is checked at its own time)."""
    auction = uow.get(Auction, auction_id)
    at = at or clock.now_ms()
    replica = uow.find_one(AchievementReplica, {"_id": auction.achievement_id})
    new = auctions.apply_bid(state(auction, frozenset(replica.organization_ids if replica else ())), principal.org,
                             amount, at)
    if uow.update(Auction, {"_id": auction.id, "status": "open", "version": auction.version},
                  {"$set": {"current_price": str(amount), "leader_organization_id": principal.org, "bids": new.bids,
                            "version": new.version, "ends_at": new.ends_at}}) != 1:
        raise Stale()
    bid = Bid(id=uuid.uuid4().hex, auction_id=auction.id, sequence=new.bids, bidder_organization_id=principal.org,
              bidder=principal.sub, amount=amount, placed_at=at)
    uow.insert(bid)
    uow.emit(BID_ACCEPTED, {
        "auction_id": auction.id, "bid_id": bid.id, "sequence": bid.sequence, "bidder_organization_id": principal.org,
        "amount": amount, "placed_at": at, "ends_at": new.ends_at}, subject=auction.id)
    return bid, new


def bid(store, auction_id, amount, principal, actor):
    """``place_bid`` in its own transaction, read and checked again while other bids get in first: (the bid, the
    auction's new state). A refused bid is a 403 (``own_auction``) or a 409 with the rule's code and field;
    ``contention`` (409) after ``BID_ATTEMPTS``."""
    for _ in range(BID_ATTEMPTS):
        try:
            result = store.transact(place_bid, auction_id, amount, principal, actor=actor)
        except (Stale, DuplicateKeyError):
            BID_RETRIES.inc()
            continue  # another bid got in first: re-read and check again
        except BidRefused as exc:
            BIDS.labels(exc.code).inc()
            refusal = NotAllowed if exc.code == "own_auction" else Conflict
            raise refusal(exc.message, field=exc.field, code=exc.code) from None
        BIDS.labels("accepted").inc()
        return result
    BIDS.labels("contention").inc()
    raise Conflict("too many concurrent bids; try again", code="contention")


def close_if_due(uow, auction_id, at=None):
    """Close the auction if its time has come (sold to the leader, or unsold): ``{auction_id, outcome}``, None
    if not due; ``Stale`` when it changed since it was read. ``at``: default now, read in the transaction."""
    auction = uow.get(Auction, auction_id)
    at = at or clock.now_ms()
    if not auctions.is_due(state(auction), at):
        return None
    outcome = settle(uow, auction, at)
    if outcome is None:
        raise Stale()
    return {"auction_id": auction.id, "outcome": outcome}


def close(store, auction_id):
    """``close_if_due`` in its own transaction, again while the auction changes under it (up to
    ``BID_ATTEMPTS``); the result, or None."""
    for _ in range(BID_ATTEMPTS):
        try:
            result = store.transact(close_if_due, auction_id, actor=SYSTEM)
        except Stale:
            continue
        if result:
            AUCTIONS_CLOSED.labels(result["outcome"]).inc()
        return result
    return None


def settle(uow, auction, at):
    """Close the due ``auction`` sold to the leader (its listing closed as sold) or unsold; the outcome, or None
    when it changed since it was read."""
    outcome = auctions.outcome(state(auction))[0]
    if not _end(uow, auction, outcome, at):
        return None
    if outcome == "sold":
        listing = uow.get(Listing, auction.listing_id)
        if listing.status == "open":
            listings.close(uow, listing, "sold", at)
    return outcome


def cancel(uow, auction, at):
    """Close the open ``auction`` without a winner (outcome ``cancelled``); False when it changed since it was
    read. A concurrent bid writes the auction too, so one of the two transactions conflicts and runs again;
    bids after it are refused (auction_closed)."""
    return _end(uow, auction, "cancelled", at)


def _end(uow, auction, outcome, at):
    """Set the outcome of the open ``auction`` as read (its version), free its listing and emit
    ``transactions.auction.closed.v1``; False, with nothing written, when it changed since it was read."""
    if uow.update(Auction, {"_id": auction.id, "status": "open", "version": auction.version},
                  {"$set": {"status": outcome, "closed_at": at}}) != 1:
        return False
    sold = outcome == "sold"
    uow.emit(CLOSED, {
        "auction_id": auction.id, "listing_id": auction.listing_id,
        "seller_organization_id": auction.seller_organization_id, "outcome": outcome,
        "winner_organization_id": auction.leader_organization_id if sold else None,
        "final_price": auction.current_price if sold else None, "bids": auction.bids, "closed_at": at},
        subject=auction.id)
    uow.update(Listing, {"_id": auction.listing_id, "open_auction_id": auction.id}, {"$unset": {"open_auction_id": ""}})
    return True
