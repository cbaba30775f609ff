"""Dead-lettering, the part a consumer does at run time.

A consumer that cannot handle a record (``undecodable``: not an event of ours; ``handler_failed``: the
handler failed after its retries) copies it to ``<topic>.dlq`` with its key, value and headers, plus
``dlq_*`` headers saying why and from where (``dead_letter_headers``). Looking at dead letters and
re-driving them is operator tooling: ``ttp-dlq`` (``ttp_tools.dlq``), which reads the same headers.
"""
from . import kafka

DLQ_SUFFIX = ".dlq"
DLQ_HEADER_PREFIX = "dlq_"
REASONS = ("undecodable", "handler_failed")


def dead_letter_topic(topic):
    """Where a record of ``topic`` is dead-lettered."""
    return topic + DLQ_SUFFIX


def dead_letter_headers(record, reason, exc, *, consumer_group, handler):
    """The record's own headers plus the ``dlq_*`` ones: reason, error, who failed and where it came from."""
    return list(record.headers or []) + [
        ("dlq_reason", reason.encode()),
        ("dlq_error", f"{type(exc).__name__}: {exc}"[:2000].encode("utf-8", "replace")),
        ("dlq_consumer_group", consumer_group.encode()),
        ("dlq_handler", handler.encode()),
        ("dlq_original_topic", record.topic.encode()),
        ("dlq_original_partition", str(record.partition).encode()),
        ("dlq_original_offset", str(record.offset).encode()),
    ]


def dead_letter(bootstrap, record, headers, partitions):
    """Copy ``record`` (key and value unchanged) with ``headers`` to its dead-letter topic; waits for the
    broker's acknowledgement and raises if there is none."""
    topic = dead_letter_topic(record.topic)
    kafka.ensure_topics(bootstrap, [topic], partitions)
    kafka.producer(bootstrap).send(topic, key=record.key, value=record.value, headers=headers).get(timeout=15)
