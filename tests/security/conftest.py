"""The five services, each run once per test module against the real local servers."""
import re

import pytest


def operations(spec):
    """(path, method, operation) of every API operation in an OpenAPI document."""
    for path, item in spec["paths"].items():
        if path.startswith("/api/") and not path.endswith("/openapi.json"):
            for method, operation in item.items():
                yield path, method, operation


def concrete(path, operation):
    """The path with every {parameter} filled in: the first documented value of an enumerated
    one (an action, a catalogue), else its documented example (a record that is there from the
    start, like a task of the ledger), else a record that does not exist."""
    values = {}
    for p in operation.get("parameters", []):
        if p.get("in") == "path":
            enum = p.get("schema", {}).get("enum")
            values[p["name"]] = enum[0] if enum else p.get("example", "0")
    return re.sub(r"\{([^}]+)\}", lambda m: str(values.get(m.group(1), "0")), path)


NOT_STATE = {"relay_lease", "dispatch_lease", "security_audit"}  # renewed on their own; the identity service's record of every attempt


def stored(api):
    """Documents per collection, leaving out the outbox relay's lease and the identity service's security audit
    (which records refused attempts too, by design: services/identity/tests/test_admin_api.py)."""
    return {name: api.db[name].count_documents({}) for name in api.db.list_collection_names()
            if name not in NOT_STATE}


@pytest.fixture(scope="module")
def service(platform_service):
    """Each of the services in turn, running for the module (ttp_testing's ``platform_service``:
    ``.name``, ``.spec`` the document it serves)."""
    return platform_service
