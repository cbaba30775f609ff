"""Consumer lag and dead-letter depth (ttp_common.consumer_lag) against the real local broker.

A service with a consumer whose handler is held: the events it has not handled show as lag per partition
on /metrics (the Prometheus text a scrape gets), the lag goes to 0 once it catches up, and an undecodable
record shows in ``ttp_dlq_depth``. Separately, the end offsets after multi-record batches (where Tansu's
own answer is short) are the offsets after the last record.
"""
import sys
import time
import uuid
from pathlib import Path

import eventlet
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.admin import NewTopic
from nameko.testing.services import dummy, entrypoint_hook
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from ttp_common import kafka
from ttp_common.consumer import consume
from ttp_common.consumer_lag import ConsumerLagExporter, OffsetReader, partition_lag
from ttp_common.events import Actor
from ttp_common.mongo import Store
from ttp_common.outbox import OutboxRelay
from ttp_testing import BOOTSTRAP, produce_raw, unique, wait_for

sys.path.insert(0, str(Path(__file__).parent))
from _services import started  # noqa: E402

pytestmark = pytest.mark.integration

EVENT = "registry.organization.registered.v1"
PREFIX = f"{unique()}."
TOPIC = f"{PREFIX}ttp.registry.organization"
DB = unique("test_lag_")
HELD = {"on": True}


class LagTest:
    name = "lagtest"
    store = Store()
    relay = OutboxRelay()
    consumer_lag = ConsumerLagExporter()

    @dummy
    def register(self, count):
        def work(uow):
            for _ in range(count):
                org_id = uuid.uuid4().hex
                uow.emit(EVENT, {"organization_id": org_id, "name": "某某科技有限公司", "credit_code": "91350100M000100Y43",
                                 "kind": "enterprise", "region_code": "510100"}, subject=org_id)

        self.store.transact(work, actor=Actor(sub="tester", role="admin"))

    @consume(EVENT)
    def on_registered(self, event):
        while HELD["on"]:
            eventlet.sleep(0.05)


def scraped():
    """{(metric name, labels as a sorted tuple): value} of what /metrics would answer now."""
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(generate_latest().decode())
            for s in family.samples if s.name in ("ttp_consumer_lag", "ttp_consumer_lag_available", "ttp_dlq_depth")}


def of(samples, name, **labels):
    return {key: v for key, v in samples.items()
            if key[0] == name and all(dict(key[1]).get(k) == val for k, val in labels.items())}


def test_the_lag_of_a_held_consumer_shows_per_partition_and_clears_when_it_catches_up():
    HELD["on"] = True
    group = f"{PREFIX}ttp.lagtest.on_registered"
    with started(LagTest, DB, PREFIX) as container:
        try:
            with entrypoint_hook(container, "register") as call:
                call(6)

            def held_lag():
                lag = of(scraped(), "ttp_consumer_lag", group=group)
                # the handler holds its first record: at least 5 of the 6 are unconsumed
                return lag if sum(lag.values()) >= 5 else None
            lag = wait_for(held_lag, timeout=30, interval=1, message="the held consumer's lag")
            assert {dict(k[1])["topic"] for k in lag} == {TOPIC}
            assert {dict(k[1])["partition"] for k in lag} == {"0", "1", "2"}  # every partition, also empty ones
            assert all(dict(k[1])["service"] == "lagtest" for k in lag)
            assert of(scraped(), "ttp_consumer_lag_available", group=group) == {
                ("ttp_consumer_lag_available", (("group", group), ("service", "lagtest"))): 1.0}
            assert container_lag(container, group) == {TOPIC: sum(lag.values())}  # what /api/v1/pipeline reads

            HELD["on"] = False
            wait_for(lambda: sum(of(scraped(), "ttp_consumer_lag", group=group).values()) == 0, timeout=30,
                     interval=1, message="the lag to clear")

            dlq_key = ("ttp_dlq_depth", (("service", "lagtest"), ("topic", f"{TOPIC}.dlq")))
            assert scraped().get(dlq_key) == 0
            produce_raw(TOPIC, b"\x00not avro", key=b"poison")
            wait_for(lambda: scraped().get(dlq_key) == 1, timeout=30, interval=1, message="the dead letter counted")
        finally:
            HELD["on"] = False


