"""A batch-consuming service for the crash test of batched consumption, run as its own process with
`nameko run`: each batch of organization registrations is projected in one transaction, one document per
event and each key's events in order; ``BATCH_PAUSE_SECONDS`` per event (inside the transaction) makes a
batch slow enough to be killed in the middle of. Before its transaction it notes the batch outside any
transaction (``started``), so a test can tell when one is in flight."""
import os
import time

from ttp_common.consumer import consume
from ttp_common.mongo import Store
from ttp_common.observability import Observability

PAUSE = float(os.environ.get("BATCH_PAUSE_SECONDS", "0"))


class BatchProjection:
    name = "batch_projection"
    store = Store()
    observability = Observability()

    @consume("registry.organization.registered.v1", batch=True)
    def on_registered(self, events):
        self.store.db.started.insert_one({"size": len(events), "first": events[0].id, "pid": os.getpid()})

        def work(uow, fresh):
            for event in uow.each(fresh):
                uow.db.projected.insert_one({"event_id": event.id, "organization_id": event.data["organization_id"]},
                                            session=uow.session)
                uow.db.log.update_one({"_id": event.subject}, {"$push": {"ids": event.data["organization_id"]}},
                                      upsert=True, session=uow.session)
                time.sleep(PAUSE)  # eventlet's: the consumer's heartbeats go on

        self.store.transact_batch(work, events)
