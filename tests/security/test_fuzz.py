"""HTTP endpoints fuzzed from their own OpenAPI document (issue 9), with schemathesis.

Every service's document is fuzzed. For a service, schemathesis generates requests (valid and invalid) for every operation of
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

from ttp_testing import service_api_fixture

from delivery.service import DeliveryService
from finance.service import FinanceService
from innovation.service import InnovationService
from metrics.service import MetricsService
from registry.service import RegistryService
from talent.service import TalentService
from transactions.service import TransactionsService

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))


def fuzz(case, api):
    response = case.call(base_url=api.url, headers={"Authorization": f"Bearer {api.token('admin')}"}, timeout=15)
    case.validate_response(response, checks=CHECKS)
    assert "Traceback" not in response.text and 'File "/' not in response.text


def fuzz_module(service_class, name):
    """A module-scoped running service (fixture ``name``) and a schemathesis test over its document."""
    running = service_api_fixture(service_class, LOG_LEVEL="WARNING", name=name)

    # usefixtures: the module-scoped service must be set up before nameko's autouse, function-scoped
    # `fast_teardown` fixture. Fetched lazily inside the first test instead (getfixturevalue), its AMQP
    # consumer was caught by fast_teardown, told to stop after that test, and the container's stop at
    # the end of the module then waited forever for it (the fuzz run "hung" past the 300 s timeout).
    @pytest.mark.usefixtures(name)
    @schemathesis.openapi.from_dict(service_class.openapi_document()).parametrize()
    @FUZZ_SETTINGS
    def test(case, request):
        fuzz(case, request.getfixturevalue(name))

    return running, test


registry_api, test_registry = fuzz_module(RegistryService, "registry_api")
transactions_api, test_transactions = fuzz_module(TransactionsService, "transactions_api")
finance_api, test_finance = fuzz_module(FinanceService, "finance_api")
talent_api, test_talent = fuzz_module(TalentService, "talent_api")
metrics_api, test_metrics = fuzz_module(MetricsService, "metrics_api")
innovation_api, test_innovation = fuzz_module(InnovationService, "innovation_api")
delivery_api, test_delivery = fuzz_module(DeliveryService, "delivery_api")
