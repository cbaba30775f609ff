"""Deduplication markers expire after DEDUP_RETENTION_DAYS, against the real MongoDB-protocol server.

SecantusDB honours TTL indexes like mongod: a sweeper deletes expired documents every 60 s. So the
expiry test waits for one sweep (up to about 70 s).
"""
import datetime as dt

import pymongo
import pytest
from nameko.containers import ServiceContainer
from nameko.testing.services import dummy

from ttp_common.mongo import DEDUP_TTL_INDEX, PROCESSED, Store, ensure_dedup_retention
from ttp_testing import MONGO_URI, unique, wait_for

pytestmark = pytest.mark.integration


class Keeper:
    name = "keeper"
    store = Store()

    @dummy
    def noop(self):
        pass


@pytest.fixture
def db():
    client = pymongo.MongoClient(MONGO_URI)
    name = unique("test_dedup_")
    yield client[name]
    client.drop_database(name)
    client.close()


def ttl_of(db):
    index = db[PROCESSED].index_information().get(DEDUP_TTL_INDEX)
    return None if index is None else (index["key"], index.get("expireAfterSeconds"))


def test_the_store_sets_the_retention_at_start_up_and_old_markers_go(db):
    container = ServiceContainer(Keeper, {"MONGO_URI": MONGO_URI, "MONGO_DB": db.name, "DEDUP_RETENTION_DAYS": 1})
    container.start()
    try:
        assert ttl_of(db) == ([("at", 1)], 86400)
        now = dt.datetime.now(dt.timezone.utc)
        db[PROCESSED].insert_many([
            {"_id": "h|old", "handler": "h", "at": now - dt.timedelta(days=2)},
            {"_id": "h|recent", "handler": "h", "at": now - dt.timedelta(hours=1)},
            {"_id": "h|fresh", "handler": "h", "at": now},
        ])
        wait_for(lambda: db[PROCESSED].find_one({"_id": "h|old"}) is None, timeout=75, interval=1,
                 message="the TTL sweep to remove the two-day-old marker")
        assert sorted(d["_id"] for d in db[PROCESSED].find()) == ["h|fresh", "h|recent"]
    finally:
        container.stop()


def test_a_changed_retention_retunes_the_index_and_zero_removes_it(db):
    assert ensure_dedup_retention(db, 30) == "create"
    assert ttl_of(db) == ([("at", 1)], 30 * 86400)
    assert ensure_dedup_retention(db, 30) is None  # every start-up after the first: nothing to do
    assert ensure_dedup_retention(db, 7) == "retune"
    assert ttl_of(db) == ([("at", 1)], 7 * 86400)
    assert ensure_dedup_retention(db, 0) == "drop"
    assert ttl_of(db) is None
    assert ensure_dedup_retention(db, 0) is None
