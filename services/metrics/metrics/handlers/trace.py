"""The trace projection (``metrics.trace``): one event's entry, written whole under its ``ce_id`` (a replay or
a redelivery rewrites the same document), and the reads that assemble a trace."""
from pymongo import ReplaceOne

from .. import trace


def record(uow, events):
    """The entries of a batch of consumed events, in one round trip."""
    writes = [ReplaceOne({"_id": doc["_id"]}, doc, upsert=True)
              for doc in (trace.entry(e.event_name, e.data, e.id, e.time) for e in events) if doc is not None]
    if writes:
        uow.db[trace.TRACE].bulk_write(writes, ordered=True, session=uow.session)


def entries_with(repo, keys):
    """The stored entries naming any of ``keys`` (a multikey index on ``keys`` serves it)."""
    return list(repo.db[trace.TRACE].find({"keys": {"$in": list(keys)}}, session=repo.session))


def ensure_indexes(db):
    db[trace.TRACE].create_index("keys", name="trace_keys")
