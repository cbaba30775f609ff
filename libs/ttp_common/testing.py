"""Helpers for integration tests against the real local servers."""
import os
import time
import uuid

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from . import kafka

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def unique(prefix="t"):
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def read_topic(topic, predicate=lambda record: True, count=1, timeout=20, bootstrap=BOOTSTRAP):
    """Records of ``topic`` (all partitions, from the start) matching ``predicate``; waits for ``count``."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=kafka.API_VERSION,
                             enable_auto_commit=False, fetch_max_wait_ms=10)
    try:
        deadline = time.time() + timeout
        partitions = None
        while not partitions and time.time() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                consumer.topics()  # refreshes the metadata
                time.sleep(0.2)
        if not partitions:
            return []
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        found = []
        while time.time() < deadline and len(found) < count:
            for records in consumer.poll(timeout_ms=200).values():
                found.extend(r for r in records if predicate(r))
        return found
    finally:
        consumer.close()


def produce_raw(topic, value, key=None, headers=None, bootstrap=BOOTSTRAP):
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=kafka.API_VERSION, acks="all")
    try:
        return producer.send(topic, key=key, value=value, headers=headers or []).get(timeout=15)
    finally:
        producer.close(5)


def wait_for(check, timeout=20, interval=0.1, message="condition"):
    """Poll ``check`` until it returns a truthy value; returns that value or fails the test."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


def header(record, name):
    for key, value in record.headers or []:
        if key == name:
            return value.decode()
    return None


def service_config(service, port, **overrides):
    """nameko config for running ``service`` in a test container against the real local servers,
    isolated by a unique database, topic prefix and consumer-group suffix."""
    config = {
        "AMQP_URI": AMQP_URI,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "MONGO_URI": MONGO_URI,
        "MONGO_DB": unique(f"test_{service}_"),
        "KAFKA_BOOTSTRAP": BOOTSTRAP,
        "KAFKA_TOPIC_PREFIX": f"{unique()}.",
        "OUTBOX_POLL_SECONDS": 0.5,
        "CONSUMER_RETRY_BACKOFF_SECONDS": 0.05,
        "JWT_SECRET": "test-secret-of-at-least-32-bytes-long",
    }
    config.update(overrides)
    return config
