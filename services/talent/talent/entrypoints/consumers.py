"""The events of other services the talent service follows: registered technology contracts (a broker's
performance) and their cancellations (which take them out again), contracts' verified technical income (what a
reward plan may cite as its net income), the registry's achievements (whose organizations an expert may not review) and organizations
(whether the state established them: article 45's second paragraph for reward plans). The work is in
``talent.handlers.brokers``, ``talent.handlers.experts`` and ``talent.handlers.rewards``.
"""
from ttp_common import clock
from ttp_common.consumer import consume

from .. import performance
from ..handlers import brokers, experts, rewards

CONTRACT_REGISTERED = "transactions.contract.registered.v1"
CONTRACT_CANCELLED = "transactions.contract.cancelled.v1"
INCOME_VERIFIED = "transactions.contract.income_verified.v1"
ORGANIZATION_REGISTERED = "registry.organization.registered.v1"
ACHIEVEMENT_EVENTS = tuple(f"registry.achievement.{step}.v1"
                           for step in ("submitted", "registered", "returned", "published", "withdrawn"))


class ConsumerEntrypoints:
    """Consumers of transactions and registry events, each event applied once (its dedup mark), in batches of
    a partition's records, one transaction per batch (``consume(..., batch=True)``)."""

    @consume(CONTRACT_REGISTERED, batch=True)
    def on_contract_registered(self, events):
        """Count registered contracts for every broker who took part (once per event, once per contract)."""
        self._brokered(events, brokers.count_contract)

    @consume(CONTRACT_CANCELLED, batch=True)
    def on_contract_cancelled(self, events):
        """A cancelled contract leaves the performance of every broker it counted for."""
        self._brokered(events, brokers.uncount_contract)

    def _brokered(self, events, apply):
        """``apply(uow, data)`` to each of ``events`` that names brokers, in one transaction (none: no transaction)."""
        with_brokers = [e for e in events if performance.brokers_of(e.data)]
        if with_brokers:
            self.store.transact_batch(lambda uow, fresh: [apply(uow, e.data) for e in uow.each(fresh)], with_brokers)

    @consume(INCOME_VERIFIED, batch=True)
    def on_income_verified(self, events):
        """The replica of contracts' verified technical income, for reward plans citing a contract."""
        at = clock.now_ms()
        self.store.transact_batch(
            lambda uow, fresh: [rewards.note_verified_income(uow, e.data, at) for e in uow.each(fresh)], events)

    @consume(*ACHIEVEMENT_EVENTS, batch=True)
    def on_achievement(self, events):
        """The replica of the registry's achievements: add every organization the event names, the owner
        (``organization_id``) and the completing organizations (``organization_ids``), from whichever
        event carries them: published, and submitted since its revision 2, so that experts are excluded
        during the review, before publication. A submitted event of revision 1 decodes with ``[]``."""
        at = clock.now_ms()
        self.store.transact_batch(
            lambda uow, fresh: [experts.note_achievement(uow, e.event_name, e.data, at) for e in uow.each(fresh)],
            events)

    @consume(ORGANIZATION_REGISTERED, batch=True)
    def on_organization_registered(self, events):
        """The replica of the registry's organizations (kind, state-established), for reward plans."""
        at = clock.now_ms()
        self.store.transact_batch(
            lambda uow, fresh: [rewards.note_organization(uow, e.data, at) for e in uow.each(fresh)], events)
