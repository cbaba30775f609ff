"""Fixtures for the metrics service's tests: one real service container per module, talked to over HTTP, and a
fake unit of work for the handler unit tests."""
import pytest

from ttp_testing import service_api_fixture

api = service_api_fixture("metrics")


@pytest.fixture
def uow():
    """``ttp_testing.FakeUnitOfWork`` for the metrics handlers (no document classes: the read models are plain
    collections)."""
    from ttp_testing.fakes import FakeUnitOfWork

    return FakeUnitOfWork(service="metrics")
