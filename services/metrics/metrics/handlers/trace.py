"""The trace projection (``metrics.trace``): one event's entry, written whole under its ``ce_id`` (a replay or
a redelivery rewrites the same document), and the reads that assemble a trace."""
from .. import trace


def record(uow, event_name, data, event_id, event_time):
    doc = trace.entry(event_name, data, event_id, event_time)
    if doc is not None:
        uow.db[trace.TRACE].replace_one({"_id": doc["_id"]}, doc, upsert=True, session=uow.session)


def entries_with(repo, keys):
    """The stored entries naming any of ``keys`` (a multikey index on ``keys`` serves it)."""
    return list(repo.db[trace.TRACE].find({"keys": {"$in": list(keys)}}, session=repo.session))


def ensure_indexes(db):
    db[trace.TRACE].create_index("keys", name="trace_keys")
