"""The trace projection (``metrics.trace``): one event's entry, written whole under its ``ce_id`` (a replay or
a redelivery rewrites the same document), and the reads that assemble a trace."""
from ttp_common.mongo import save_whole

from .. import trace


def entries(events):
    """The trace entries of consumed events (those no trace shows have none)."""
    return [doc for doc in (trace.entry(e.event_name, e.data, e.id, e.time) for e in events) if doc is not None]


def record(uow, events):
    """Write the entries of a batch of consumed events, each whole under its ``ce_id``."""
    save_whole(uow.db[trace.TRACE], entries(events), session=uow.session)


def entries_with(repo, keys):
    """The stored entries naming any of ``keys`` (a multikey index on ``keys`` serves it)."""
    return list(repo.db[trace.TRACE].find({"keys": {"$in": list(keys)}}, session=repo.session))


def ensure_indexes(db):
    db[trace.TRACE].create_index("keys", name="trace_keys")
