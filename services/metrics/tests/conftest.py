"""Fixtures for the metrics service's tests: one real service container per module, talked to over HTTP, and a
fake unit of work for the handler unit tests; plan files of the tests' own come from ``_plans``."""
import sys
from pathlib import Path

import pytest

from ttp_testing import service_api_fixture

sys.path.insert(0, str(Path(__file__).resolve().parent))

api = service_api_fixture("metrics")


@pytest.fixture
def uow():
    """``ttp_testing.FakeUnitOfWork`` for the metrics handlers (no document classes: the read models are plain
    collections)."""
    from ttp_testing.fakes import FakeUnitOfWork

    return FakeUnitOfWork(service="metrics")
