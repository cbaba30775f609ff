"""Prometheus metrics shared by every service: RED per entrypoint, events, outbox backlog."""
from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# No ``*_created`` series (the time each labelled counter or histogram first appeared): nothing here reads them
# (Prometheus's rate() and increase() do not), and they were a sixth of every /metrics page, which each scrape
# formats in the service's own process.
disable_created_metrics()

ENTRYPOINT_CALLS = Counter(
    "ttp_entrypoint_calls_total", "Entrypoint calls (rate and errors of RED)",
    ["service", "entrypoint", "kind", "outcome"],
)
ENTRYPOINT_DURATION = Histogram(
    "ttp_entrypoint_duration_seconds", "Entrypoint duration (the D of RED)",
    ["service", "entrypoint", "kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
HTTP_RESPONSES = Counter(
    "ttp_http_responses_total", "HTTP responses by status code", ["service", "entrypoint", "status"]
)
EVENTS_PUBLISHED = Counter(
    "ttp_events_published_total", "Events published to Kafka by the outbox relay", ["service", "topic"]
)
OUTBOX_PENDING = Gauge("ttp_outbox_pending", "Outbox events not yet confirmed by Kafka", ["service"])
OUTBOX_OLDEST_PENDING_AGE = Gauge(
    "ttp_outbox_oldest_pending_age_seconds", "Age of the oldest unpublished outbox event", ["service"]
)
EVENTS_CONSUMED = Counter(
    "ttp_events_consumed_total",
    "Kafka records seen by consumers, by outcome (processed, ignored, retried, dead_lettered)",
    ["service", "handler", "topic", "outcome"],
)
EVENTS_DEDUPLICATED = Counter(
    "ttp_events_deduplicated_total", "Redelivered events skipped because their ce_id was applied before",
    ["service", "handler"],
)
RPC_REPLIES_LOST = Counter(
    "ttp_rpc_replies_lost_total", "RPC replies that could not be sent because the AMQP broker was gone",
    ["service", "method"],
)
CONSUMER_LAST_EVENT = Gauge(
    "ttp_consumer_last_event_timestamp_seconds", "ce_time of the last event a handler processed",
    ["service", "handler"],
)
DEPENDENCY_UP = Gauge("ttp_dependency_up", "1 when the last health check reached the dependency", ["service", "dependency"])
