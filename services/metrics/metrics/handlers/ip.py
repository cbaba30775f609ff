"""The IP figures' projection (``metrics.ip``): one event's updates, in the caller's transaction."""
from .. import ip


def project(uow, event_name, data):
    for doc_id, update in ip.updates(event_name, data):
        uow.db[ip.IP].update_one({"_id": doc_id}, update, upsert=True, session=uow.session)
