"""HTTP endpoints fuzzed from their own OpenAPI document (issue 9), with schemathesis.

Today this covers the registry. Run the same way on the other four services (2026-11-27),
the fuzzer found failing cases and one operation that hung past the test timeout; they are
not fixed yet and not in this module (README, Known gaps).

For a service, schemathesis generates requests (valid and invalid) for every operation of
the document the service serves at /api/v1/openapi.json, sends them with an administrator's
token to a running service (real local servers), and checks: no 5xx, the status code is one
the document lists, the response has the documented content type and matches the documented
schema, and no response carries a Python stack trace.

Examples per operation: FUZZ_EXAMPLES (default 15 in CI; raise it for a long run, e.g.
`FUZZ_EXAMPLES=500 pytest tests/security/test_fuzz.py`).
"""
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from ttp_common.testing import running_service

from registry.service import RegistryService

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))


def fuzz(case, api):
    response = case.call(base_url=api.url, headers={"Authorization": f"Bearer {api.token('admin')}"}, timeout=15)
    case.validate_response(response, checks=CHECKS)
    assert "Traceback" not in response.text and 'File "/' not in response.text


@pytest.fixture(scope="module")
def registry():
    with running_service(RegistryService, LOG_LEVEL="WARNING") as api:
        yield api


registry_schema = schemathesis.openapi.from_dict(RegistryService.openapi_spec)


@registry_schema.parametrize()
@FUZZ_SETTINGS
def test_registry(case, registry):
    fuzz(case, registry)

