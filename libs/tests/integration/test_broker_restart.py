"""Kafka is never the only copy: a broker that restarts empty (the local memory store) is refilled
from the service's outbox, and the consumer's projection converges with no double effect.

This test runs its own Tansu broker on a free port, so killing it disturbs no other test.
"""
import subprocess
import uuid

import pymongo
import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import dummy, entrypoint_hook
from nameko.testing.utils import find_free_port

from ttp_common import metrics
from ttp_common.consumer import consume
from ttp_common.events import Actor
from ttp_common.mongo import OUTBOX, Store
from ttp_common.observability import Observability, tcp_reachable
from ttp_common.outbox import OutboxRelay, replay
from ttp_testing import MONGO_URI, unique, wait_for
from ttp_tools.servers import kafka_round_trip, tansu_binary

pytestmark = pytest.mark.integration

EVENT = "registry.organization.registered.v1"


class Projection:
    name = "restart"
    store = Store()
    relay = OutboxRelay()
    observability = Observability()

    @dummy
    def register(self, name):
        org_id = uuid.uuid4().hex

        def work(uow):
            uow.emit(EVENT, {"organization_id": org_id, "name": name, "credit_code": "91350100M000100Y43",
                             "kind": "enterprise", "region_code": "510100"}, subject=org_id)

        self.store.transact(work, actor=Actor(sub="tester", role="admin"))

    @consume(EVENT)
    def count(self, event):
        def work(uow):
            uow.db.counts.update_one({"_id": event.data["name"]}, {"$inc": {"n": 1}}, upsert=True,
                                     session=uow.session)

        self.store.transact(work, dedup=event)


def start_broker(port):
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen([tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
                             "--storage-engine", "memory://tansu/"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: tcp_reachable("127.0.0.1", port) and kafka_round_trip(f"127.0.0.1:{port}"),
             timeout=30, interval=0.3, message="the test broker")
    return proc


def stop_broker(proc, port):
    proc.kill()
    proc.wait(timeout=10)
    wait_for(lambda: not tcp_reachable("127.0.0.1", port), timeout=10, message="the broker to be gone")


@pytest.fixture
def setup():
    port = find_free_port()
    broker = {"proc": start_broker(port)}
    db_name = unique("test_restart_")
    config = {"MONGO_URI": MONGO_URI, "MONGO_DB": db_name, "KAFKA_BOOTSTRAP": f"127.0.0.1:{port}",
              "OUTBOX_POLL_SECONDS": 0.5, "CONSUMER_RETRY_BACKOFF_SECONDS": 0.05}
    container = ServiceContainer(Projection, config)
    container.start()
    client = pymongo.MongoClient(MONGO_URI)
    try:
        yield container, client[db_name], port, broker
    finally:
        container.stop()
        broker["proc"].kill()
        broker["proc"].wait(timeout=10)
        client.drop_database(db_name)
        client.close()


def count(db, name):
    doc = db.counts.find_one({"_id": name})
    return doc["n"] if doc else 0


def test_a_broker_that_lost_its_log_is_refilled_from_the_outbox(setup):
    container, db, port, broker = setup
    with entrypoint_hook(container, "register") as register:
        register("before")
    wait_for(lambda: count(db, "before") == 1, timeout=30, message="the first event")

    stop_broker(broker["proc"], port)
    with entrypoint_hook(container, "register") as register:
        register("while-down")  # committed; waits in the outbox
    assert db[OUTBOX].count_documents({"sent": False}) >= 1

    broker["proc"] = start_broker(port)  # empty: the memory store lost everything
    assert replay(db) == 2  # what the launcher does when it starts a fresh broker

    wait_for(lambda: count(db, "while-down") == 1, timeout=90, message="the event committed while Kafka was down")
    wait_for(lambda: db[OUTBOX].count_documents({"sent": False}) == 0, timeout=30, message="the relay")
    # the replayed copy of "before" reached the handler and was recognised by its ce_id
    wait_for(lambda: metrics.EVENTS_DEDUPLICATED.labels("restart", "count")._value.get() >= 1,
             timeout=30, message="the replayed duplicate")
    assert count(db, "before") == 1  # delivered twice (original + replay), applied once
    assert count(db, "while-down") == 1
