"""What every TTP service has: its database and outbox relay, metrics, health and OpenAPI.

A service subclasses ``PlatformService``, sets ``name`` and ``openapi_spec`` and adds
its own entrypoints; nameko picks up the inherited ones below.
"""
from nameko.dependency_providers import Config
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from . import auth, events, web
from .web import http
from .mongo import Store
from .observability import Observability
from .outbox import OutboxRelay
from .settings import setting


class PlatformService:
    name = None
    openapi_spec = None  # dict: the service's OpenAPI document

    config = Config()
    store = Store()
    relay = OutboxRelay()
    observability = Observability()

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
        return web.json_response(self.openapi_spec)

    # -- helpers for entrypoints -------------------------------------------
    def principal(self, request):
        return auth.authenticate(request, setting(self.config, "JWT_SECRET"))

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
