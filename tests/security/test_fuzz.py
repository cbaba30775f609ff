"""HTTP endpoints fuzzed from their own OpenAPI document (issue 9), with schemathesis.

Every service's document is fuzzed. For a service, schemathesis generates requests (valid and invalid) for every operation of
the document the service serves at /api/v1/openapi.json, sends them with an administrator's
token to a running service (real local servers), and checks: no 5xx, the status code is one
the document lists, the response has the documented content type and matches the documented
schema, and no response carries a Python stack trace.

Examples per operation: FUZZ_EXAMPLES (default 15 in CI; raise it for a long run, e.g.
`FUZZ_EXAMPLES=500 pytest tests/security/test_fuzz.py`).

Deep runs (`make fuzz`: FUZZ_DEEP=1): every operation with the token of every kind of caller (an administrator,
an institution's clerk, a reviewer and a registrar of Chengdu, another system's client with every scope of the
service, the anonymous public), and a stateful run per service and caller: sequences of calls that follow the
links schemathesis infers from the document (an id a POST answered, used by the GET, PUT and state changes of
that record), so that records are created and then driven through their states.
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
DEEP = os.environ.get("FUZZ_DEEP") == "1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
FUZZ_ORG = "org-fuzz"
CALLERS = ("admin", "institution", "reviewer", "registrar", "client", "public") if DEEP else ("admin",)


def caller_headers(api, caller, service):
    """The Authorization header of one kind of caller (none for the public)."""
    if caller == "public":
        return {}
    token = {
        "admin": lambda: api.admin(),
        "institution": lambda: api.institution(FUZZ_ORG),
        "reviewer": lambda: api.reviewer("510100"),
        "registrar": lambda: api.token("registrar", region="510100"),
        "client": lambda: api.token("client", "fuzz-client", scope=f"{service}:read {service}:write",
                                    client_id="fuzz-client", audience=service),
    }[caller]()
    return {"Authorization": f"Bearer {token}"}


def fuzz(case, api, caller="admin", service=None):
    response = case.call(base_url=api.url, headers=caller_headers(api, caller, service), timeout=15)
    case.validate_response(response, checks=CHECKS)
    assert "Traceback" not in response.text and 'File "/' not in response.text


def fuzz_module(service_class, name):
    """A module-scoped running service (fixture ``name``) and a schemathesis test over its document."""
    running = service_api_fixture(service_class, LOG_LEVEL="WARNING", name=name)

    # usefixtures: the module-scoped service must be set up before nameko's autouse, function-scoped
    # `fast_teardown` fixture. Fetched lazily inside the first test instead (getfixturevalue), its AMQP
    # consumer was caught by fast_teardown, told to stop after that test, and the container's stop at
    # the end of the module then waited forever for it (the fuzz run "hung" past the 300 s timeout).
    schema = schemathesis.openapi.from_dict(service_class.openapi_document())
    service = service_class.name

    @pytest.mark.usefixtures(name)
    @pytest.mark.parametrize("caller", CALLERS)
    @schema.parametrize()
    @FUZZ_SETTINGS
    def test(case, request, caller):
        fuzz(case, request.getfixturevalue(name), caller, service)

    return running, test


def stateful_test(service_class, name):
    """Deep runs only: sequences of linked calls against the module's running service, by every caller."""
    workflow = schemathesis.openapi.from_dict(service_class.openapi_document()).as_state_machine()

    @pytest.mark.usefixtures(name)
    @pytest.mark.parametrize("caller", CALLERS)
    def test(request, caller):
        api = request.getfixturevalue(name)

        class Workflow(workflow):
            def get_call_kwargs(self, case):
                return {"base_url": api.url, "headers": caller_headers(api, caller, service_class.name),
                        "timeout": 15}

            def validate_response(self, response, case, **kwargs):
                case.validate_response(response, checks=CHECKS)

        Workflow.run(settings=settings(max_examples=max(1, EXAMPLES // 5), stateful_step_count=8, deadline=None,
                                       derandomize=True, database=None, suppress_health_check=list(HealthCheck)))

    return test


registry_api, test_registry = fuzz_module(RegistryService, "registry_api")
transactions_api, test_transactions = fuzz_module(TransactionsService, "transactions_api")
finance_api, test_finance = fuzz_module(FinanceService, "finance_api")
talent_api, test_talent = fuzz_module(TalentService, "talent_api")
metrics_api, test_metrics = fuzz_module(MetricsService, "metrics_api")
innovation_api, test_innovation = fuzz_module(InnovationService, "innovation_api")
delivery_api, test_delivery = fuzz_module(DeliveryService, "delivery_api")

if DEEP:
    test_registry_stateful = stateful_test(RegistryService, "registry_api")
    test_transactions_stateful = stateful_test(TransactionsService, "transactions_api")
    test_finance_stateful = stateful_test(FinanceService, "finance_api")
    test_talent_stateful = stateful_test(TalentService, "talent_api")
    test_metrics_stateful = stateful_test(MetricsService, "metrics_api")
    test_innovation_stateful = stateful_test(InnovationService, "innovation_api")
    test_delivery_stateful = stateful_test(DeliveryService, "delivery_api")
