"""What every service answers the same way (the platform's contract), checked once for all five.

Each service runs in a test container for the module (ttp_testing's ``platform_service``) against the
real local servers: /health, /metrics, its OpenAPI document, and how a write without a token, a write
with a body that is not JSON, an unknown path and a wrong method are refused. What differs between the
services (their write endpoint, the collection it writes, a caller allowed to write) is the table below.
"""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import jsonschema
import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_31  # the OpenAPI 3.1 schema, pinned with schemathesis

from ttp_testing import assert_error, forged

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Write:
    """One write endpoint of a service: what the refusals below are tried on."""

    method: str
    path: str              # as documented
    url: str               # a concrete URL of it
    entrypoint: str        # its nameko method: the label of its metrics
    collection: str        # what a refused write must leave as it was
    schema: str            # its JSON body's schema in the document
    writer: Callable       # a caller allowed to write (a body that is not JSON is refused all the same)
    responses: set = field(default_factory=set)  # documented beyond 400, 401, 403 and 415


WRITES = {
    "registry": Write("POST", "/api/v1/organizations", "/api/v1/organizations", "register_organization",
                      "organizations", "OrganizationIn", lambda api: api.admin(), {"201", "409"}),
    "transactions": Write("POST", "/api/v1/contracts", "/api/v1/contracts", "submit_contract", "contracts",
                          "ContractIn", lambda api: api.institution("org-seller-1"), {"201"}),
    "finance": Write("POST", "/api/v1/transformation-projects", "/api/v1/transformation-projects", "propose_project",
                     "transformation_projects", "TransformationProjectIn",
                     lambda api: api.institution("org-panzhihua-1", sub="applicant"), {"201"}),
    "talent": Write("POST", "/api/v1/people", "/api/v1/people", "register_person", "people", "PersonIn",
                    lambda api: api.institution("org-scu"), {"201"}),
    "metrics": Write("PATCH", "/api/v1/tasks/{task_id}", "/api/v1/tasks/1", "update_task", "tasks", "TaskUpdate",
                     lambda api: api.admin(), {"200"}),
    "identity": Write("POST", "/api/v1/accounts", "/api/v1/accounts", "create_account", "accounts", "AccountIn",
                      lambda api: identity_admin(api), {"201", "409"}),
    "delivery": Write("POST", "/api/v1/subscriptions", "/api/v1/subscriptions", "create_subscription",
                      "subscriptions", "SubscriptionIn", lambda api: api.admin(), {"201"}),
    "innovation": Write("POST", "/api/v1/facilities", "/api/v1/facilities", "list_facility", "facilities",
                        "FacilityIn", lambda api: api.institution("org-instrument-owner"), {"201"}),
}


def identity_admin(api):
    """An administrator's token signed with the identity service's own key: it verifies only its own ES256
    tokens (the other services still take ttp_testing's HS256 ones until they switch to ttp_common.oidc)."""
    import time

    from identity.keys import KeyRing
    from identity.settings import Settings

    settings = Settings.from_config(api.config)
    now = int(time.time())
    return KeyRing(settings.key_dir).sign({"iss": settings.issuer, "sub": "platform-test-admin", "aud": "ttp",
                                           "role": "admin", "iat": now, "exp": now + 300, "jti": "platform-test",
                                           "client_id": "platform-test", "scope": ""})
