"""The clock: auctions and listings close on time. A timer runs it every ``TRANSACTIONS_CLOCK_SECONDS`` and an
admin may run it now; each due auction and each expired listing closes in a transaction of its own."""
from ttp_common import clock

from ..documents import Auction, Listing
from . import auctions, listings
from .common import SYSTEM


def close_due(store, now):
    """Close the auctions that are due and the listings that have expired at ``now``:
    ``{"auctions": [{auction_id, outcome}], "listings": [ids]}``."""
    closed = {"auctions": [], "listings": []}
    due = {"status": "open", "ends_at": {"$lte": now}}
    for candidate in store.collection(Auction).find(due, {"_id": 1}):
        result = auctions.close(store, candidate["_id"])
        if result:
            closed["auctions"].append(result)
    for candidate in store.collection(Listing).find(due, {"_id": 1}):
        if store.transact(listings.expire, candidate["_id"], clock.now_ms(), actor=SYSTEM):
            closed["listings"].append(candidate["_id"])
    return closed
