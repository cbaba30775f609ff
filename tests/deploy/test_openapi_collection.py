"""docs/openapi/<service>.json: the five services' OpenAPI documents in one place, up to date."""
import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ttp_common.web import HttpEntrypoint

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("registry", "transactions", "finance", "talent", "metrics", "innovation", "delivery")


def test_collected_documents_match_the_services():
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "collect_openapi.py"), "--check"],
                            capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.parametrize("service", SERVICES)
def test_each_document_is_openapi_3_with_the_platform_endpoints(service):
    spec = json.loads((REPO / "docs" / "openapi" / f"{service}.json").read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.") and spec["info"]["title"] and spec["info"]["version"]
    assert {"/health", "/metrics", "/api/v1/openapi.json"} <= set(spec["paths"])
    assert any(path.startswith("/api/v1/") and path != "/api/v1/openapi.json" for path in spec["paths"])


def http_routes(service_class):
    """(method, url) of every HTTP entrypoint of a service class, e.g. ("post", "/api/v1/deals/<string:deal_id>")."""
    return {(entrypoint.method.lower(), entrypoint.url) for _, member in inspect.getmembers(service_class)
            for entrypoint in getattr(member, "nameko_entrypoints", ()) if isinstance(entrypoint, HttpEntrypoint)}


def route_pattern(url):
    """A route as a pattern of documented paths: ``<string:x>`` is ``{x}``, or one value of it (an action)."""
    parts = []
    for segment in url.split("/"):
        variable = re.fullmatch(r"<(?:\w+:)?(\w+)>", segment)
        parts.append(re.escape(segment) if variable is None
                     else rf"(\{{{variable.group(1)}\}}|[a-z_-]+)")
    return re.compile("/".join(parts))


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_is_documented_and_every_documented_operation_is_routed(service):
    module = importlib.import_module(f"{service}.service")
    service_class = next(value for value in vars(module).values()
                         if isinstance(value, type) and getattr(value, "name", None) == service)
    documented = {(method, path) for path, item in service_class.openapi_document()["paths"].items()
                  for method in item if method in ("get", "post", "put", "patch", "delete")}
    routes = {(method, route_pattern(url)) for method, url in http_routes(service_class)}
    undocumented = sorted(f"{method.upper()} {rx.pattern}" for method, rx in routes
                          if not any(m == method and rx.fullmatch(path) for m, path in documented))
    unrouted = sorted(f"{method.upper()} {path}" for method, path in documented
                      if not any(m == method and rx.fullmatch(path) for m, rx in routes))
    assert undocumented == [] and unrouted == []
