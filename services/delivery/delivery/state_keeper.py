"""The state keeper (issue 20 item 4): every public event folded into its aggregate's latest state
(``delivery.states``), published keyed by the aggregate id on the compacted topic ``<event topic>.state``, so that a
subscriber that starts late reads the states and then follows the events from where they end (docs/subscribers 7).

A consumer group of its own (``ttp.delivery.keep_state``, beside the webhook fan-out's), in batches of one
partition's records. Per batch: the touched aggregates' states are read from the database, the events folded in, the
new states produced to the state topic's partition of the same number as the events' partition and flushed; only
then are the states written back and (by the consumer) the offsets committed. Each record also says ``through``:
every event of its partition up to that offset is in this record or one before it in the state partition. The
batch's last record says the batch's last offset, the others the offset before the batch (a state's own
``source.offset`` is no such promise: in a batch where aggregate A has events at 8 and 12 and B at 9, neither
A's record nor B's can come first and hold every event up to its own offset). So, whatever crashes and
redeliveries happen, a subscriber that read a state partition to its end follows the events from the highest
``through`` it saw, plus one, skipping those a state holds already, without a gap. A redelivery produces the same
states again (harmless: the latest per key counts) and the fold skips what it holds already.
"""
import json
import logging

from nameko.extensions import DependencyProvider

from ttp_common import events as platform_events
from ttp_common import kafka
from ttp_common.consumer import consume
from ttp_common.settings import setting

from . import states

log = logging.getLogger(__name__)
COLLECTION = "aggregate_states"
PUBLIC_EVENTS = platform_events.repository().names()
FLUSH_SECONDS = 30


def received(event):
    """A consumed ``ReceivedEvent`` as the fold reads it (the shape of the example subscriber's events)."""
    headers = {k.lower(): v for k, v in event.headers or [] if v is not None}
    time_header = headers.get("ce_time")
    key = event.key.decode("utf-8") if event.key else event.subject
    return {"id": event.id, "event": event.event_name, "key": key,
            "time": time_header.decode("utf-8") if isinstance(time_header, bytes) else time_header,
            "topic": event.topic, "partition": event.partition, "offset": event.offset, "data": event.data}


def record_id(topic, aggregate_id):
    return f"{topic}|{aggregate_id}"


class StatePublisher(DependencyProvider):
    """Produces state records: creates each state topic (compacted, as many partitions as its event topic) the
    first time, sends each state to the partition of its last event, and flushes."""

    def setup(self):
        config = self.container.config
        self.bootstrap = setting(config, "KAFKA_BOOTSTRAP")
        self.partitions = int(setting(config, "KAFKA_PARTITIONS"))
        self.ready = set()

    def get_dependency(self, worker_ctx):
        return self

    def _ensure(self, producer, event_topic):
        topic = states.state_topic(event_topic)
        if topic not in self.ready:
            partitions = max(self.partitions, len(producer.partitions_for(event_topic) or ()))
            kafka.ensure_topics(self.bootstrap, [topic], partitions, configs=states.TOPIC_CONFIG)
            self.ready.add(topic)
        return topic

    def publish(self, records, first, last):
        """Send ``records`` (states of one partition's batch of events from offset ``first`` to ``last``, in order)
        and wait until the broker has them all; raises if one failed. The last says ``through`` ``last``, the others
        ``first - 1``."""
        producer = kafka.producer(self.bootstrap)
        futures = []
        for index, state in enumerate(records):
            source = state["source"]
            topic = self._ensure(producer, source["topic"])
            if source["partition"] not in (producer.partitions_for(topic) or ()):
                # never to another partition: that would break the promise of `through` (operations guide 9)
                raise RuntimeError(f"{topic} has fewer partitions than {source['topic']}: give it as many")
            through = last if index == len(records) - 1 else first - 1
            value = json.dumps({**state, "through": through}, ensure_ascii=False, sort_keys=True,
                               separators=(",", ":")).encode("utf-8")
            futures.append(producer.send(topic, key=state["id"].encode("utf-8"), value=value,
                                         partition=source["partition"],
                                         headers=[("content-type", states.CONTENT_TYPE.encode())]))
        producer.flush(FLUSH_SECONDS)
        for future in futures:
            future.get(timeout=0)


def load(db, events):
    """The stored states of the aggregates ``events`` touch: {(topic, id): state}."""
    ids = sorted({record_id(e["topic"], e["key"]) for e in events})
    found = {}
    for doc in db[COLLECTION].find({"_id": {"$in": ids}}):
        doc.pop("_id")
        found[doc["source"]["topic"], doc["id"]] = doc
    return found


def save(uow, touched):
    """Write the states back, never one older than the stored one (a former owner of the partition still busy)."""
    collection = uow.db[COLLECTION]
    for state in touched:
        _id = record_id(state["source"]["topic"], state["id"])
        stored = collection.find_one({"_id": _id}, {"source": 1}, session=uow.session)
        if stored and stored["source"]["partition"] == state["source"]["partition"] \
                and stored["source"]["offset"] >= state["source"]["offset"]:
            continue
        collection.replace_one({"_id": _id}, {"_id": _id, **state}, upsert=True, session=uow.session)


class StateKeeperEntrypoints:
    state_publisher = StatePublisher()

    @consume(*PUBLIC_EVENTS, batch=True)
    def keep_state(self, batch):
        """A batch of one partition's events: fold, produce the touched states (in offset order), flush, store."""
        folded = [received(e) for e in batch if (e.key or e.subject)]
        if not folded:
            return
        current = load(self.store.db, folded)
        states.fold_all(current, folded)
        touched = {(e["topic"], e["key"]) for e in folded}
        records = sorted((current[key] for key in touched), key=lambda s: s["source"]["offset"])
        self.state_publisher.publish(records, batch[0].offset, batch[-1].offset)
        self.store.transact(save, records)
