"""Fixtures for the innovation service's tests: one real service container per module, talked to over HTTP,
and a fake unit of work over its documents for the handler unit tests."""
import pytest

from ttp_testing import service_api_fixture

api = service_api_fixture("innovation")


@pytest.fixture
def uow():
    """A fake unit of work over every innovation document (``ttp_testing.fakes``)."""
    from innovation.service import InnovationService
    from ttp_testing.fakes import FakeUnitOfWork

    return FakeUnitOfWork(*InnovationService.documents, service="innovation")
