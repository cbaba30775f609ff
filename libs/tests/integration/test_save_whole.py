"""``ttp_common.mongo.save_whole`` against the real MongoDB-protocol server: it must leave the collection as a bulk
of ``ReplaceOne(upsert=True)`` would (it replaced them in the trace projection and the rebuild, for speed)."""
import pymongo
import pytest
from pymongo import ReplaceOne

from ttp_common.mongo import save_whole
from ttp_testing import MONGO_URI, unique

pytestmark = pytest.mark.integration


@pytest.fixture
def db():
    client = pymongo.MongoClient(MONGO_URI)
    name = unique("test_save_whole_")
    yield client, client[name]
    client.drop_database(name)
    client.close()


def batches():
    """Two batches: new documents, a repeated _id inside a batch, a stored one rewritten, a field dropped."""
    first = [{"_id": "e-1", "keys": ["a:1"], "n": 1}, {"_id": "e-2", "keys": ["a:2"], "n": 1, "extra": True},
             {"_id": "e-1", "keys": ["a:1"], "n": 2}]
    second = [{"_id": "e-3", "keys": ["a:3"], "n": 1}, {"_id": "e-2", "keys": ["a:2", "c:9"], "n": 2},
              {"_id": "e-4", "keys": [], "n": 1}]
    return first, second


def test_the_collection_ends_as_with_replace_one_upserts(db):
    client, database = db
    for batch in batches():
        database.upserted.bulk_write([ReplaceOne({"_id": d["_id"]}, d, upsert=True) for d in batch], ordered=True)
    written = []
    for batch in batches():
        with client.start_session() as session:  # as the trace consumer writes: in its batch's transaction
            written.append(session.with_transaction(lambda s, b=batch: save_whole(database.saved, b, session=s)))
    assert written == [2, 3]
    assert list(database.saved.find().sort("_id")) == list(database.upserted.find().sort("_id"))
    assert database.saved.find_one({"_id": "e-2"}) == {"_id": "e-2", "keys": ["a:2", "c:9"], "n": 2}
    assert save_whole(database.saved, []) == 0
