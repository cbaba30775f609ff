"""The consumer of the innovation service's events (facilities listed, use recorded, enterprises entering
carriers), folded into the innovation figures (``metrics.handlers.innovation``) once per ``ce_id``; a consumer
group of its own, apart from the plan projection's."""
from ttp_common.consumer import consume

from .. import innovation
from ..handlers import innovation as handlers


class InnovationEntrypoints:
    @consume(*innovation.EVENTS)
    def project_innovation_event(self, event):
        self.store.transact(handlers.project, event.event_name, event.data, dedup=event)
