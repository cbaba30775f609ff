"""Fixtures for the finance service's tests: one real service container per module, talked to over HTTP."""
import pytest

from ttp_common.testing import running_service


@pytest.fixture(scope="module")
def api():
    from finance.service import FinanceService

    with running_service(FinanceService) as api:
        yield api