def container_lag(container, group):
    [exporter] = [d for d in container.dependencies if isinstance(d, ConsumerLagExporter)]
    return exporter.collector.lag_by_topic(group)


def test_end_offsets_are_after_the_last_record_also_after_multi_record_batches():
    topic = unique("lagprobe.")
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, api_version=(2, 1))
    admin.create_topics([NewTopic(topic, 2, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, linger_ms=50)
    for batch in (10, 1, 5):  # three batches on partition 0: offsets 0-9, 10, 11-15
        for _ in range(batch):
            producer.send(topic, value=b"x", partition=0)
        producer.flush()
    producer.close()
    tp0, tp1 = TopicPartition(topic, 0), TopicPartition(topic, 1)

    reader = OffsetReader(BOOTSTRAP)
    try:
        assert reader.partitions([topic, unique("absent.")]) == [tp0, tp1]
        beginning, end = reader.offsets([tp0, tp1])
        assert (beginning, end) == ({tp0: 0, tp1: 0}, {tp0: 16, tp1: 0})

        group = unique("lagprobe-group-")
        assert reader.committed(group, [tp0, tp1]) == {tp0: None, tp1: None}
        committer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, group_id=group,
                                  enable_auto_commit=False)
        committer.commit({tp0: OffsetAndMetadata(12, "", -1)})
        committer.close(autocommit=False)
        committed = reader.committed(group, [tp0, tp1])
        assert committed == {tp0: 12, tp1: None}
        assert partition_lag(committed[tp0], beginning[tp0], end[tp0]) == 4
    finally:
        reader.close()


def test_a_missing_topic_is_found_as_soon_as_it_exists_without_listing_every_topic_meanwhile():
    """The partitions are cached (a topic listing reads the whole cluster's metadata); a missing topic, such as a
    dead-letter topic before the first dead letter, is asked about alone, and shows at the next look once created."""
    present, absent = unique("lagprobe."), unique("lagprobe-dlq.")
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, api_version=(2, 1))
    reader = OffsetReader(BOOTSTRAP)
    try:
        admin.create_topics([NewTopic(present, 1, 1)])
        assert reader.partitions([present, absent]) == [TopicPartition(present, 0)]
        listings = []
        consumer, _ = reader._clients()
        listing = consumer.topics
        consumer.topics = lambda: listings.append(1) or listing()  # counts the whole-cluster listings
        assert reader.partitions([present, absent]) == [TopicPartition(present, 0)]
        assert listings == [] and absent not in listing()  # asked about alone: not created by asking
        admin.create_topics([NewTopic(absent, 2, 1)])
        assert reader.partitions([absent, present]) == [TopicPartition(absent, 0), TopicPartition(absent, 1),
                                                        TopicPartition(present, 0)]
        assert len(listings) == 1
    finally:
        reader.close()
        admin.close()


@pytest.mark.parametrize("committed, beginning, end, lag", [
    (None, 0, 7, 7),    # never committed: everything from the first offset
    (None, 5, 7, 2),    # ... which may be past 0 after retention
    (3, 5, 7, 2),       # committed before what retention kept: from the first offset still there
    (7, 0, 7, 0),
    (9, 0, 7, 0),       # a stale end offset never makes lag negative
])
def test_partition_lag(committed, beginning, end, lag):
    assert partition_lag(committed, beginning, end) == lag


def test_an_unreachable_broker_makes_the_lag_unavailable_not_zero():
    from ttp_common.consumer_lag import ConsumerLagCollector

    collector = ConsumerLagCollector("lagtest", "127.0.0.1:1", {"g": ["t"]})
    started_at = time.monotonic()
    families = {f.name: f for f in collector.collect()}
    assert [s.value for s in families["ttp_consumer_lag_available"].samples] == [0]
    assert families["ttp_consumer_lag"].samples == []
    assert "ttp_dlq_depth" not in families
    assert time.monotonic() - started_at < 30
    collector.close()
