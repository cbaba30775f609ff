"""Scale-out, proven locally: two instances of the metrics service in one consumer group.

Two real `nameko run` processes of the SAME service share one database, one topic prefix and
so one consumer group (``<prefix>ttp.metrics.<handler>``). The test publishes N distinct
``registry.organization.accredited.v1`` events (Avro + CloudEvents, as the registry's relay
does) on a topic with 6 partitions, and checks, through the service's public HTTP API only:

* the work splits: each instance's /metrics shows records it processed itself;
* redelivered duplicates (same ``ce_id``) have no second effect;
* an instance killed mid-stream (SIGKILL, no clean shutdown, offsets uncommitted) loses
  nothing: the survivor takes over its partitions, re-reads what was not committed, and the
  plan figure ``service_institutions`` is still exactly N.
"""
import os
import signal
import subprocess
import sys
import uuid
import warnings
from datetime import datetime, timezone

import pymongo
import pytest
import requests
from kafka import KafkaProducer
from nameko.testing.utils import find_free_port

from ttp_common import kafka
from ttp_common.paths import REPO_ROOT
from ttp_testing import BOOTSTRAP, MONGO_URI, event_message, local_issuer, unique, wait_for
from ttp_testing.plans import plans_dir

pytestmark = pytest.mark.integration
PLANS = plans_dir(in_force=True)

PREFIX = f"{unique('scale')}."
TOPIC = f"{PREFIX}ttp.registry.organization"
EVENT = "registry.organization.accredited.v1"
PARTITIONS = 6
DB = unique("test_scaleout_metrics_")


class Instance:
    """One `nameko run` process of the metrics service."""

    def __init__(self, name, log_dir):
        self.name = name
        self.port = find_free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"metrics-{name}.log"
        env = dict(os.environ)
        env.update({
            "METRICS_PORT": str(self.port), "METRICS_MONGO_DB": DB, "MONGO_URI": MONGO_URI,
            "KAFKA_BOOTSTRAP": BOOTSTRAP, "KAFKA_TOPIC_PREFIX": PREFIX, "KAFKA_PARTITIONS": str(PARTITIONS),
            "CONSUMER_GROUP_SUFFIX": "",  # the same group for both: that is the point
            "OIDC_ISSUER": local_issuer().url, "OUTBOX_POLL_SECONDS": "0.5", "EVENTLET_TESTS": "1",
            "METRICS_PLANS_DIR": str(PLANS),  # accreditations of today count in a plan in force today
        })
        nameko = os.path.join(os.path.dirname(sys.executable), "nameko")
        self.proc = subprocess.Popen(
            [nameko, "run", "--config", str(REPO_ROOT / "services/metrics/config.yaml"),
             "metrics.service:MetricsService"],
            cwd=REPO_ROOT / "services" / "metrics", env=env,
            stdout=open(self.log_path, "wb"), stderr=subprocess.STDOUT,
        )
        self.last_processed = 0

    def log_tail(self):
        return self.log_path.read_text(errors="replace")[-3000:]

    def healthy(self):
        assert self.proc.poll() is None, f"{self.name} exited:\n{self.log_tail()}"
        try:
            return requests.get(f"{self.url}/health", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def scrape(self, metric, outcome=None):
        """Sum of ``metric`` samples on this instance's /metrics (for our topic when labelled)."""
        text = requests.get(f"{self.url}/metrics", timeout=5).text
        total = 0.0
        for line in text.splitlines():
            if not line.startswith(metric + "{"):
                continue
            labels = line[line.index("{"):line.rindex("}")]
            if 'topic="' in labels and f'topic="{TOPIC}"' not in labels:
                continue
            if outcome and f'outcome="{outcome}"' not in labels:
                continue
            total += float(line.rsplit(" ", 1)[1])
        return int(total)

    def processed(self):
        self.last_processed = self.scrape("ttp_events_consumed_total", "processed")
        return self.last_processed

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def instances(tmp_path_factory):
    kafka.ensure_topics(BOOTSTRAP, [TOPIC], PARTITIONS)
    log_dir = tmp_path_factory.mktemp("scaleout-logs")
    pair = [Instance("a", log_dir), Instance("b", log_dir)]
    try:
        for instance in pair:
            wait_for(instance.healthy, timeout=60, message=f"instance {instance.name} to answer /health")
        yield pair
    finally:
        for instance in pair:
            instance.stop()
        # A killed instance can leave a transaction open that holds the database for a while.
        client = pymongo.MongoClient(MONGO_URI, timeoutMS=10000)
        try:
            client.drop_database(DB)
        except pymongo.errors.PyMongoError as exc:
            warnings.warn(f"test database {DB} left behind: {exc}")
        client.close()


@pytest.fixture(scope="module")
def producer():
    p = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, acks="all", linger_ms=5)
    yield p
    p.close(5)


