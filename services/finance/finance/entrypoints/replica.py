"""The consumers of other services' events: the replica of what they published about organizations
(``finance.handlers.replica``). Each event is applied once (its dedup mark), in batches of a partition's
records, one transaction per batch (``consume(..., batch=True)``)."""
from ttp_common.consumer import consume

from ..handlers import replica as handlers

CONTRACT_REGISTERED = "transactions.contract.registered.v1"
ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"


class ReplicaEntrypoints:
    """Consumers of the transactions and registry events."""

    @consume(CONTRACT_REGISTERED, batch=True)
    def on_contract_registered(self, events):
        """Registered technology contracts make their sellers eligible for IP pledge financing."""
        self.store.transact_batch(
            lambda uow, fresh: [handlers.contract_registered(uow, e.data) for e in uow.each(fresh)], events)

    @consume(ACHIEVEMENT_PUBLISHED, batch=True)
    def on_achievement_published(self, events):
        """A published achievement (its completing organizations own the IP) also makes them eligible."""
        self.store.transact_batch(
            lambda uow, fresh: [handlers.achievement_published(uow, e.data) for e in uow.each(fresh)], events)
