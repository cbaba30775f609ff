"""One KafkaProducer per process, and topic creation.

kafka-python 2.3.x against Tansu: pass ``api_version`` so the constructor does no
network I/O (a broker that is down at start-up must not keep the service from
starting), and ``KafkaAdminClient`` needs ``api_version=(2, 1)``.

Every client the platform builds connects with ``security()``: plaintext on the development broker; on a
cluster that requires it (deploy/k8s: Strimzi's TLS listener with SCRAM-SHA-512), the service's own Kafka
user and the cluster's CA, from the environment (docs/operations.md 7.5).
"""
import logging
import os
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

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")
SECURITY_VARIABLES = ("KAFKA_SECURITY_PROTOCOL", "KAFKA_SASL_MECHANISM", "KAFKA_SASL_USERNAME", "KAFKA_SASL_PASSWORD",
                      "KAFKA_SSL_CAFILE")


class SecurityError(ValueError):
    """The Kafka security settings contradict each other; the service does not start with them."""


def security(env=None):
    """The kafka-python keyword arguments that authenticate and encrypt a client, from ``KAFKA_SECURITY_PROTOCOL``
    (PLAINTEXT, the default), ``KAFKA_SASL_MECHANISM`` (SCRAM-SHA-512 unless set), ``KAFKA_SASL_USERNAME``,
    ``KAFKA_SASL_PASSWORD`` (environment only: a secret, never in a config file or a log line) and
    ``KAFKA_SSL_CAFILE`` (the cluster CA's certificate; the system's trust store when empty)."""
    env = os.environ if env is None else env
    protocol = (env.get("KAFKA_SECURITY_PROTOCOL") or "PLAINTEXT").strip().upper()
    if protocol not in PROTOCOLS:
        raise SecurityError(f"KAFKA_SECURITY_PROTOCOL is one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    options = {"security_protocol": protocol}
    if protocol.startswith("SASL_"):
        mechanism = (env.get("KAFKA_SASL_MECHANISM") or "SCRAM-SHA-512").strip().upper()
        if mechanism not in SASL_MECHANISMS:
            raise SecurityError(f"KAFKA_SASL_MECHANISM is one of {', '.join(SASL_MECHANISMS)}, not {mechanism!r}")
        username, password = env.get("KAFKA_SASL_USERNAME") or "", env.get("KAFKA_SASL_PASSWORD") or ""
        if not username or not password:
            raise SecurityError(f"{protocol} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD")
        if mechanism == "PLAIN" and protocol == "SASL_PLAINTEXT":
            raise SecurityError("SASL PLAIN sends the password as it is: use it over SASL_SSL only")
        options.update(sasl_mechanism=mechanism, sasl_plain_username=username, sasl_plain_password=password)
    if protocol.endswith("SSL"):
        cafile = env.get("KAFKA_SSL_CAFILE") or ""
        if cafile and not os.path.isfile(cafile):
            raise SecurityError(f"KAFKA_SSL_CAFILE {cafile!r} is not a file")
        options.update(ssl_check_hostname=True, **({"ssl_cafile": cafile} if cafile else {}))
    elif env.get("KAFKA_SASL_PASSWORD"):
        raise SecurityError("KAFKA_SASL_PASSWORD is set but KAFKA_SECURITY_PROTOCOL sends it over no encryption")
    return options


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
                **security(),
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


def ensure_topics(bootstrap, topics, partitions=3, replication_factor=None, configs=None):
    """Create missing topics with ``partitions`` partitions (and the topic ``configs``, e.g.
    ``{"cleanup.policy": "compact"}``); existing ones are left alone.

    The replication factor defaults to ``KAFKA_REPLICATION_FACTOR`` (1 on the development broker;
    3 on a cluster whose ``min.insync.replicas`` is 2, or its ``acks=all`` writes are refused).
    """
    if replication_factor is None:
        replication_factor = setting({}, "KAFKA_REPLICATION_FACTOR")
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, api_version=(2, 1), request_timeout_ms=10000, **security())
    try:
        existing = set(admin.list_topics())
        missing = [t for t in topics if t not in existing]
        for topic in missing:
            try:
                admin.create_topics([NewTopic(topic, partitions, replication_factor, topic_configs=configs or {})])
            except TopicAlreadyExistsError:
                pass
        return missing
    finally:
        admin.close()
