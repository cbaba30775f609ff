"""One KafkaProducer per process, and topic creation.

kafka-python 2.3.x against Tansu: pass ``api_version`` so the constructor does no
network I/O (a broker that is down at start-up must not keep the service from
starting), and ``KafkaAdminClient`` needs ``api_version=(2, 1)``.
"""
import logging
import threading

from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from .settings import setting

log = logging.getLogger(__name__)

API_VERSION = (2, 5)
BATCH_BYTES = 1024 * 1024  # the relay producer's batch per partition; a relay pass stays under half (outbox.PASS_BYTES)
_lock = threading.Lock()
_producers = {}


def producer(bootstrap, batches=False):
    """The process-wide producer for ``bootstrap`` (acks=all, one in-flight request: per-key order).

    ``batches=True``: the outbox relay's own producer, which sends only when flushed (a linger of a
    minute) and holds up to ``BATCH_BYTES`` per partition in one batch, so that a relay pass's records of
    a partition travel as one batch, which the broker appends whole or not at all."""
    with _lock:
        if (bootstrap, batches) not in _producers:
            _producers[bootstrap, batches] = KafkaProducer(
                bootstrap_servers=bootstrap,
                api_version=API_VERSION,
                acks="all",
                max_in_flight_requests_per_connection=1,
                retries=5,
                linger_ms=60_000 if batches else 2,
                batch_size=BATCH_BYTES if batches else 16384,
                max_block_ms=5000,
                request_timeout_ms=10000,
            )
        return _producers[bootstrap, batches]


def close_producers():
    with _lock:
        for p in _producers.values():
            try:
                p.flush(5)
                p.close(5)
            except Exception:  # pragma: no cover - best effort at shutdown
                log.exception("closing producer")
        _producers.clear()


def ensure_topics(bootstrap, topics, partitions=3, replication_factor=None):
    """Create missing topics with ``partitions`` partitions; existing ones are left alone.

    The replication factor defaults to ``KAFKA_REPLICATION_FACTOR`` (1 on the development broker;
    3 on a cluster whose ``min.insync.replicas`` is 2, or its ``acks=all`` writes are refused).
    """
    if replication_factor is None:
        replication_factor = setting({}, "KAFKA_REPLICATION_FACTOR")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=(2, 1), request_timeout_ms=10000)
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t not in existing]
        for topic in missing:
            try:
                admin.create_topics([NewTopic(topic, partitions, replication_factor)])
            except TopicAlreadyExistsError:
                pass
        return missing
    finally:
        admin.close()
