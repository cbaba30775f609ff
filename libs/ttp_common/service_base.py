"""What every TTP service has: its database and outbox relay, metrics, health and OpenAPI.

A service subclasses ``PlatformService``, sets ``name``, ``api_title``, ``api_description`` and
``api_schemas`` (component schemas its declarations name that are not pydantic models) and adds its own
entrypoints; nameko picks up the inherited ones below. Its OpenAPI document is generated from its
``@endpoint`` declarations (``ttp_common.endpoints``).
"""
import copy

from nameko.dependency_providers import Config
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from . import endpoints, events, oidc, web
from .web import http
from .consumer_lag import ConsumerLagExporter
from .mongo import Store
from .observability import Observability
from .outbox import OutboxRelay


class PlatformService:
    name = None
    api_title = None
    api_description = ""
    api_schemas = {}
    openapi_spec = None  # a hand-kept document; while a service moves to declarations, they are merged into it
    client_scopes = True  # client systems' tokens act here by their scopes (ttp_common.client_access)

    config = Config()
    store = Store()
    relay = OutboxRelay()
    observability = Observability()
    tokens = oidc.TokenVerifier()
    consumer_lag = ConsumerLagExporter()  # lag and dead-letter depth of the service's own consumer groups

    @http("GET", "/health")
    def health(self, request):
        report = self.observability.health()
        return web.json_response(report, status=200 if report["status"] == "ok" else 503)

    @http("GET", "/metrics")
    def metrics(self, request):
        self.observability.health()  # refreshes ttp_dependency_up (cached briefly)
        return Response(generate_latest(), status=200, headers={"Content-Type": CONTENT_TYPE_LATEST})

    @http("GET", "/api/v1/openapi.json")
    def openapi(self, request):
        return web.json_response(type(self).openapi_document())

    @classmethod
    def openapi_document(cls):
        """The service's OpenAPI document, generated once from its declarations."""
        if "_openapi_document" not in cls.__dict__:
            specs = endpoints.declared(cls)
            paths = endpoints.paths_of(specs, cls.name if cls.client_scopes else None)
            document = service_openapi(cls.name, cls.api_title, cls.api_description, paths,
                                       {**endpoints.models_of(specs), **cls.api_schemas})
            if cls.openapi_spec is not None:
                hand_kept = copy.deepcopy(cls.openapi_spec)
                for path, operations in document["paths"].items():
                    hand_kept["paths"].setdefault(path, {}).update(operations)
                hand_kept["components"]["schemas"].update(document["components"]["schemas"])
                document = hand_kept
            cls._openapi_document = document
        return cls._openapi_document

    # -- helpers for entrypoints -------------------------------------------
    def principal(self, request):
        """The caller: its bearer token verified against the issuer's keys (401 if untrusted), else anonymous."""
        return oidc.authenticate(request, self.tokens)

    def actor(self, request, principal):
        return events.Actor.from_principal(principal, ip=request.remote_addr)


HEALTH_SCHEMA = {
    "type": "object",
    "required": ["service", "status", "checks"],
    "properties": {
        "service": {"type": "string"},
        "status": {"type": "string", "enum": ["ok", "unavailable"]},
        "checks": {"type": "object", "additionalProperties": {"type": "string", "enum": ["ok", "down"]}},
    },
}


def service_openapi(service, title, description, paths, schemas):
    """A service's OpenAPI document: its own paths plus /health, /metrics and this document."""
    platform_paths = {
        "/health": {"get": {
            "summary": "Health of the service and its MongoDB, Kafka and AMQP connections",
            "responses": {"200": web.json_body("Health", "All dependencies reachable"),
                          "503": web.json_body("Health", "A dependency is down")},
        }},
        "/metrics": {"get": {
            "summary": "Prometheus metrics (RED per entrypoint, events, outbox backlog)",
            "responses": {"200": {"description": "Prometheus text format",
                                  "content": {"text/plain": {"schema": {"type": "string"}}}}},
        }},
        "/api/v1/openapi.json": {"get": {
            "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3.1",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }},
    }
    return web.openapi_document(
        title=title, version="1.0.0", description=description,
        paths={**paths, **platform_paths}, schemas={"Health": HEALTH_SCHEMA, **schemas},
    ) | {"servers": [{"url": "/", "description": f"the {service} service"}]}
