"""The projection's consumer: every event the plan's figures, the compliance report and the task ledger are
built from, folded into the read models (``metrics.handlers.projection``) once per ``ce_id``, in batches of a
partition's records (``consume(..., batch=True)``)."""
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

    @consume(*CONSUMED_EVENTS, batch=True)
    def project_event(self, events):
        """A batch of events of one partition, in one transaction (their dedup marks, the counters summed)."""
        self.store.transact_batch(project_fresh, events, self.plans.all, clock.now_ms())
        committed = time.time()
        for event in events:
            if event.time is not None:
                PROJECTION_DELAY.labels(self.name).observe(max(0.0, committed - event.time.timestamp()))


def project_fresh(uow, fresh, plans, at):
    handlers.project_all(uow, plans, [(e.event_name, e.data, e.id, e.time) for e in fresh], at)
