"""Fixtures for the metrics service's tests: one real service container per module, talked to over HTTP."""
import pytest

from ttp_common.testing import running_service


@pytest.fixture(scope="module")
def api():
    from metrics.service import MetricsService

    with running_service(MetricsService) as api:
        yield api