CREDENTIALS = {
    "none": lambda api: None,
    "forged": lambda api: forged("admin", "another key with the issuer's kid"),
    "expired": lambda api: api.token("admin", ttl_seconds=-120),
    "garbage": lambda api: "not.a.jwt",
}
NOT_JSON = {  # what clients send instead of JSON
    "form": {"data": "name=x", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    "xml": {"data": b"<contract/>", "headers": {"Content-Type": "text/xml"}},
    "text": {"data": "title=x", "headers": {"Content-Type": "text/plain"}},
    "multipart": {"files": {"name": ("n.txt", b"x")}},
}
SAMPLE = re.compile(r'^(?P<name>[a-zA-Z_:][\w:]*)(?:\{(?P<labels>.*)\})? (?P<value>\S+)$')


def samples(text):
    """(metric name, labels, value) of every sample of a Prometheus text exposition."""
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', match["labels"] or ""))
            yield match["name"], labels, float(match["value"])


def has_sample(text, name, **labels):
    return any(n == name and labels.items() <= found.items() for n, found, _ in samples(text))


def refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


@pytest.fixture
def service(platform_service):
    return platform_service, WRITES[platform_service.name]


def write(api, endpoint, token=None, **kwargs):
    kwargs.setdefault("json", {})
    return api.request(endpoint.method, endpoint.url, token=token, **kwargs)


def test_health_answers_200_with_every_dependency_checked(service):
    api, _ = service
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"service": api.name, "status": "ok",
                               "checks": {"mongodb": "ok", "kafka": "ok", "amqp": "ok"}}


def test_metrics_are_prometheus_text_with_the_red_metrics(service):
    api, endpoint = service
    api.get("/health")
    api.get("/api/v1/openapi.json")
    write(api, endpoint)  # a 401 is a call too
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text, mine = response.text, {"service": api.name}
    assert "# TYPE ttp_entrypoint_calls_total counter" in text.splitlines()
    # rate and errors: calls by entrypoint and outcome; duration: a histogram per entrypoint
    assert has_sample(text, "ttp_entrypoint_calls_total", **mine, entrypoint="health", kind="http", outcome="ok")
    assert has_sample(text, "ttp_entrypoint_calls_total", **mine, entrypoint="openapi", kind="http", outcome="ok")
    assert has_sample(text, "ttp_entrypoint_duration_seconds_bucket", **mine, entrypoint="health", le="+Inf")
    assert has_sample(text, "ttp_entrypoint_duration_seconds_count", **mine, entrypoint=endpoint.entrypoint)
    assert has_sample(text, "ttp_http_responses_total", **mine, entrypoint=endpoint.entrypoint, status="401")


def test_the_openapi_document_is_valid_openapi_3_1_and_the_published_one(service):
    api, endpoint = service
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    jsonschema.Draft202012Validator(OPENAPI_31).validate(spec)
    assert spec == json.loads((REPO / "docs" / "openapi" / f"{api.name}.json").read_text(encoding="utf-8"))
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] and spec["info"]["version"]
    assert {"/health", "/metrics", "/api/v1/openapi.json"} <= set(spec["paths"])
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    found = list(refs(spec))
    assert found
    for ref in found:  # every $ref resolves within the document
        assert ref.startswith("#/components/schemas/") and ref.rsplit("/", 1)[1] in spec["components"]["schemas"], ref
    operation = spec["paths"][endpoint.path][endpoint.method.lower()]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": f"#/components/schemas/{endpoint.schema}"}
    assert {"400", "401", "403", "415"} | endpoint.responses <= set(operation["responses"])
    assert operation["security"] == [{"bearerAuth": []}]


@pytest.mark.parametrize("credential", sorted(CREDENTIALS))
def test_a_write_without_a_trustworthy_token_is_401_and_stores_nothing(service, credential):
    api, endpoint = service
    before = api.counts(endpoint.collection)
    response = write(api, endpoint, token=CREDENTIALS[credential](api))
    assert_error(response, 401, "unauthenticated")
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert api.counts(endpoint.collection) == before


@pytest.mark.parametrize("body", sorted(NOT_JSON))
def test_a_write_with_a_body_that_is_not_json_is_415_and_stores_nothing(service, body):
    api, endpoint = service
    before = api.counts(endpoint.collection)
    response = write(api, endpoint, token=endpoint.writer(api), json=None, **NOT_JSON[body])
    assert_error(response, 415, "unsupported_media_type")
    assert api.counts(endpoint.collection) == before


def test_an_unknown_path_is_404_and_a_wrong_method_405_both_json_errors(service):
    api, endpoint = service
    assert_error(api.get("/api/v1/no-such-thing"), 404, "not_found")
    response = api.request("DELETE", endpoint.url)
    assert_error(response, 405, "method_not_allowed")
    assert endpoint.method in response.headers["Allow"]
