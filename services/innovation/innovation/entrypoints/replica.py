"""The consumers of the registry's events: the replica of organizations (kind) and registered achievements
(``innovation.handlers.replica``). Each event is applied once (``dedup``)."""
from ttp_common.consumer import consume

from ..handlers import replica as handlers

ORGANIZATION_REGISTERED = "registry.organization.registered.v1"
ACHIEVEMENT_REGISTERED = "registry.achievement.registered.v1"


class ReplicaEntrypoints:
    """Consumers of the registry events."""

    @consume(ORGANIZATION_REGISTERED)
    def on_organization_registered(self, event):
        """Whether an organization is an enterprise: only enterprises request facility time or are incubated."""
        self.store.transact(handlers.organization_registered, event.data, dedup=event)

    @consume(ACHIEVEMENT_REGISTERED)
    def on_achievement_registered(self, event):
        """A registered achievement may be named by an incubated enterprise's entry."""
        self.store.transact(handlers.achievement_registered, event.data, dedup=event)
