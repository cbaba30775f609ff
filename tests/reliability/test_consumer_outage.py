"""Events that arrive while a consumer's database is down wait for it (issue 9).

The handler's transaction fails because the database is unreachable, not because the event
is bad: the consumer keeps the record (no attempt spent, nothing dead-lettered) and applies
it, once, when the database is back.
"""
import signal

import pymongo
import pytest
from nameko.containers import ServiceContainer

from ttp_common import metrics
from ttp_common.consumer import consume
from ttp_common.mongo import Store
from ttp_common.observability import Observability
from ttp_testing import BOOTSTRAP, publish_event, read_topic, unique, wait_for

from .conftest import PrivateMongo

pytestmark = pytest.mark.integration

EVENT = "registry.organization.registered.v1"


class Projection:
    name = "projection"
    store = Store()
    observability = Observability()

    @consume(EVENT)
    def on_registered(self, event):
        def work(uow):
            uow.db.seen.insert_one({"event_id": event.id}, session=uow.session)

        self.store.transact(work, dedup=event)


def publish(prefix, count):
    for _ in range(count):
        org_id = unique("org-")
        publish_event(prefix, EVENT, {
            "organization_id": org_id, "name": "成都示范企业", "credit_code": "91350100M000100Y43",
            "kind": "enterprise", "region_code": "510100"}, org_id)


def test_events_wait_for_the_database_and_are_applied_once(tmp_path):
    mongo = PrivateMongo(tmp_path / "mongo")
    mongo.start()
    prefix, db_name = f"{unique()}.", unique("test_projection_")
    container = ServiceContainer(Projection, {
        "MONGO_URI": mongo.uri, "MONGO_DB": db_name, "KAFKA_BOOTSTRAP": BOOTSTRAP, "KAFKA_TOPIC_PREFIX": prefix,
        "CONSUMER_RETRY_BACKOFF_SECONDS": 0.05, "TRANSACTION_TIMEOUT_SECONDS": 2})
    container.start()

    def deferred():
        return metrics.EVENTS_CONSUMED.labels(
            "projection", "on_registered", f"{prefix}ttp.registry.organization", "deferred")._value.get()

    try:
        db = pymongo.MongoClient(mongo.uri)[db_name]
        publish(prefix, 3)
        wait_for(lambda: db.seen.count_documents({}) == 3, message="the first events")

        mongo.stop(signal.SIGTERM)
        publish(prefix, 5)  # arrive while the database is down
        wait_for(deferred, timeout=30, message="the consumer to meet the dead database and hold back")
        mongo.start()

        wait_for(lambda: db.seen.count_documents({}) == 8, timeout=60, message="the events held back")
        assert len(set(d["event_id"] for d in db.seen.find())) == 8
        dead = read_topic(f"{prefix}ttp.registry.organization.dlq", timeout=2)
        assert dead == []
    finally:
        container.stop()
        mongo.stop(signal.SIGKILL)