def accredited(index):
    """A new accredited institution's event, keyed by its own id (so keys spread over partitions)."""
    org_id = f"org-{uuid.uuid4().hex[:12]}"
    data = {"organization_id": org_id, "region_code": "510100", "basis": f"川科认〔2026〕{index}号",
            "accredited_at": datetime.now(timezone.utc)}
    return event_message(PREFIX, EVENT, data, org_id)


def publish(producer, messages):
    futures = [producer.send(m.topic, key=m.key, value=m.value, headers=m.headers) for m in messages]
    producer.flush(15)
    return [f.get(timeout=15) for f in futures]


def institutions(url):
    targets = requests.get(f"{url}/api/v1/progress", timeout=5).json()["targets"]
    return int(next(t for t in targets if t["key"] == "service_institutions")["value"])


def test_two_instances_split_the_work_and_count_each_event_once_even_when_one_dies(instances, producer):
    a, b = instances
    sent = []

    # 1. Both instances join one group; keep publishing small batches until each has done some work
    #    (the second join triggers a rebalance that takes a few seconds on the local broker).
    def both_working():
        batch = [accredited(len(sent) + i) for i in range(12)]
        publish(producer, batch)
        sent.extend(batch)
        wait_for(lambda: institutions(b.url) == len(sent), timeout=30, message=f"{len(sent)} events counted")
        return a.processed() > 0 and b.processed() > 0

    wait_for(both_working, timeout=90, interval=0.5, message="both instances to process records")
    assert a.last_processed + b.last_processed >= len(sent)  # together they saw every record
    assert institutions(a.url) == institutions(b.url) == len(sent)  # one projection, whoever answers
    print(f"split of the first {len(sent)} events: a={a.last_processed} b={b.last_processed}")

    # 2. Redeliver a few events as they were (same ce_id): no second effect.
    duplicates = sent[:5]
    dedup_before = a.scrape("ttp_events_deduplicated_total") + b.scrape("ttp_events_deduplicated_total")
    publish(producer, duplicates)
    wait_for(lambda: a.scrape("ttp_events_deduplicated_total") + b.scrape("ttp_events_deduplicated_total")
             >= dedup_before + len(duplicates), timeout=30, message="the duplicates to be seen and skipped")
    assert institutions(a.url) == len(sent)

    # 3. Kill one instance mid-stream (no clean shutdown) and keep publishing.
    before_kill = [accredited(len(sent) + i) for i in range(30)]
    futures = [producer.send(m.topic, key=m.key, value=m.value, headers=m.headers) for m in before_kill]
    a.stop(signal.SIGKILL)
    producer.flush(15)
    [f.get(timeout=15) for f in futures]
    sent.extend(before_kill)
    after_kill = [accredited(len(sent) + i) for i in range(30)]
    partitions_after = {meta.partition for meta in publish(producer, after_kill)}
    sent.extend(after_kill)
    assert len(partitions_after) > 1  # the new events land on several partitions, including ex-a's

    b_before = b.last_processed
    wait_for(lambda: institutions(b.url) == len(sent), timeout=60, interval=0.5,
             message=f"the survivor to count all {len(sent)} events (it had {institutions(b.url)})")
    assert b.processed() - b_before >= len(after_kill)  # the survivor did the work after the kill
    print(f"after killing a: b processed {b.last_processed - b_before} records for {len(sent)} events in all; "
          f"deduplicated on b: {b.scrape('ttp_events_deduplicated_total')}")
    assert b.healthy()
    assert institutions(b.url) == len(sent)  # exactly N: nothing lost, nothing twice
