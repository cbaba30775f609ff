"""The innovation figures' projection (``metrics.innovation``): one event's updates, in the caller's
transaction."""
from .. import innovation


def project(uow, event_name, data):
    for doc_id, update in innovation.updates(event_name, data):
        uow.db[innovation.INNOVATION].update_one({"_id": doc_id}, update, upsert=True, session=uow.session)
