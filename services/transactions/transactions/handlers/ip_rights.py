"""The replica of the registry's IP rights (知识产权), kept from its events: a recording stores what the market
needs (kind, number, title, holders, state), a state change updates the state. A listing names rights from it
(``transactions.listings.check_ip_rights``); a valuation may take one as its subject. A right that lapses (失效)
can no longer be traded: the open listings naming it close (reason ``ip_right_lapsed``), their auctions that
have ended are settled as the clock would (their result stands) and the others cancelled, as an achievement's
withdrawal does (``transactions.handlers.achievements``).
"""
from .. import auctions as auction_rules
from ..documents import Auction, IpRightReplica, Listing
from . import auctions, listings

IP_RIGHT_RECORDED = "registry.ip_right.recorded.v1"
IP_RIGHT_STATUS_CHANGED = "registry.ip_right.status_changed.v1"


def apply(uow, event_name, data, at):
    """Apply a registry IP event to the replica; the outcomes of the auctions a lapse closed (``sold``, ``unsold``,
    ``cancelled``)."""
    if event_name == IP_RIGHT_RECORDED:
        replica = IpRightReplica(id=data["ip_right_id"], kind=data["kind"], number=data["number"],
                                 title=data["title"], holder_organization_ids=list(data["holder_organization_ids"]),
                                 status=data["status"], updated_at=at)
        if not uow.replace(replica):
            uow.insert(replica)
        return []
    uow.update(IpRightReplica, {"_id": data["ip_right_id"]},
               {"$set": {"status": data["status"], "holder_organization_ids": list(data["holder_organization_ids"]),
                         "updated_at": at}})
    return close_listings_of(uow, data["ip_right_id"], at) if data["status"] == "lapsed" else []


def close_listings_of(uow, right_id, at):
    """Close the open listings naming the lapsed right ``right_id``, settling or cancelling their open auctions;
    the auctions' outcomes."""
    outcomes = []
    for listing in uow.find(Listing, {"ip_right_ids": right_id, "status": "open"}):
        for auction in uow.find(Auction, {"listing_id": listing.id, "status": "open"}):
            if auction_rules.is_due(auctions.state(auction), at):  # ended before the lapse: its result stands
                outcomes.append(auctions.settle(uow, auction, at))
            elif auctions.cancel(uow, auction, at):
                outcomes.append("cancelled")
        listing = uow.get(Listing, listing.id)  # a settled sale closed it already
        if listing.status == "open":
            listings.close(uow, listing, "ip_right_lapsed", at)
    return outcomes


def replicas(uow, ip_right_ids):
    """``{id: (status, holder ids)}`` of the rights the replica holds among ``ip_right_ids``."""
    if not ip_right_ids:
        return {}
    return {doc.id: (doc.status, tuple(doc.holder_organization_ids or ()))
            for doc in uow.find(IpRightReplica, {"_id": {"$in": list(ip_right_ids)}})}
