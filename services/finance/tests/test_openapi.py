"""The OpenAPI document and the service's routes agree, without any server."""
import inspect
import re

from finance.openapi import SPEC
from finance.service import FinanceService
from ttp_common.web import HttpEntrypoint


def routes():
    """(method, url) of every HTTP entrypoint of the service."""
    return [(entrypoint.method.lower(), entrypoint.url) for _, function in inspect.getmembers(FinanceService)
            for entrypoint in getattr(function, "nameko_entrypoints", ()) if isinstance(entrypoint, HttpEntrypoint)]


def pattern(url):
    """A route as a pattern of documented paths: <string:x> is {x}; <string:action> is one documented action."""
    parts = []
    for segment in url.split("/"):
        variable = re.fullmatch(r"<(?:\w+:)?(\w+)>", segment)
        if variable is None:
            parts.append(re.escape(segment))
        else:
            parts.append(r"[a-z-]+" if variable.group(1) == "action" else re.escape(f"{{{variable.group(1)}}}"))
    return re.compile("/".join(parts))


def test_every_route_is_documented_and_every_documented_operation_is_routed():
    documented = {(method, path) for path, operations in SPEC["paths"].items() for method in operations}
    compiled = [(method, pattern(url)) for method, url in routes()]
    for method, url in routes():
        assert any(m == method and pattern(url).fullmatch(p) for m, p in documented), f"{method} {url} undocumented"
    for method, path in documented:
        assert any(m == method and rx.fullmatch(path) for m, rx in compiled), f"{method} {path} has no route"


def test_the_list_endpoints_are_documented_with_paging():
    for path, item in (("/api/v1/deals", "Deal"), ("/api/v1/subsidies", "Subsidy"), ("/api/v1/roadshows", "Roadshow"),
                       ("/api/v1/funds", "Fund")):
        operation = SPEC["paths"][path]["get"]
        assert {"offset", "limit"} <= {p["name"] for p in operation["parameters"]}, path
        page = SPEC["components"]["schemas"][f"{item}Page"]
        assert page["properties"]["items"]["items"] == {"$ref": f"#/components/schemas/{item}"}
    assert "security" not in SPEC["paths"]["/api/v1/roadshows"]["get"]  # public
    assert "security" not in SPEC["paths"]["/api/v1/funds"]["get"]
    assert SPEC["paths"]["/api/v1/deals"]["get"]["security"] and SPEC["paths"]["/api/v1/subsidies"]["get"]["security"]
