"""The consumers of other services' events: the replica of what they published about organizations,
achievements, contracts and IP rights (``finance.handlers.replica``). Each event is applied once (its dedup mark), in
batches of a partition's records, one transaction per batch (``consume(..., batch=True)``)."""
from ttp_common.consumer import consume

from ..handlers import replica as handlers

CONTRACT_REGISTERED = "transactions.contract.registered.v1"
CONTRACT_CANCELLED = "transactions.contract.cancelled.v1"
ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"
ACHIEVEMENT_REGISTERED = "registry.achievement.registered.v1"
ACHIEVEMENT_WITHDRAWN = "registry.achievement.withdrawn.v1"
IP_RIGHT_RECORDED = "registry.ip_right.recorded.v1"
IP_RIGHT_STATUS_CHANGED = "registry.ip_right.status_changed.v1"


class ReplicaEntrypoints:
    """Consumers of the transactions and registry events."""

    @consume(CONTRACT_REGISTERED, CONTRACT_CANCELLED, batch=True)
    def on_contract_registered(self, events):
        """Registered technology contracts make their sellers eligible for IP pledge financing and may be named by
        financing needs until they are cancelled (one consumer: a cancellation after the registration it follows)."""
        self.store.transact_batch(
            lambda uow, fresh: [(handlers.contract_cancelled if e.event_name == CONTRACT_CANCELLED
                                 else handlers.contract_registered)(uow, e.data) for e in uow.each(fresh)], events)

    @consume(ACHIEVEMENT_REGISTERED, ACHIEVEMENT_PUBLISHED, ACHIEVEMENT_WITHDRAWN, batch=True)
    def on_achievement(self, events):
        """The registry's achievements, in the order of their topic (a withdrawal after the publication it
        follows): which ids a new record may name; a published one also makes its completing organizations
        (they own the IP) eligible for IP pledge financing."""
        self.store.transact_batch(
            lambda uow, fresh: [handlers.achievement_event(uow, e.event_name.split(".")[2], e.data)
                                for e in uow.each(fresh)], events)

    @consume(IP_RIGHT_RECORDED, IP_RIGHT_STATUS_CHANGED, batch=True)
    def on_ip_right(self, events):
        """The registry's IP rights, in the order of their topic: which rights an IP pledge may name (in force,
        held by the borrowing organization); a lapse flags the closed deals that pledged the right."""
        self.store.transact_batch(
            lambda uow, fresh: [handlers.ip_right_event(uow, e.data, e.event_name == IP_RIGHT_STATUS_CHANGED)
                                for e in uow.each(fresh)], events)
