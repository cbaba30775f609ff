"""The delivery service's own metrics: per subscription, what waits (lag), what was tried and how it went."""
from prometheus_client import Counter, Gauge, Histogram

ATTEMPTS = Counter("ttp_delivery_attempts_total", "Webhook delivery attempts by outcome (delivered, failed, parked)",
                   ["subscription", "outcome"])
PENDING = Gauge("ttp_delivery_pending", "Deliveries of a subscription not yet delivered (waiting, retrying or parked)",
                ["subscription"])
PARKED = Gauge("ttp_delivery_parked", "Deliveries of a subscription parked after too many failures", ["subscription"])
OLDEST_PENDING_AGE = Gauge("ttp_delivery_oldest_pending_age_seconds",
                           "Age of the oldest delivery of a subscription not yet delivered (0: none)", ["subscription"])
DURATION = Histogram("ttp_delivery_duration_seconds", "Time a receiver took to answer a delivery", ["subscription"],
                     buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
FANNED_OUT = Counter("ttp_delivery_events_matched_total", "Deliveries created for consumed events, by event name",
                     ["event_name"])
SUBSCRIPTIONS = Gauge("ttp_delivery_subscriptions", "Webhook subscriptions registered")


def forget(subscription_id):
    """Drop a deleted subscription's series."""
    for metric in (PENDING, PARKED, OLDEST_PENDING_AGE, DURATION):
        try:
            metric.remove(subscription_id)
        except KeyError:
            pass
    for outcome in ("delivered", "failed", "parked"):
        try:
            ATTEMPTS.remove(subscription_id, outcome)
        except KeyError:
            pass
