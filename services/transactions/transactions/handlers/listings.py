"""Listings (挂牌): opening one, its withdrawal by the seller, and closing it (sold, expired, the achievement
withdrawn). A listing that ends declines its proposed matches (accepted ones stay). The rules are in
``transactions.listings``."""
import uuid

from ttp_common import auth
from ttp_common.refusals import TransitionRefused

from .. import listings, matching, states
from ..documents import AchievementReplica, Auction, Listing, aware
from . import ip_rights, matches
from .common import acting_org, invalid_if

OPENED = "transactions.listing.opened.v1"
WITHDRAWN = "transactions.listing.withdrawn.v1"
CLOSED = "transactions.listing.closed.v1"


def open_listing(uow, body, principal, at):
    """A listing (``ListingIn``) of a published achievement by one of its organizations (or an admin)."""
    replica = uow.find_one(AchievementReplica, {"_id": body.achievement_id})
    invalid_if(listings.check_listable(replica, body.patent_number))
    seller = listings.seller_of(replica.organization_ids, principal.org, principal.role == auth.Roles.ADMIN)
    transfer_mode, problem = listings.transfer_mode_of(body.mode, body.ip_right_ids, body.transfer_mode)
    invalid_if(problem)
    invalid_if(listings.check_licence_kind(transfer_mode, body.licence_kind))
    listings.check_ip_rights(body.ip_right_ids, ip_rights.replicas(uow, body.ip_right_ids), seller)
    listing = Listing(
        id=uuid.uuid4().hex, achievement_id=replica.id, patent_number=body.patent_number,
        ip_right_ids=list(body.ip_right_ids), transfer_mode=transfer_mode, licence_kind=body.licence_kind,
        seller_organization_id=seller, mode=body.mode, asking_price=body.asking_price, status="open",
        title=replica.title, description=body.description, keywords=list(replica.keywords),
        programme=replica.programme, trl=replica.trl, region_code=replica.region_code,
        terms=sorted(matching.supply_terms(replica.title, replica.summary, replica.keywords, replica.industry)),
        opened_at=at, ends_at=listings.listing_end(at, body.period_days, body.ends_at), created_by=principal.sub)
    uow.insert(listing)
    uow.emit(OPENED, {
        "listing_id": listing.id, "achievement_id": listing.achievement_id, "patent_number": listing.patent_number,
        "seller_organization_id": seller, "mode": listing.mode, "asking_price": body.asking_price,
        "ip_right_ids": listing.ip_right_ids, "transfer_mode": transfer_mode,
        "licence_kind": listing.licence_kind, "title": listing.title, "programme": listing.programme, "trl": listing.trl,
        "region_code": listing.region_code, "opened_at": at, "ends_at": listing.ends_at}, subject=listing.id)
    return listing


def withdraw(uow, listing_id, reason, principal, at):
    """The seller (or an admin) takes an open listing down (撤牌), unless it is being auctioned."""
    listing = uow.get(Listing, listing_id)
    auth.require_org(principal, listing.seller_organization_id)
    # open_auction_id is written by the auction's set-up in its transaction: a concurrent one conflicts here.
    if listing.open_auction_id or uow.find_one(Auction, {"listing_id": listing.id, "status": "open"}):
        raise TransitionRefused("the listing is being auctioned")
    listing.status = states.transition(listings.LISTING_TRANSITIONS, "withdraw", listing.status)
    listing.closed_at, listing.close_reason = at, "withdrawn"
    uow.replace(listing)
    uow.emit(WITHDRAWN, {
        "listing_id": listing.id, "achievement_id": listing.achievement_id,
        "seller_organization_id": listing.seller_organization_id, "reason": reason, "withdrawn_at": at},
        subject=listing.id)
    matches.decline_proposed(uow, {"listing_id": listing.id}, f"挂牌已撤回: {reason}", acting_org(principal), at)
    return listing


def close(uow, listing, reason, at):
    """Close the open ``listing`` (``sold``, ``expired``, ``achievement_withdrawn``) and decline its proposed
    matches."""
    listing.status = states.transition(listings.LISTING_TRANSITIONS, "close", listing.status)
    listing.closed_at, listing.close_reason = at, reason
    uow.replace(listing)
    uow.emit(CLOSED, {
        "listing_id": listing.id, "achievement_id": listing.achievement_id,
        "seller_organization_id": listing.seller_organization_id, "reason": reason, "closed_at": at},
        subject=listing.id)
    matches.decline_proposed(uow, {"listing_id": listing.id}, listings.closed_note(reason), None, at)


def expire(uow, listing_id, at):
    """Close the listing as expired if it still is open and past its end, and no auction of it is open (the
    auction decides; it closes the listing when sold); its id, or None."""
    listing = uow.get(Listing, listing_id)
    if listing.status != "open" or aware(listing.ends_at) > at:
        return None
    if uow.find_one(Auction, {"listing_id": listing.id, "status": "open"}):
        return None
    close(uow, listing, "expired", at)
    return listing.id
