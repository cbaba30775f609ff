"""Reading the nameko config (and the environment) in one place."""
import os

DEFAULTS = {
    "KAFKA_BOOTSTRAP": "127.0.0.1:9092",
    "KAFKA_TOPIC_PREFIX": "",
    "KAFKA_PARTITIONS": 3,
    "KAFKA_REPLICATION_FACTOR": 1,  # of the topics a service creates itself (a cluster declares its own)
    "MONGO_URI": "mongodb://127.0.0.1:27017/?directConnection=true",
    "AMQP_URI": "amqp://guest:guest@127.0.0.1:5672/",
    # The issuer whose signed tokens the services accept (ttp_common.oidc): the development identity service.
    "OIDC_ISSUER": "http://127.0.0.1:8106",
    "SCHEMA_REGISTRY_URL": "",
    "OUTBOX_POLL_SECONDS": 1.0,
    "CONSUMER_MAX_ATTEMPTS": 3,
    "CONSUMER_RETRY_BACKOFF_SECONDS": 0.2,
    "CONSUMER_GROUP_SUFFIX": "",
    # The wait of a consumer's fetch at the broker (ttp_common.fetch_wait): the shortest while records
    # flow, doubling to the longest when idle. Tansu answers only when the wait runs out, so the longest
    # is the delay of the first record after a quiet spell; on Apache Kafka set both to e.g. 500.
    "CONSUMER_FETCH_WAIT_MIN_MS": 10,
    "CONSUMER_FETCH_WAIT_MAX_MS": 500,
    # A batch consumer (``@consume(..., batch=True)``) gets up to this many records of one partition in one
    # call, applied in one transaction, waiting at most this long after the first of them for more.
    "CONSUMER_BATCH_MAX_RECORDS": 500,
    "CONSUMER_BATCH_MAX_WAIT_MS": 50,
    # A transaction (with pymongo's retries of transient errors) gives up after this long,
    # instead of pymongo's 120 s: an HTTP client gets a 503 rather than a hang.
    "TRANSACTION_TIMEOUT_SECONDS": 6.0,
    # Any other database operation (a read, a query) gives up after this long (pymongo's
    # socketTimeoutMS); 0 means no limit. Large benchmarks on the development server lift it.
    "MONGO_OPERATION_TIMEOUT_SECONDS": 20.0,
    # How long a consumer remembers the ce_id of an event it applied (processed_events, a TTL
    # index on `at`); 0, the default, keeps them forever: a redelivery after a marker expired is
    # applied twice, and mongo.ensure_dedup_retention lists when one can come late.
    "DEDUP_RETENTION_DAYS": 0.0,
}


def setting(config, key):
    """A config value; a YAML null (an empty `${VAR:}`) falls back to the default."""
    value = config.get(key)
    if value is None or value == "":
        value = os.environ.get(key, DEFAULTS.get(key))
    default = DEFAULTS.get(key)
    if isinstance(default, (int, float)) and not isinstance(default, bool) and isinstance(value, str):
        value = type(default)(value)
    return "" if value is None else value


def service_name(container):
    return container.service_name
