"""The pytest plugin of ttp-testing (entry point ``pytest11``: loaded in every pytest run of the virtualenv).

It is loaded before the root conftest.py, whose first statement monkey-patches eventlet (STACK-NOTES 1:
before pymongo or kafka are imported). So this module and everything it imports at load time import
nothing but pytest and the standard library; the helpers load their dependencies when used. It adds:

- ``platform_service``: each of the platform's five services in turn, running for the test module
  (a ``ServiceApi`` with ``.name`` and ``.spec``), for tests that hold for every service;
- the test run's token issuer (``ttp_testing.issuer``), which every service a test starts trusts
  (``OIDC_ISSUER`` in the environment from the start of the run);
- a check at session start that pymongo was not imported before the monkey-patching.
"""
import sys

import pytest

from ttp_tools.services import PAGE_SERVICES, SERVICE_CLASSES

from .fixtures import service_api_fixture

platform_service = service_api_fixture(sorted(set(SERVICE_CLASSES) - PAGE_SERVICES), LOG_LEVEL="ERROR")


def pytest_configure(config):
    from .issuer import trust_in_environment

    trust_in_environment()


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session):
    """pymongo decides at import whether ``select.poll`` exists; imported before eventlet removed it, every
    operation fails ("module 'select' has no attribute 'poll'", then a 30 s server-selection timeout)."""
    checker = sys.modules.get("pymongo.socket_checker")
    if checker is not None and getattr(checker, "_HAVE_POLL", False) and not hasattr(sys.modules["select"], "poll"):
        raise pytest.UsageError("pymongo was imported before eventlet.monkey_patch(): patch first, in the first "
                                "statement of the root conftest.py, and import no pymongo or kafka in a plugin "
                                "(STACK-NOTES 1)")
