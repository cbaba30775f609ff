"""The pipeline itself: how fresh the projections are (public)."""
from ttp_common.endpoints import endpoint

from .. import read_models


class PipelineEntrypoints:
    """Freshness (``self.consumer_lag``: the projection group's lag, as /metrics exports it)."""

    @endpoint("GET", "/api/v1/pipeline", response="Pipeline",
              summary="Freshness of the projections and consumer lag (public)")
    def get_pipeline(self, ctx):
        meta = read_models.meta(self.store)
        return {"events_applied": meta.get("applied", 0), "last_event_time": meta.get("last_event_time"),
                "last_applied_at": meta.get("last_applied_at"), "consumer_lag": self.consumer_lag.lag_by_topic(self.progress_gauges.group)}
