"""A transaction that begins while the service is starting does not stall the database.

nameko starts entrypoints together with dependencies, so a worker (a timer, a consumed record, the
identity service's development seeding) can open a transaction while ``Store.start`` still builds indexes.
When that transaction creates a collection implicitly and the index build meets it, SecantusDB's index
build spins under the server's storage lock and every client of the server waits for about a minute (the
transaction lifetime) — a CI run timed out on it. The Store creates its collections first and lets no
transaction begin before it is ready. Without that, this test fails: the second statement and the index
build time out, and the server stays busy.
"""
import time

import eventlet
import mongoengine
import pymongo
import pytest
from nameko.containers import ServiceContainer
from nameko.timer import timer

from ttp_common.mongo import Store
from ttp_testing import unique, wait_for

from .conftest import PrivateMongo

pytestmark = pytest.mark.integration


class Note(mongoengine.Document):
    meta = {"collection": "notes", "indexes": ["author", {"fields": ["written"], "unique": True}]}
    author = mongoengine.StringField(required=True)
    written = mongoengine.IntField(required=True)


class EagerWriter:
    """Writes in a transaction of two statements the moment it starts, pausing between them."""

    name = "eager_writer"
    store = Store()
    documents = [Note]

    @timer(interval=3600, eager=True)
    def write_at_once(self):
        def work(uow):
            uow.insert(Note(author="eager", written=1))
            eventlet.sleep(1)  # the index build of the starting Store runs now
            uow.insert(Note(author="eager", written=2))

        self.store.transact(work)


def test_a_transaction_at_start_up_waits_for_the_collections_and_the_server_keeps_answering(tmp_path):
    mongo = PrivateMongo(tmp_path / "mongo")
    mongo.start()
    db_name = unique("test_store_start_")
    container = ServiceContainer(EagerWriter, {"MONGO_URI": mongo.uri, "MONGO_DB": db_name,
                                               "TRANSACTION_TIMEOUT_SECONDS": 20})
    client = pymongo.MongoClient(mongo.uri, socketTimeoutMS=5000)
    try:
        started = time.monotonic()
        container.start()
        db = client[db_name]
        wait_for(lambda: db.notes.count_documents({}) == 2, timeout=15, message="both notes of the transaction")
        assert time.monotonic() - started < 10
        assert {"author_1", "written_1"} <= set(db.notes.index_information())
        client.other.probe.insert_one({"at": time.time()})  # the server answers every client
    finally:
        container.stop()
        client.close()
        mongo.stop()
