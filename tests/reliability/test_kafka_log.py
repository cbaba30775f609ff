"""The development broker keeps its log (issue 17, item 4): with ``KAFKA_STORAGE=s3`` (the launcher's default)
Tansu writes its log to a local S3 server (localbucket) as files, so a crash of both — kill -9 — loses no
acknowledged record and no consumer group's committed offsets; a group resumes where it was. The memory broker
the tests use loses everything on the same crash, which is why the launcher then replays the outboxes.

Private servers on free ports: killing them disturbs nobody.
"""
import signal

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ttp_common import kafka
from ttp_common.kafka import ensure_topics

from .conftest import PrivateKafka, PrivateKafkaLog

pytestmark = pytest.mark.integration

TOPIC = "ttp.reliability.log"
GROUP = "reliability-log-readers"
FETCH_WAIT_MS = 100  # as the launcher gives the services with this log (ttp_tools.servers.service_environment)


def produce(bootstrap, first, count):
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=kafka.API_VERSION, acks="all")
    try:
        for n in range(first, first + count):
            producer.send(TOPIC, key=f"aggregate-{n % 7}".encode(), value=f"event-{n}".encode()).get(timeout=30)
    finally:
        producer.close(5)


def everything(bootstrap):
    """Every record of the topic, per partition in offset order."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=kafka.API_VERSION, enable_auto_commit=False,
                             consumer_timeout_ms=3000, fetch_max_wait_ms=FETCH_WAIT_MS)
    try:
        partitions = consumer.partitions_for_topic(TOPIC) or set()
        if not partitions:
            return {}
        tps = [TopicPartition(TOPIC, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        found = {tp.partition: [] for tp in tps}
        for record in consumer:
            found[record.partition].append(record.value.decode())
        return found
    finally:
        consumer.close()


def read_as_group(bootstrap, count, timeout=60):
    """What the group reads next (until ``count`` records), committing them; and its committed offsets."""
    import time

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=kafka.API_VERSION, group_id=GROUP,
                             enable_auto_commit=False, auto_offset_reset="earliest", session_timeout_ms=6000,
                             heartbeat_interval_ms=1000, fetch_max_wait_ms=FETCH_WAIT_MS)
    try:
        consumer.subscribe([TOPIC])
        read, deadline = [], time.time() + timeout
        while len(read) < count and time.time() < deadline:
            for records in consumer.poll(timeout_ms=300).values():
                read += [record.value.decode() for record in records]
        consumer.commit()
        partitions = consumer.partitions_for_topic(TOPIC)
        return read, {p: consumer.committed(TopicPartition(TOPIC, p)) for p in partitions}
    finally:
        consumer.close()


def crash(*servers):
    for server in servers:
        server.stop(signal.SIGKILL)


def test_a_crash_of_broker_and_log_server_loses_no_record_and_no_committed_offset(tmp_path):
    log = PrivateKafkaLog(tmp_path / "kafka")
    log.start()
    broker = PrivateKafka(log)
    try:
        broker.start()
        ensure_topics(broker.bootstrap, [TOPIC], 3)
        produce(broker.bootstrap, 0, 120)
        read, committed = read_as_group(broker.bootstrap, 120)
        assert sorted(read) == sorted(f"event-{n}" for n in range(120))
        produce(broker.bootstrap, 120, 30)  # acknowledged, not yet read by the group
        before = everything(broker.bootstrap)
        assert sum(map(len, before.values())) == 150

        crash(broker, log)
        log.start()
        broker.start()

        assert everything(broker.bootstrap) == before  # every record, in its partition and order
        resumed, after = read_as_group(broker.bootstrap, 30)
        assert sorted(resumed) == sorted(f"event-{n}" for n in range(120, 150))  # where it was: no gap, no double
        assert sum(after.values()) == sum(committed.values()) + 30  # its offsets survived, then moved on
    finally:
        crash(broker, log)


def test_the_memory_broker_loses_its_log_on_the_same_crash():
    broker = PrivateKafka()
    try:
        broker.start()
        ensure_topics(broker.bootstrap, [TOPIC], 3)
        produce(broker.bootstrap, 0, 20)
        assert sum(map(len, everything(broker.bootstrap).values())) == 20
        crash(broker)
        broker.start()
        assert everything(broker.bootstrap) == {}  # not even the topic
    finally:
        crash(broker)
