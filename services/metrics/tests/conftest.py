"""Fixtures for the metrics service's tests: one real service container per module, talked to over HTTP, and a
fake unit of work for the handler unit tests."""
import pytest

from ttp_testing import service_api_fixture

api = service_api_fixture("metrics")


@pytest.fixture
def uow(monkeypatch):
    """``ttp_testing.FakeUnitOfWork`` for the metrics handlers (no document classes: the read models are plain
    collections). The counters take one ``bulk_write`` of ``UpdateOne`` per event; pymongo 4.20 passes
    ``sort=None`` to the bulk builder, which mongomock 4.3's does not take: accept it when it is unused."""
    import mongomock.collection

    from ttp_testing.fakes import FakeUnitOfWork

    builder = mongomock.collection.BulkOperationBuilder
    add_update = builder.add_update

    def add_update_without_sort(self, *args, sort=None, **kwargs):
        assert sort is None, "mongomock cannot sort an update"
        return add_update(self, *args, **kwargs)

    monkeypatch.setattr(builder, "add_update", add_update_without_sort)
    return FakeUnitOfWork(service="metrics")
