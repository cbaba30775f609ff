"""The consumer entrypoint in batch mode (``@consume(..., batch=True)``) against the real local servers: a
partition's records reach the handler as batches bounded by count, applied in one transaction each (dedup
marks together), once per ``ce_id``, in order per key; a poison event or an undecodable record in a batch
is dead-lettered alone and the rest of its batch is applied; a lone event does not wait for a batch to fill."""
import sys
import time
from pathlib import Path

import pytest
from kafka import KafkaProducer

from ttp_common import kafka, metrics
from ttp_common.consumer import consume
from ttp_common.mongo import Store
from ttp_common.observability import Observability
from ttp_testing import BOOTSTRAP, event_message, header, read_topic, unique, wait_for

sys.path.insert(0, str(Path(__file__).parent))
from _services import database, started  # noqa: E402

pytestmark = pytest.mark.integration

EVENT = "registry.organization.registered.v1"
PREFIX = f"{unique()}."
TOPIC = f"{PREFIX}ttp.registry.organization"
DB = unique("test_batch_consumer_")
MAX_RECORDS = 20
MAX_WAIT_MS = 10_000  # long on purpose: nothing below may take that long unless a batch waits out its time


class Batches:
    name = "batches"
    store = Store()
    observability = Observability()

    @consume(EVENT, batch=True, batch_max_records=MAX_RECORDS, batch_max_wait_ms=MAX_WAIT_MS)
    def on_registered(self, events):
        if any(e.data["name"].startswith("poison") for e in events):
            raise ValueError("this handler cannot take it")

        def work(uow, fresh):
            uow.db.batches.insert_one({"size": len(fresh), "offered": len(events)}, session=uow.session)
            for event in uow.each(fresh):
                uow.db.seen.insert_one({"event_id": event.id, "name": event.data["name"]}, session=uow.session)
                uow.db.log.update_one({"_id": event.subject}, {"$push": {"names": event.data["name"]}}, upsert=True,
                                      session=uow.session)

        self.store.transact_batch(work, events)


@pytest.fixture(scope="module")
def container():
    with started(Batches, DB, PREFIX) as container:
        yield container


@pytest.fixture(scope="module")
def db():
    with database(DB) as db:
        yield db


def message(name, subject):
    return event_message(PREFIX, EVENT, {"organization_id": name, "name": name, "credit_code": "91350100M000100Y43",
                                         "kind": "enterprise", "region_code": "510100"}, subject)


def produce(records):
    """Send (value, key, headers) records in one go, as a backlog the consumer finds waiting."""
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, acks="all", linger_ms=20)
    try:
        for value, key, headers in records:
            producer.send(TOPIC, key=key, value=value, headers=headers)
        producer.flush(30)
    finally:
        producer.close(5)


def as_record(m):
    return m.value, m.key, m.headers


def names_seen(db, names):
    return sorted(doc["name"] for doc in db.seen.find({"name": {"$in": list(names)}}))


def test_a_backlog_is_applied_in_bounded_batches_once_each_and_in_order_per_key(container, db):
    run = unique("backlog-")
    subjects = [f"{run}-a", f"{run}-b"]
    messages = [message(f"{run}-{i:03d}", subjects[i % 2]) for i in range(100)]
    repeated = messages[10:15]  # the same ce_id again (an at-least-once relay), some inside the same batch
    before = metrics.EVENTS_DEDUPLICATED.labels("batches", "on_registered")._value.get()
    batches_before = db.batches.count_documents({})
    produce([as_record(m) for m in messages[:40]] + [as_record(m) for m in repeated]
            + [as_record(m) for m in messages[40:]])

    names = [f"{run}-{i:03d}" for i in range(100)]
    wait_for(lambda: names_seen(db, names) == names, timeout=60, message="every event of the backlog applied")
    wait_for(lambda: metrics.EVENTS_DEDUPLICATED.labels("batches", "on_registered")._value.get() == before + 5,
             message="the five repeated events recognised")

    assert names_seen(db, names) == names  # each once
    for k, subject in enumerate(subjects):  # in the order produced, per key
        assert db.log.find_one({"_id": subject})["names"] == names[k::2]
    batches = list(db.batches.find().skip(batches_before))
    assert sum(b["size"] for b in batches) == 100
    assert max(b["offered"] for b in batches) <= MAX_RECORDS
    assert len(batches) < 100 / 2, f"the backlog was not batched: {[b['offered'] for b in batches]}"


def test_a_poison_event_and_an_undecodable_record_in_a_batch_are_dead_lettered_alone(container, db):
    run = unique("mixed-")
    subject = f"{run}-k"
    records = [as_record(message(f"{run}-{i:02d}", subject)) for i in range(12)]
    poison = message(f"poison-{run}", subject)
    garbage = (b"\x00garbage that is not avro", f"{run}-junk".encode(), [])
    produce(records[:4] + [as_record(poison)] + records[4:8] + [garbage] + records[8:])

    names = [f"{run}-{i:02d}" for i in range(12)]
    wait_for(lambda: names_seen(db, names) == names, timeout=60, message="the rest of the poisoned batch applied")
    assert db.log.find_one({"_id": subject})["names"] == names  # in order, the poison one left out
    assert db.seen.count_documents({"name": f"poison-{run}"}) == 0

    poison_id = dict(poison.headers)["ce_id"].decode()
    [dead] = read_topic(f"{TOPIC}.dlq", lambda r: header(r, "ce_id") == poison_id, timeout=30)
    assert header(dead, "dlq_reason") == "handler_failed"
    assert "this handler cannot take it" in header(dead, "dlq_error")
    [junk] = read_topic(f"{TOPIC}.dlq", lambda r: r.key == garbage[1], timeout=30)
    assert header(junk, "dlq_reason") == "undecodable"


def test_a_lone_event_is_applied_without_waiting_out_the_batch_time(container, db):
    run = unique("lone-")
    time.sleep(1)  # the partitions quiet: what the previous tests produced is applied
    produce([as_record(message(f"{run}-only", f"{run}-k"))])
    # its partition has nothing newer: handed over at once, not after MAX_WAIT_MS
    wait_for(lambda: names_seen(db, [f"{run}-only"]), timeout=MAX_WAIT_MS / 2000, interval=0.05,
             message=f"the lone event applied in less than half the batch's {MAX_WAIT_MS} ms")
