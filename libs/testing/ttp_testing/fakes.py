"""A fake unit of work for unit tests of service-layer handlers (no servers).

    uow = FakeUnitOfWork(Organization, service="registry")
    org = handlers.register(uow, OrganizationIn(...), principal)
    assert uow.names() == ["registry.organization.registered.v1"]
    assert uow.get(Organization, org.id).name == ...

It is the real ``ttp_common.mongo.Repository`` over an in-memory MongoDB (mongomock): the handler's queries,
sorts and updates mean what they mean against the server, and the unique indexes of the document classes
given are created, so a duplicate is the same ``DuplicateKeyError``. Emitted events are encoded exactly as
the real unit of work encodes them (validated against their published Avro schemas) and kept in ``events``;
nothing is committed or published, so a handler that raises leaves what it wrote so far (a real transaction
would roll it back: assert on the raise, not on the state after it).
"""
from dataclasses import dataclass

import mongomock
import mongomock.collection

from ttp_common import events
from ttp_common.mongo import Repository


def _accept_unused_sort(add_update):
    """pymongo 4.20's ``UpdateOne`` passes ``sort=None`` to the bulk builder, which mongomock 4.3's does not take
    (a ``bulk_write`` of updates would fail on the fake only): accept it when it asks for no sort."""
    def add_update_without_sort(self, *args, sort=None, **kwargs):
        assert sort is None, "mongomock cannot sort an update"
        return add_update(self, *args, **kwargs)
    return add_update_without_sort


mongomock.collection.BulkOperationBuilder.add_update = _accept_unused_sort(
    mongomock.collection.BulkOperationBuilder.add_update)


@dataclass(frozen=True)
class Emitted:
    name: str
    data: dict
    subject: str
    message: object  # the Kafka record the outbox would hold (headers, Avro value)


class FakeUnitOfWork(Repository):
    def __init__(self, *document_classes, service="test", actor=None):
        self._db = mongomock.MongoClient(tz_aware=True)[f"fake_{service}"]
        self.service, self.actor = service, actor
        self.events = []
        for document_class in document_classes:
            self._create_indexes(document_class)

    @property
    def db(self):
        return self._db

    def _create_indexes(self, document_class):
        for spec in document_class._meta.get("index_specs", []):
            options = {key: spec[key] for key in ("unique", "sparse", "partialFilterExpression") if key in spec}
            self.collection(document_class).create_index(spec["fields"], **options)

    def emit(self, event_name, data, subject):
        message = events.build(events.codec(), event_name, data, source=f"/ttp/{self.service}",
                               subject=str(subject), actor=self.actor)
        self.events.append(Emitted(event_name, data, str(subject), message))
        return message

    def names(self):
        """The names of the events emitted, in order."""
        return [event.name for event in self.events]
