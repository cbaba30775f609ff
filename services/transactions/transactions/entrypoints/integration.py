"""What the transactions service does with the rest of the platform and with time.

- the replica of the registry's published achievements (a Kafka consumer of
  ``registry.achievement.published/withdrawn.v1``; a withdrawal settles the achievement's auctions that have
  ended as the clock would, cancels its other open auctions and closes its open listings, reason
  ``achievement_withdrawn``: ``transactions.handlers.achievements``);
- the replica of the registry's IP rights (a consumer of ``registry.ip_right.recorded/status_changed.v1``:
  ``transactions.handlers.ip_rights``), which listings and valuations name; a lapse closes the listings naming
  the right (reason ``ip_right_lapsed``) and settles or cancels their open auctions;
- the clock: a timer (every ``TRANSACTIONS_CLOCK_SECONDS``) and an admin endpoint close due auctions and
  expired listings (``transactions.handlers.clock``);
- RPC for other services: an open listing, a registered contract, the registered turnover.
"""
import json
import os

from nameko.timer import timer

from ttp_common import clock, web
from ttp_common.auth import Roles
from ttp_common.consumer import consume
from ttp_common.endpoints import endpoint
from ttp_common.mongo import DUPLICATE
from ttp_common.rpc import rpc

from ..documents import Contract, Listing
from ..handlers import achievements, contracts, ip_rights
from ..handlers import clock as clock_handlers
from ..handlers.auctions import AUCTIONS_CLOSED
from .common import OBJECT

CLOCK_SECONDS = float(os.environ.get("TRANSACTIONS_CLOCK_SECONDS", 2))  # closes due auctions and listings


def _plain(data):
    """JSON-ready data (decimals as strings, times as ISO text) for an RPC answer."""
    return json.loads(web.dumps(data))


class IntegrationEntrypoints:
    """The replica consumer, the clock and RPC."""

    # -- replica of the registry's published achievements ----------------------------------------
    @consume(achievements.ACHIEVEMENT_PUBLISHED, achievements.ACHIEVEMENT_WITHDRAWN, batch=True)
    def on_achievement(self, events):
        """A batch of one partition's achievement events in one transaction, in order (each once)."""
        at = clock.now_ms()
        results = self.store.transact_batch(
            lambda uow, fresh: [achievements.apply(uow, e.event_name, e.data, at) for e in uow.each(fresh)], events)
        if results is not DUPLICATE:
            for outcomes in results:  # None after a publication
                for outcome in filter(None, outcomes or ()):
                    AUCTIONS_CLOSED.labels(outcome).inc()

    # -- replica of the registry's IP rights -----------------------------------------------------
    @consume(ip_rights.IP_RIGHT_RECORDED, ip_rights.IP_RIGHT_STATUS_CHANGED, batch=True)
    def on_ip_right(self, events):
        """A batch of one partition's IP events in one transaction, in order (each once)."""
        at = clock.now_ms()
        results = self.store.transact_batch(
            lambda uow, fresh: [ip_rights.apply(uow, e.event_name, e.data, at) for e in uow.each(fresh)], events)
        if results is not DUPLICATE:
            for outcomes in results:
                for outcome in filter(None, outcomes or ()):
                    AUCTIONS_CLOSED.labels(outcome).inc()

    # -- the clock: listings and auctions close on time ------------------------------------------
    @timer(interval=CLOCK_SECONDS)
    def clock(self):
        clock_handlers.close_due(self.store, clock.now_ms())

    @endpoint("POST", "/api/v1/clock", roles=(Roles.ADMIN,), response=OBJECT,
              summary="Close due auctions and listings now (also done by a timer): admins")
    def run_clock(self, ctx):
        """Close now what is due (the timer does it every TRANSACTIONS_CLOCK_SECONDS)."""
        return clock_handlers.close_due(self.store, ctx.now)

    # -- RPC for other services ------------------------------------------------------------------
    @rpc
    def get_open_listing(self, listing_id):
        """The public view of an open listing, or None."""
        listing = self.store.find_one(Listing, {"_id": str(listing_id), "status": "open"})
        return None if listing is None else _plain(listing.view())

    @rpc
    def get_registered_contract(self, contract_id):
        """A registered contract (amounts as decimal strings), or None."""
        contract = self.store.find_one(Contract, {"_id": str(contract_id), "status": "registered"})
        return None if contract is None else _plain(contract.view())

    @rpc
    def turnover(self, region_code=None):
        """Registered turnover: contracts, contract amount and technology transaction amount (decimal strings)."""
        return _plain(contracts.turnover(self.store, region_code))
