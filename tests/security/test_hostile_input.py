"""Bad input survived (issue 9): every write operation of every service that takes a JSON body,
called by a role its role check lets through (tests/security/test_authorization.py's table),
refuses hostile bodies with a 4xx and the platform's JSON error, and stores nothing.

The bodies: the wrong content type (415), a body over the size limit (413), bytes that are not
UTF-8 (400 `invalid_json`), MongoDB operators as keys (400), and, for each property the
operation documents, an operator document as its value and, for numbers and amounts, a number
too large for any field or an amount with more decimals than money has: a 4xx, and when it is a
400 its `fields` name that property (not only the fields the one-property body leaves out).
Schemathesis (test_fuzz.py) adds generated bodies on top, and each service's own tests cover
field rules with otherwise valid bodies (negative amounts, dates out of range).
"""
import json

import pytest

from ttp_testing import assert_error

from .conftest import concrete, operations, stored
from .test_authorization import ALLOWED, ROLES

pytestmark = pytest.mark.integration

TOO_LARGE = 5_000_001  # above the limits: parse_body defaults to 1,000,000 bytes, the history loads take 5,000,000
LARGER_LIMITS = {"POST /api/v1/achievements/import": 25_000_000}  # the bulk import's chunks of 1,000 rows
OPERATORS = [{"$gt": ""}, {"$where": "sleep(100000)"}]
HOSTILE_NUMBERS = [10 ** 400, "1e400", -1e308, "12.345678901"]  # for numbers and amounts


def numeric(schema):
    """A number, or an amount (documented as a number or a decimal string)."""
    options = schema.get("anyOf", [schema])
    return any(option.get("type") in ("number", "integer") for option in options)


def body_operations(service):
    """(METHOD path, concrete path, method, token, documented property names) of each operation with a body."""
    spec = service.spec
    for path, method, op in operations(spec):
        content = op.get("requestBody", {}).get("content", {}).get("application/json")
        if content is None:
            continue
        code = ALLOWED[(service.name, f"{method.upper()} {path}")][0]
        role, claims = ROLES[code]
        schema = content["schema"]
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        yield (f"{method.upper()} {path}", concrete(path, op), method.upper(), service.token(role, **claims),
               sorted(schema.get("properties", {}).items()))


def test_hostile_bodies_are_4xx_and_store_nothing(service):
    before = stored(service)
    checked = 0
    for key, path, method, token, properties in body_operations(service):
        def send(data, content_type="application/json"):
            return service.request(method, path, token=token, data=data, headers={"Content-Type": content_type})

        assert_error(send(b'{"title": "x"}', "text/plain"), 415, "unsupported_media_type")
        too_large = LARGER_LIMITS[key] + 1 if key in LARGER_LIMITS else TOO_LARGE
        assert_error(send(b'{"x": "' + b"a" * too_large + b'"}'), 413, "payload_too_large")
        assert_error(send(b'{"title": "\xff\xfe"}'), 400, "invalid_json")
        response = send(json.dumps({"$where": "1", "a.b": 1}).encode())
        assert response.status_code == 400, f"{key}: {response.status_code} {response.text}"
        for name, schema in properties:
            for value in OPERATORS + (HOSTILE_NUMBERS if numeric(schema) else []):
                response = send(json.dumps({name: value}).encode())
                assert 400 <= response.status_code < 500, f"{key} {name}={value!r}: {response.status_code} {response.text}"
                if response.status_code == 400:  # the value itself is named, beside any missing fields
                    named = [f["path"] for f in response.json().get("fields") or []]
                    assert any(f == name or f.startswith(f"{name}.") for f in named), \
                        f"{key} {name}={value!r} not named in {response.text}"
        checked += 1
    assert checked or service.name == "metrics", "no operation with a JSON body found"
    assert stored(service) == before
