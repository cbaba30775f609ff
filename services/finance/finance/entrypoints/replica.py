"""The consumers of other services' events: the replica of what they published about organizations
(``finance.handlers.replica``). Each event is applied once (``dedup``)."""
from ttp_common.consumer import consume

from ..handlers import replica as handlers

CONTRACT_REGISTERED = "transactions.contract.registered.v1"
ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"


class ReplicaEntrypoints:
    """Consumers of the transactions and registry events."""

    @consume(CONTRACT_REGISTERED)
    def on_contract_registered(self, event):
        """A registered technology contract makes its seller eligible for IP pledge financing."""
        self.store.transact(handlers.contract_registered, event.data, dedup=event)

    @consume(ACHIEVEMENT_PUBLISHED)
    def on_achievement_published(self, event):
        """A published achievement (its completing organizations own the IP) also makes them eligible."""
        self.store.transact(handlers.achievement_published, event.data, dedup=event)
