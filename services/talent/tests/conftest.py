"""Fixtures for the talent service's tests: one real service container per module, talked to over HTTP."""
import pytest

from ttp_common.testing import running_service


@pytest.fixture(scope="module")
def api():
    from talent.service import TalentService

    with running_service(TalentService) as api:
        yield api
