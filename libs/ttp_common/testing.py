"""Helpers for integration tests against the real local servers."""
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pymongo
import requests
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from nameko.containers import ServiceContainer
from nameko.testing.utils import find_free_port

from . import kafka
from .auth import mint_token
from .events import codec
from .mongo import OUTBOX
from .paths import REPO_ROOT
from .stack import SERVICE_CLASSES

BOOTSTRAP = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/?directConnection=true")
AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
TEST_JWT_SECRET = "test-secret-of-at-least-32-bytes-long"


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


def at_once(*calls):
    """The results of ``calls`` run concurrently in threads, released together (for race tests)."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    start = Barrier(len(calls))

    def run(call):
        start.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


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
        "JWT_SECRET": TEST_JWT_SECRET,
    }
    config.update(overrides)
    return config


class ServiceApi:
    """HTTP access to a service running in a test container, plus a look at its database and topics."""

    def __init__(self, url, config, db):
        self.url, self.config, self.db = url, config, db

    def token(self, role, sub=None, secret=TEST_JWT_SECRET, **claims):
        return mint_token(sub or f"test-{role}", role, secret=secret, **claims)

    def request(self, method, path, token=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", 10)
        return requests.request(method, self.url + path, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.request("POST", path, **kwargs)

    def counts(self, collection):
        """(documents in ``collection``, outbox rows): what a rejected request must not change."""
        return self.db[collection].count_documents({}), self.db[OUTBOX].count_documents({})

    def event(self, aggregate_topic, subject):
        """The Kafka record whose ``ce_subject`` is ``subject`` on ``<prefix>ttp.<service>.<aggregate>``."""
        records = read_topic(self.config["KAFKA_TOPIC_PREFIX"] + aggregate_topic,
                             lambda r: header(r, "ce_subject") == subject)
        assert len(records) == 1, f"expected one event for {subject} on {aggregate_topic}, got {len(records)}"
        return records[0]

    @staticmethod
    def decode(record):
        """(event name, data) of a record's Avro payload, decoded with the published schemas."""
        return codec().decode(record.value)


@contextlib.contextmanager
def running_service(service_cls, **config_overrides):
    """Run ``service_cls`` in a nameko container on a free port against the real local servers;
    yields a ``ServiceApi``; stops the container and drops its test database afterwards."""
    port = find_free_port()
    config = service_config(service_cls.name, port, **config_overrides)
    container = ServiceContainer(service_cls, config)
    container.start()
    client = pymongo.MongoClient(MONGO_URI)
    try:
        yield ServiceApi(f"http://127.0.0.1:{port}", config, client[config["MONGO_DB"]])
    finally:
        container.stop()
        client.drop_database(config["MONGO_DB"])
        client.close()


def assert_error(response, status, code):
    """The response is the platform's JSON error with this status and stable code; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["message"]
    return body


class RunningPlatform:
    """Services started by ``nameko_run``: their URLs, database names and logs."""

    def __init__(self, log_dir, prefix):
        self.log_dir, self.prefix = log_dir, prefix
        self.urls, self.dbs, self.procs = {}, {}, {}

    def log_tail(self, name, chars=3000):
        return (self.log_dir / f"{name}.log").read_text("utf-8", "replace")[-chars:]


@contextlib.contextmanager
def nameko_run(names, log_dir, *, secret=TEST_JWT_SECRET, prefix=None, env=None, ready_timeout=90):
    """Start ``names`` (services of ttp_common.stack.SERVICE_CLASSES) as real ``nameko run``
    processes against the real local servers, each on a free port with its own database, under
    one topic prefix; yields a ``RunningPlatform`` once every /health answers 200; stops them and
    drops their databases afterwards."""
    platform = RunningPlatform(Path(log_dir), prefix or f"{unique()}.")
    nameko = Path(sys.executable).parent / "nameko"
    try:
        for name in names:
            port = find_free_port()
            platform.urls[name] = f"http://127.0.0.1:{port}"
            platform.dbs[name] = unique(f"test_{name}_")
            process_env = {**os.environ, f"{name.upper()}_PORT": str(port), f"{name.upper()}_MONGO_DB": platform.dbs[name],
                           "MONGO_URI": MONGO_URI, "KAFKA_BOOTSTRAP": BOOTSTRAP, "AMQP_URI": AMQP_URI,
                           "KAFKA_TOPIC_PREFIX": platform.prefix, "TTP_JWT_SECRET": secret,
                           "OUTBOX_POLL_SECONDS": "0.5", **(env or {})}
            platform.procs[name] = subprocess.Popen(
                [str(nameko), "run", "--config", str(REPO_ROOT / "services" / name / "config.yaml"),
                 SERVICE_CLASSES[name]],
                cwd=REPO_ROOT / "services" / name, env=process_env, stdout=open(platform.log_dir / f"{name}.log", "wb"),
                stderr=subprocess.STDOUT)
        for name, url in platform.urls.items():
            def healthy(url=url, name=name):
                assert platform.procs[name].poll() is None, f"{name} exited:\n{platform.log_tail(name)}"
                try:
                    return requests.get(f"{url}/health", timeout=2).status_code == 200
                except requests.RequestException:
                    return False
            wait_for(healthy, timeout=ready_timeout, interval=0.25, message=f"{name} to answer /health")
        yield platform
    finally:
        for proc in platform.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in platform.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        client = pymongo.MongoClient(MONGO_URI)
        for db in platform.dbs.values():
            client.drop_database(db)
        client.close()
