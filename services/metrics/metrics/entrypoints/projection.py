"""The projection's consumer: every event the plan's figures, the compliance report and the task ledger are
built from, folded into the read models (``metrics.handlers.projection``) once per ``ce_id``."""
import time

from prometheus_client import Histogram

from ttp_common import clock
from ttp_common.consumer import consume

from ..handlers import projection as handlers
from ..handlers.projection import CONSUMED_EVENTS

PROJECTION_DELAY = Histogram(
    "ttp_projection_delay_seconds", "From an event's ce_time to its projection's commit (freshness)",
    ["service"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


class ProjectionEntrypoints:
    """The consumer (its method name is ``handlers.projection.HANDLER``: the consumer group and dedup marks)."""

    @consume(*CONSUMED_EVENTS)
    def project_event(self, event):
        self.store.transact(handlers.project, self.plans.all, event.event_name, event.data, event.id, event.time,
                            clock.now_ms(), dedup=event)
        if event.time is not None:
            PROJECTION_DELAY.labels(self.name).observe(max(0.0, time.time() - event.time.timestamp()))
