"""What the transactions service does with the rest of the platform and with time.

- the replica of the registry's published achievements (a Kafka consumer of
  ``registry.achievement.published/withdrawn.v1``; a withdrawal closes the achievement's auctions that have
  ended as the clock would (``_settle_auction``), cancels its other open auctions (``_cancel_auction``, both
  from ``auctions``) and closes its open listings, reason ``achievement_withdrawn``);
- the clock: a timer (every ``TRANSACTIONS_CLOCK_SECONDS``) and an admin endpoint close due auctions
  (``_close_auction``, from ``auctions``) and expired listings (``_close_listing``, from ``listings``);
- RPC for other services: an open listing, a registered contract, the registered turnover
  (``_turnover``, from ``contracts``).
"""
import json
import os

from nameko.timer import timer

from ttp_common import auth, web
from ttp_common.consumer import consume
from ttp_common.rpc import rpc
from ttp_common.web import http

from .. import auctions
from ..documents import AchievementReplica, Auction, Contract, Listing, aware, now_ms
from .auctions import AUCTIONS_CLOSED
from .common import SYSTEM, TransactionsHelpers

ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"
ACHIEVEMENT_WITHDRAWN = "registry.achievement.withdrawn.v1"
CLOCK_SECONDS = float(os.environ.get("TRANSACTIONS_CLOCK_SECONDS", 2))  # closes due auctions and listings


class IntegrationEntrypoints(TransactionsHelpers):
    """The replica consumer, the clock and RPC."""

    # -- replica of the registry's published achievements ----------------------------------------
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
            outcomes = []
            for doc in self._coll(Auction, uow).find({"achievement_id": data["achievement_id"], "status": "open"},
                                                     session=uow.session):
                auction = Auction._from_son(doc)
                if auctions.is_due(self._state(auction), now):  # ended before the withdrawal: its result stands
                    outcomes.append(self._settle_auction(uow, auction, now))
                elif self._cancel_auction(uow, auction, now):
                    outcomes.append("cancelled")
            for doc in self._coll(Listing, uow).find({"achievement_id": data["achievement_id"], "status": "open"},
                                                     session=uow.session):
                self._close_listing(uow, Listing._from_son(doc), "achievement_withdrawn", now)
            return outcomes

        outcomes = self.store.transact(work, dedup=event)
        if isinstance(outcomes, list):  # None after a publication, DUPLICATE after a redelivery
            for outcome in filter(None, outcomes):
                AUCTIONS_CLOSED.labels(outcome).inc()

    # -- the clock: listings and auctions close on time ------------------------------------------
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

    # -- RPC for other services ------------------------------------------------------------------
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
