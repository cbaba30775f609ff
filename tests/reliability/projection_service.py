"""A minimal consuming service for the crash tests, run as its own process with `nameko run`:
it projects every organization registration into one document per event."""
from ttp_common.consumer import consume
from ttp_common.mongo import Store
from ttp_common.observability import Observability


class Projection:
    name = "projection"
    store = Store()
    observability = Observability()

    @consume("registry.organization.registered.v1")
    def on_registered(self, event):
        def work(uow):
            uow.db.projected.insert_one({"event_id": event.id, "organization_id": event.data["organization_id"]},
                                        session=uow.session)

        self.store.transact(work, dedup=event)
