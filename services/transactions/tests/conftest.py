"""Fixtures for the transactions service's tests: one real service container per module, talked to over HTTP."""
import pytest

from ttp_common.testing import running_service


@pytest.fixture(scope="module")
def api():
    from transactions.service import TransactionsService

    with running_service(TransactionsService) as api:
        yield api
