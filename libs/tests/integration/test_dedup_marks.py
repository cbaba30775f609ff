"""A batch's dedup marks (``ttp_common.mongo.mark_processed``), kept in one document per batch, against the real
MongoDB-protocol server: every event is applied once whatever the batches' boundaries, alongside marks written one
document per event (by a consumer of single events, and by every consumer before marks were kept per batch)."""
import threading
from types import SimpleNamespace

import pymongo
import pytest
from pymongo.errors import DuplicateKeyError

from ttp_common.mongo import PROCESSED, create_collections, ensure_marks_index, mark_processed, marked
from ttp_testing import MONGO_URI, unique

pytestmark = pytest.mark.integration
HANDLER = "on_contract"


@pytest.fixture
def db():
    client = pymongo.MongoClient(MONGO_URI)
    name = unique("test_dedup_marks_")
    create_collections(client[name], [PROCESSED])
    ensure_marks_index(client[name])  # as the Store does at start
    yield client, client[name]
    client.drop_database(name)
    client.close()


def events(*ids):
    return [SimpleNamespace(id=i, topic="ttp.transactions.contract", type="contract.registered") for i in ids]


def apply(client, database, batch):
    with client.start_session() as session:
        return [e.id for e in session.with_transaction(lambda s: mark_processed(database, s, HANDLER, batch))]


def test_a_batch_is_marked_in_one_document_and_each_event_applied_once(db):
    client, database = db
    assert apply(client, database, events("e1", "e2", "e1", "e3")) == ["e1", "e2", "e3"]  # a copy inside the batch
    assert database[PROCESSED].count_documents({}) == 1
    assert apply(client, database, events("e1", "e2", "e3")) == []  # the batch redelivered
    assert apply(client, database, events("e3", "e4", "e2", "e5")) == ["e4", "e5"]  # other boundaries
    with client.start_session() as session:
        assert marked(database, session, [f"{HANDLER}|e{i}" for i in range(1, 7)]) == {
            f"{HANDLER}|e{i}" for i in range(1, 6)}


def test_marks_kept_one_document_per_event_are_honoured(db):
    client, database = db
    database[PROCESSED].insert_one({"_id": f"{HANDLER}|old", "handler": HANDLER, "type": "t", "topic": "x"})
    database[PROCESSED].insert_one({"_id": f"{HANDLER}|single", "handler": HANDLER, "marks": [f"{HANDLER}|single"]})
    assert apply(client, database, events("old", "new", "single")) == ["new"]
    assert apply(client, database, events("other")) == ["other"]  # the marks of another handler's are its own
    assert apply(client, database, events("new")) == []


def test_two_deliveries_of_overlapping_batches_at_once_apply_the_shared_event_once(db):
    """Two members of a group during a rebalance: each read the marks before the other wrote its own. The unique
    index on the marks keeps the second from committing the shared event's mark again."""
    client, database = db
    both_read = threading.Barrier(2, timeout=10)
    outcomes = {}

    def deliver(name, batch):
        attempts = []

        def work(session):
            fresh = mark_processed(database, session, HANDLER, batch) if attempts else None
            if not attempts:  # the first attempt waits for the other to have read too
                attempts.append(1)
                assert not marked(database, session, [f"{HANDLER}|{e.id}" for e in batch])
                both_read.wait()
                fresh = mark_processed(database, session, HANDLER, batch)
            return [e.id for e in fresh]

        try:
            with client.start_session() as session:
                outcomes[name] = session.with_transaction(work)
        except DuplicateKeyError:
            outcomes[name] = "refused"

    threads = [threading.Thread(target=deliver, args=("a", events("x1", "x2"))),
               threading.Thread(target=deliver, args=("b", events("x2", "x3")))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # the loser is refused (a duplicate key), or its retried transaction sees the winner's marks (a write conflict);
    # a refused batch's events are then handled one by one, as the consumer does
    applied = []
    for name, batch in (("a", ("x1", "x2")), ("b", ("x2", "x3"))):
        if outcomes[name] == "refused":
            applied += [i for event_id in batch for i in apply(client, database, events(event_id))]
        else:
            applied += outcomes[name]
    assert sorted(applied) == ["x1", "x2", "x3"], outcomes
