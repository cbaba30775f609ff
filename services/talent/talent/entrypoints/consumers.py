"""The events of other services the talent service follows: registered technology contracts (a broker's
performance), the registry's achievements (whose organizations an expert may not review) and organizations
(whether the state established them: article 45's second paragraph for reward plans). The work is in
``talent.handlers.brokers``, ``talent.handlers.experts`` and ``talent.handlers.rewards``.
"""
from ttp_common import clock
from ttp_common.consumer import consume

from .. import performance
from ..handlers import brokers, experts, rewards

CONTRACT_REGISTERED = "transactions.contract.registered.v1"
ORGANIZATION_REGISTERED = "registry.organization.registered.v1"
ACHIEVEMENT_EVENTS = tuple(f"registry.achievement.{step}.v1"
                           for step in ("submitted", "registered", "returned", "published", "withdrawn"))


class ConsumerEntrypoints:
    """Consumers of transactions and registry events (each applied once: ``dedup``)."""

    @consume(CONTRACT_REGISTERED)
    def on_contract_registered(self, event):
        """Count a registered contract for every broker who took part (once per event, once per contract)."""
        if performance.brokers_of(event.data):
            self.store.transact(brokers.count_contract, event.data, dedup=event)

    @consume(*ACHIEVEMENT_EVENTS)
    def on_achievement(self, event):
        """The replica of the registry's achievements: add every organization the event names, the owner
        (``organization_id``) and the completing organizations (``organization_ids``), from whichever
        event carries them: published, and submitted since its revision 2, so that experts are excluded
        during the review, before publication. A submitted event of revision 1 decodes with ``[]``."""
        self.store.transact(experts.note_achievement, event.event_name, event.data, clock.now_ms(), dedup=event)

    @consume(ORGANIZATION_REGISTERED)
    def on_organization_registered(self, event):
        """The replica of the registry's organizations (kind, state-established), for reward plans."""
        self.store.transact(rewards.note_organization, event.data, clock.now_ms(), dedup=event)
