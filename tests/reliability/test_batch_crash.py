"""kill -9 a batch consumer in the middle of a batch (issue 17 item 1): the batch's transaction never
commits, nor do its offsets; the restarted consumer applies the whole batch again, and every event has
exactly one effect, in order per key."""
import os
import time
from pathlib import Path

import pymongo
import pytest
from kafka import KafkaProducer

from ttp_common import kafka
from ttp_testing import AMQP_URI, BOOTSTRAP, MONGO_URI, event_message, unique, wait_for

from .conftest import Process

pytestmark = pytest.mark.integration

EVENT = "registry.organization.registered.v1"
EVENTS, KEYS, BATCH = 240, 4, 40


@pytest.fixture
def stack(tmp_path):
    prefix = f"{unique()}."
    db_name = unique("test_batch_crash_")
    env = {**os.environ, "EVENTLET_TESTS": "1", "BATCH_PAUSE_SECONDS": "0.02", "LOG_LEVEL": "WARNING"}
    config = tmp_path / "batch_projection.yaml"
    config.write_text(f"AMQP_URI: {AMQP_URI}\nMONGO_URI: '{MONGO_URI}'\nMONGO_DB: {db_name}\n"
                      f"KAFKA_BOOTSTRAP: {BOOTSTRAP}\nKAFKA_TOPIC_PREFIX: '{prefix}'\n"
                      f"CONSUMER_BATCH_MAX_RECORDS: {BATCH}\nCONSUMER_BATCH_MAX_WAIT_MS: 200\n"
                      "CONSUMER_RETRY_BACKOFF_SECONDS: 0.05\n")
    projection = Process("batch_projection", ["--config", str(config), "batch_projection_service:BatchProjection"],
                         Path(__file__).parent, env, tmp_path)
    client = pymongo.MongoClient(MONGO_URI)
    yield {"projection": projection, "prefix": prefix, "db": client[db_name]}
    projection.stop()
    client.drop_database(db_name)
    client.close()


def produce(prefix):
    """EVENTS registrations over KEYS keys, sent as one backlog; {key: [organization ids in order]}."""
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, acks="all", linger_ms=20)
    order = {}
    for i in range(EVENTS):
        key, org = f"k{i % KEYS}", f"org-{i:04d}"
        m = event_message(prefix, EVENT, {"organization_id": org, "name": "批量崩溃测试", "kind": "enterprise",
                                          "credit_code": "91350100M000100Y43", "region_code": "510100"}, key)
        producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
        order.setdefault(key, []).append(org)
    producer.flush(30)
    producer.close(5)
    return order


def test_killing_the_consumer_in_the_middle_of_a_batch_loses_and_doubles_nothing(stack):
    projection, db = stack["projection"], stack["db"]
    kafka.ensure_topics(BOOTSTRAP, [f"{stack['prefix']}ttp.registry.organization"], 3)
    order = produce(stack["prefix"])
    projection.start()

    # a few batches committed, then SIGKILL just after the next batch began its transaction
    wait_for(lambda: db.projected.count_documents({}) >= BATCH, timeout=90, message="the first batches to commit")
    begun = db.started.count_documents({})
    wait_for(lambda: db.started.count_documents({}) > begun, timeout=30, interval=0.01, message="a next batch")
    time.sleep(0.1)  # inside it: 0.02 s per event
    projected_at_kill = db.projected.count_documents({})
    projection.kill()
    [latest] = db.started.find().sort("_id", -1).limit(1)
    assert latest["size"] >= 10, f"the batch killed was of {latest['size']} events: not the middle of a batch"
    assert db.projected.count_documents({"event_id": latest["first"]}) == 0  # its transaction never committed
    assert db.projected.count_documents({}) == projected_at_kill < EVENTS

    projection.start()
    wait_for(lambda: db.projected.count_documents({}) >= EVENTS, timeout=120,
             message="every event to be projected after the restart")
    time.sleep(2)  # anything applied twice after the restart would show up now
    projected = [doc["organization_id"] for doc in db.projected.find()]
    assert sorted(projected) == sorted(org for orgs in order.values() for org in orgs), "lost or counted twice"
    for key, orgs in order.items():
        assert db.log.find_one({"_id": key})["ids"] == orgs  # in order per key, each once
    assert projection.starts == 2
