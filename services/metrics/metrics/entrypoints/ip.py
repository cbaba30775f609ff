"""The consumer of the registry's IP events (rights recorded and changing state, reviews concluded), folded into
the IP figures (``metrics.handlers.ip``) once per ``ce_id``; a consumer group of its own, apart from the plan
projection's (not replayed by ``make rebuild-metrics``)."""
from ttp_common.consumer import consume

from .. import ip
from ..handlers import ip as handlers


class IpEntrypoints:
    @consume(*ip.EVENTS)
    def project_ip_event(self, event):
        self.store.transact(handlers.project, event.event_name, event.data, dedup=event)
