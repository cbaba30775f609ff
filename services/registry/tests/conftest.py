"""Fixtures for the registry service's tests: one real service container per module, talked to over HTTP."""
import pytest

from ttp_common.testing import running_service


@pytest.fixture(scope="module")
def api():
    from registry.service import RegistryService

    with running_service(RegistryService) as api:
        yield api
