"""kill -9 of the development database under concurrent writers: an acknowledged write survives, and no
event exists for a write that did not (issue 17, STACK-NOTES 21).

Four clients keep registering organizations with a real registry (`nameko run`) while its SecantusDB,
started as the launcher starts it, is killed with SIGKILL twice and restarted on the same data directory.
Run with ``MONGO_SYNC_ON_COMMIT=0`` (the server without ``--sync-on-commit``), this test fails: 10 and 12
of about 370 acknowledged writes were gone in two runs here, and the relay had published events for such
writes before (subscribers counted organizations the registry no longer had).
"""
import os
import signal
import time
from pathlib import Path

import pymongo
import pytest
from nameko.testing.utils import find_free_port

from ttp_testing import AMQP_URI, BOOTSTRAP, header, local_issuer, read_topic, unique, wait_for

from .conftest import PrivateMongo, Process, Writer, healthy

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
WRITERS = 4
CRASHES = 2
WRITES_BETWEEN_CRASHES = 120


def test_a_killed_database_keeps_every_acknowledged_write_and_no_event_outlives_its_write(tmp_path):
    mongo = PrivateMongo(tmp_path / "mongo")
    mongo.start()
    prefix, port, db_name = f"{unique()}.", find_free_port(), unique("test_durability_registry_")
    env = {**os.environ, "EVENTLET_TESTS": "1", "KAFKA_BOOTSTRAP": BOOTSTRAP, "MONGO_URI": mongo.uri,
           "AMQP_URI": AMQP_URI, "KAFKA_TOPIC_PREFIX": prefix, "OIDC_ISSUER": local_issuer().url,
           "OUTBOX_POLL_SECONDS": "0.5", "LOG_LEVEL": "WARNING", "REGISTRY_PORT": str(port),
           "REGISTRY_MONGO_DB": db_name}
    registry = Process("registry", ["--config", str(REPO / "services/registry/config.yaml"),
                                    "registry.service:RegistryService"], REPO / "services/registry", env, tmp_path)
    url = f"http://127.0.0.1:{port}"
    writers = [Writer(url) for _ in range(WRITERS)]
    try:
        registry.start()
        wait_for(lambda: healthy(url), timeout=60, message="the registry to start")
        for writer in writers:
            writer.start()

        def acknowledged():
            return sum(len(writer.acknowledged) for writer in writers)

        for _ in range(CRASHES):
            target = acknowledged() + WRITES_BETWEEN_CRASHES
            wait_for(lambda: acknowledged() >= target, timeout=120, message="acknowledged writes to flow")
            mongo.stop(signal.SIGKILL)  # a crash of the database server, mid-stream
            time.sleep(0.5)
            mongo.start()  # same data directory
            wait_for(lambda: healthy(url), timeout=60, message="the registry to see the database again")
        target = acknowledged() + 20
        wait_for(lambda: acknowledged() >= target, timeout=60, message="writes after the last restart")
        for writer in writers:
            writer.stop()

        db = pymongo.MongoClient(mongo.uri)[db_name]
        stored = {doc["_id"] for doc in db.organizations.find({}, {"_id": 1})}
        acked = [org_id for writer in writers for org_id in writer.acknowledged]
        lost = set(acked) - stored
        assert not lost, f"{len(lost)} of {len(acked)} acknowledged writes are gone after the crashes"

        wait_for(lambda: db.outbox.count_documents({"sent": False}) == 0, timeout=60,
                 message="the relay to publish every stored event")
        records = read_topic(f"{prefix}ttp.registry.organization", count=len(stored), timeout=30)
        published = [header(record, "ce_subject") for record in records]
        phantoms = set(published) - stored
        assert not phantoms, f"{len(phantoms)} events announce organizations the registry does not have"
        assert set(published) == stored  # and every stored organization was announced
    finally:
        for writer in writers:
            writer.stopped.set()
        registry.stop()
        mongo.stop(signal.SIGKILL)
