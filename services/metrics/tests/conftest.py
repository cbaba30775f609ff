"""Fixtures for the metrics service's tests: one real service container per module, talked to over HTTP."""
from ttp_testing import service_api_fixture

api = service_api_fixture("metrics")
