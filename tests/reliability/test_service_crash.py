"""kill -9 a service while events flow, restart it (issue 9): no acknowledged write lost, no
event lost, nothing counted twice.

The registry (producer: HTTP write → state + outbox in one transaction → relay → Kafka) and a
projection (consumer: Kafka → dedup marker + effect in one transaction → commit offset) run
as real `nameko run` processes, and each is killed with SIGKILL mid-stream while a client keeps
registering organizations.
"""
import os
import time
from pathlib import Path

import pymongo
import pytest
from nameko.testing.utils import find_free_port

from ttp_testing import AMQP_URI, BOOTSTRAP, MONGO_URI, header, local_issuer, read_topic, unique, wait_for

from .conftest import Process, Writer, healthy

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def stack(tmp_path):
    prefix = f"{unique()}."
    port = find_free_port()
    env = {**os.environ, "EVENTLET_TESTS": "1", "KAFKA_BOOTSTRAP": BOOTSTRAP, "MONGO_URI": MONGO_URI,
           "AMQP_URI": AMQP_URI, "KAFKA_TOPIC_PREFIX": prefix, "OIDC_ISSUER": local_issuer().url,
           "OUTBOX_POLL_SECONDS": "0.5", "LOG_LEVEL": "WARNING",
           "REGISTRY_PORT": str(port), "REGISTRY_MONGO_DB": unique("test_crash_registry_")}
    registry = Process("registry", ["--config", str(REPO / "services/registry/config.yaml"),
                                    "registry.service:RegistryService"], REPO / "services/registry", env, tmp_path)
    projection_db = unique("test_crash_projection_")
    config = tmp_path / "projection.yaml"
    config.write_text(f"AMQP_URI: {AMQP_URI}\nMONGO_URI: '{MONGO_URI}'\nMONGO_DB: {projection_db}\n"
                      f"KAFKA_BOOTSTRAP: {BOOTSTRAP}\nKAFKA_TOPIC_PREFIX: '{prefix}'\n"
                      "CONSUMER_RETRY_BACKOFF_SECONDS: 0.05\n")
    projection = Process("projection", ["--config", str(config), "projection_service:Projection"],
                         Path(__file__).parent, env, tmp_path)
    client = pymongo.MongoClient(MONGO_URI)
    yield {"registry": registry, "projection": projection, "url": f"http://127.0.0.1:{port}", "prefix": prefix,
           "registry_db": client[env["REGISTRY_MONGO_DB"]], "projection_db": client[projection_db]}
    for process in (registry, projection):
        process.stop()
    client.drop_database(env["REGISTRY_MONGO_DB"])
    client.drop_database(projection_db)
    client.close()


def test_killing_the_producer_and_the_consumer_mid_stream_loses_and_doubles_nothing(stack):
    registry, projection, url = stack["registry"], stack["projection"], stack["url"]
    registry_db, projection_db = stack["registry_db"], stack["projection_db"]
    registry.start()
    projection.start()
    wait_for(lambda: healthy(url), timeout=60, message="the registry to start")

    writer = Writer(url, count=60)
    writer.start()
    wait_for(lambda: len(writer.acknowledged) >= 15, timeout=60, message="writes to flow")
    registry.kill()  # SIGKILL mid-stream: in-flight requests fail, acknowledged ones must survive
    time.sleep(1)
    registry.start()
    wait_for(lambda: projection_db.projected.count_documents({}) >= 25, timeout=90,
             message="the projection to catch up after the producer's restart")
    projection.kill()  # SIGKILL the consumer between handling and committing offsets
    time.sleep(1)
    projection.start()
    writer.join(180)
    assert not writer.is_alive(), "the writer did not finish"

    stored = {doc["_id"] for doc in registry_db.organizations.find({}, {"_id": 1})}
    assert set(writer.acknowledged) <= stored, "an acknowledged write was lost"
    wait_for(lambda: projection_db.projected.count_documents({}) >= len(stored), timeout=90,
             message="every stored organization to be projected")
    time.sleep(2)  # anything redelivered after the restart would show up now
    projected = [doc["organization_id"] for doc in projection_db.projected.find()]
    assert sorted(projected) == sorted(stored), "an event was lost or counted twice"

    records = read_topic(f"{stack['prefix']}ttp.registry.organization", count=len(stored), timeout=20)
    assert {header(r, "ce_subject") for r in records} == stored  # every stored write reached Kafka
    assert registry.starts == 2 and projection.starts == 2
