"""The latest state of each aggregate, folded from its events (issue 20 item 4: bootstrap for late subscribers).

The state keeper (``delivery.state_keeper``) folds every public event into the state of its aggregate and publishes
that state, keyed by the aggregate id, on the aggregate's state topic ``<event topic>.state`` (compacted): a system
that starts late reads the state topics instead of replaying every event (docs/subscribers, section 7).

A state record (JSON, UTF-8), for the events of one aggregate id on one event topic::

    {"aggregate": "registry.achievement", "id": "<aggregate id = the Kafka key>",
     "type": "registry.achievement.published.v1", "event_id": "<its ce_id>", "time": "<its ce_time>",
     "events": 3, "event_ids": ["<ce_id>", ...],
     "data": {...every field of the aggregate's events, the latest value of each...},
     "source": {"topic": "ttp.registry.achievement", "partition": 1, "offset": 42}}

``source`` is the event topic, partition and offset of the last event folded in; ``event_ids`` the ``ce_id``s of
the last ``RECENT_IDS`` events folded in (an event the outbox relay published twice is folded once); ``data`` in
JSON form: decimals as strings (exact money), timestamps and dates in ISO 8601 (UTC, ``Z``).

The fold is the whole contract: the example subscriber (``examples/subscriber/consume.py``) folds the same way, so a
subscriber that followed every event and one that started from the state topics end with equal states
(``tests/test_states.py`` holds both to it).
"""
import json

from ttp_common import web

STATE_SUFFIX = ".state"
RECENT_IDS = 16
CONTENT_TYPE = "application/json"
# A state topic keeps the latest record per key; a record is not compacted away until the one that replaces it is an
# hour old, so a subscriber that reads a state partition to its end within the hour sees every key.
TOPIC_CONFIG = {"cleanup.policy": "compact", "min.compaction.lag.ms": "3600000", "retention.ms": "-1"}


class OtherAggregate(ValueError):
    """The event belongs to another aggregate kind (another event topic) than the state: never folded into it."""


def state_topic(event_topic):
    """``ttp.registry.achievement`` -> ``ttp.registry.achievement.state``."""
    return event_topic + STATE_SUFFIX


def aggregate_name(event_name):
    """``registry.achievement.published.v1`` -> ``registry.achievement``."""
    return ".".join(event_name.split(".")[:2])


def plain(value):
    """JSON-ready data in the platform's JSON form (``ttp_common.web.dumps``, as webhook bodies): decimals as strings
    (exact money), timestamps in ISO 8601 UTC (``Z``), dates in ISO 8601."""
    return json.loads(web.dumps(value))


def covers(state, event):
    """True when ``state`` already holds ``event``: an offset at or before the last one folded of its partition (a
    redelivery, or an event older than the state a late subscriber started from), or a ``ce_id`` folded in
    already (published twice)."""
    if state is None:
        return False
    source = state["source"]
    if source["topic"] == event["topic"] and source["partition"] == event["partition"] \
            and event["offset"] <= source["offset"]:
        return True
    return event["id"] in state["event_ids"]


def fold(state, event):
    """The state after ``event``: a new dict (``state`` is not changed), or ``state`` itself when it covers the
    event already. ``event`` is a decoded CloudEvent: ``id``, ``event`` (its name), ``time`` (``ce_time`` as sent),
    ``key`` (the aggregate id), ``topic``, ``partition``, ``offset`` and ``data``. ``OtherAggregate`` for an event
    of another event topic than the state's."""
    if state is not None and state["source"]["topic"] != event["topic"]:
        raise OtherAggregate(f"{event['event']} ({event['topic']}) is not an event of {state['aggregate']}")
    if state is not None and state["id"] != event["key"]:
        raise OtherAggregate(f"event of aggregate {event['key']!r} folded into the state of {state['id']!r}")
    source = {"topic": event["topic"], "partition": event["partition"], "offset": event["offset"]}
    if covers(state, event):
        if state["source"]["partition"] == event["partition"] and event["offset"] > state["source"]["offset"]:
            return {**state, "source": source}  # a second copy of an event folded in: only the position moves on
        return state
    previous = state or {"data": {}, "events": 0, "event_ids": []}
    return {
        "aggregate": aggregate_name(event["event"]),
        "id": event["key"],
        "type": event["event"],
        "event_id": event["id"],
        "time": event["time"],
        "events": previous["events"] + 1,
        "event_ids": (previous["event_ids"] + [event["id"]])[-RECENT_IDS:],
        "data": {**previous["data"], **plain(event["data"])},
        "source": source,
    }


def fold_all(states, events):
    """Fold ``events`` (in offset order per partition) into ``states`` ({(topic, id): state}, changed in place);
    returns the keys whose state changed, in the order of their last change."""
    changed = {}
    for event in events:
        key = (event["topic"], event["key"])
        before = states.get(key)
        after = fold(before, event)
        if after is not before:
            states[key] = after
            changed.pop(key, None)
            changed[key] = True
    return list(changed)
