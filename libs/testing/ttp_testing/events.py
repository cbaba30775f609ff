"""Kafka for tests: read a topic from the start, produce raw records, and publish an event as the service
that owns it would (how a test plays another service)."""
import dataclasses
import time

from .servers import BOOTSTRAP


def read_topic(topic, predicate=lambda record: True, count=1, timeout=20, bootstrap=BOOTSTRAP):
    """Records of ``topic`` (all partitions, from the start) matching ``predicate``; waits for ``count``."""
    from kafka import KafkaConsumer, TopicPartition

    from ttp_common import kafka

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
    """Send one record as given (bytes, no envelope) and wait for the broker's acknowledgement."""
    from kafka import KafkaProducer

    from ttp_common import kafka

    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=kafka.API_VERSION, acks="all")
    try:
        return producer.send(topic, key=key, value=value, headers=headers or []).get(timeout=15)
    finally:
        producer.close(5)


def header(record, name):
    """The value of header ``name`` of a consumed record, as text (None if absent)."""
    for key, value in record.headers or []:
        if key == name:
            return value.decode()
    return None


def codec():
    """The codec of the published schemas (what the services encode and decode with)."""
    from ttp_common.events import codec as published

    return published()


def decode(record):
    """(event name, data) of a record's Avro payload, decoded with the published schemas."""
    return codec().decode(record.value)


def event_message(target, event_name, data, subject, *, source=None, actor=None, event_id=None, time=None):
    """``event_name`` with ``data`` as its owning service would publish it: Avro payload, CloudEvents headers
    (``actor``: an ``events.Actor``, in the ``ce_actor*`` extensions), keyed by ``subject``, on the event's
    topic under the test's prefix. ``target``: a ``ServiceApi`` (its topic prefix) or a topic prefix.
    ``source`` defaults to ``/ttp/<owning service>``; ``event_id`` and ``time`` to a new id and now."""
    from ttp_common import envelope

    prefix = target if isinstance(target, str) else target.config["KAFKA_TOPIC_PREFIX"]
    return envelope.build_message(
        codec(), event_name, data, source=source or f"/ttp/{event_name.split('.')[0]}", subject=subject,
        event_id=event_id, time=time, extensions=actor.extensions() if actor is not None else None,
        topic_prefix=prefix)


def publish_event(target, event_name, data, subject, *, value=None, **attributes):
    """Publish ``event_message(target, event_name, data, subject, **attributes)`` straight onto Kafka, as
    another service would; ``value`` replaces its payload bytes (e.g. as an older schema revision wrote
    them). Returns the message: ``redeliver(message)`` sends it again (same ``ce_id``)."""
    message = event_message(target, event_name, data, subject, **attributes)
    if value is not None:
        message = dataclasses.replace(message, value=value)
    redeliver(message)
    return message


def redeliver(message):
    """Send an already built or consumed message again, unchanged (Kafka's at-least-once delivery)."""
    return produce_raw(message.topic, message.value, key=message.key, headers=list(message.headers or []))
