"""Which deliveries of a subscription may be attempted now: per aggregate, only the oldest one not delivered.

Deliveries keep the order of the events of one aggregate (one Kafka key: its topic and subject). A delivery waiting
for its retry, or parked, holds the later deliveries of its aggregate for that subscription; deliveries of other
aggregates, and of other subscriptions, go on.
"""


def due(pending, held_aggregates, now):
    """The deliveries to attempt now, in order: of ``pending`` (deliveries not delivered and not parked, in their
    sequence order, each with ``aggregate``, ``seq`` and ``next_attempt_at``), the first of each aggregate, if its
    time has come, unless ``held_aggregates`` (those with a parked delivery before) holds it."""
    seen, chosen = set(held_aggregates), []
    for delivery in sorted(pending, key=lambda d: d.seq):
        if delivery.aggregate in seen:
            continue
        seen.add(delivery.aggregate)
        if delivery.next_attempt_at is None or delivery.next_attempt_at <= now:
            chosen.append(delivery)
    return chosen
