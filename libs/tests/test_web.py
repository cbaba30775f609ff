import inspect
import json
import logging
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from pydantic import BaseModel, ConfigDict
from pymongo.errors import ServerSelectionTimeoutError
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ttp_common.errors import ApiError, Conflict, NotFound, ValidationFailed
from ttp_common.web import (
    api, error_responses, json_response, model_schema, openapi_document, parse_body,
)


class Amount(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Decimal
    currency: str = "CNY"


class Achievement(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    year: int
    amounts: list[Amount] = []
    labels: dict[str, str] = {}


def make_request(body=b"", content_type="application/json", query=None, headers=None, method="POST"):
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    builder = EnvironBuilder(path="/api/v1/achievements", method=method, data=data, content_type=content_type,
                             query_string=query, headers=headers or {})
    return Request(builder.get_environ())


def error_of(excinfo):
    return excinfo.value.status, excinfo.value.code, excinfo.value.fields


# -- json_response ----------------------------------------------------------------------

def test_json_response_keeps_chinese_and_serialises_decimals_and_dates():
    response = json_response({
        "title": "科技成果", "amount": Decimal("12345.60"),
        "at": datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc), "naive": datetime(2020, 1, 2),
        "day": date(2020, 1, 2),
    }, status=201, headers={"Location": "/x"})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Location"] == "/x"
    text = response.get_data(as_text=True)
    assert "科技成果" in text
    assert json.loads(text) == {"title": "科技成果", "amount": "12345.60", "at": "2020-01-02T03:04:05Z",
                                "naive": "2020-01-02T00:00:00Z", "day": "2020-01-02"}


def test_api_error_response_shape():
    response = ValidationFailed.at("a.b", "必填").to_response()
    assert response.status_code == 400
    assert response.content_type == "application/json; charset=utf-8"
    body = json.loads(response.get_data(as_text=True))
    assert body == {"code": "validation_failed", "message": "a.b: 必填", "fields": [{"path": "a.b", "message": "必填"}]}
    assert "必填" in response.get_data(as_text=True)
    assert json.loads(NotFound().to_response().get_data())["fields"] is None


# -- parse_body -------------------------------------------------------------------------

def test_parse_body_success():
    body = {"title": "锂电池隔膜", "year": 2016, "amounts": [{"value": "1.5"}], "labels": {"zh": "成果"}}
    result = parse_body(make_request(body), Achievement)
    assert result == Achievement(title="锂电池隔膜", year=2016, amounts=[Amount(value=Decimal("1.5"))],
                                 labels={"zh": "成果"})


def test_parse_body_accepts_json_with_charset():
    assert parse_body(make_request({"title": "t", "year": 1}, "application/json; charset=utf-8"), Achievement)


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_parse_body_wrong_content_type_is_415(content_type):
    with pytest.raises(ApiError) as excinfo:
        parse_body(make_request({"title": "t", "year": 1}, content_type), Achievement)
    assert error_of(excinfo)[:2] == (415, "unsupported_media_type")


def test_parse_body_too_large_is_413():
    with pytest.raises(ApiError) as excinfo:
        parse_body(make_request({"title": "x" * 200, "year": 1}), Achievement, max_bytes=100)
    assert error_of(excinfo)[:2] == (413, "payload_too_large")


@pytest.mark.parametrize("raw", [b'{"title": "t", "year": ', b"", b"NaN", b'{"year": Infinity}'])
def test_parse_body_invalid_json_is_400(raw):
    with pytest.raises(ApiError) as excinfo:
        parse_body(make_request(raw), Achievement)
    assert error_of(excinfo)[:2] == (400, "invalid_json")


@pytest.mark.parametrize("raw", [b'{"title": "\xff\xfe", "year": 1}', '{"title": "科技"}'.encode("gbk"),
                                 b'{"title": "\\ud800", "year": 1}'])
def test_parse_body_invalid_utf8_is_400(raw):
    with pytest.raises(ApiError) as excinfo:
        parse_body(make_request(raw), Achievement)
    assert error_of(excinfo)[:2] == (400, "invalid_json")


@pytest.mark.parametrize("body, path", [
    ({"$where": "sleep(1000)", "title": "t", "year": 1}, "$where"),
    ({"title": "t", "year": 1, "labels": {"zh": {"$ne": None}}}, "labels.zh.$ne"),
    ({"title": "t", "year": 1, "amounts": [{"value": {"$gt": ""}}]}, "amounts.0.value.$gt"),
    ({"title": "t", "year": 1, "labels": {"a.b": "x"}}, "labels.a.b"),
])
def test_parse_body_rejects_operator_keys_anywhere(body, path):
    with pytest.raises(ApiError) as excinfo:
        parse_body(make_request(body), Achievement)
    status, code, fields = error_of(excinfo)
    assert (status, code) == (400, "validation_failed")
    assert fields[0]["path"] == path


def test_parse_body_extra_field_is_400_with_path():
    with pytest.raises(ApiError) as excinfo:
        parse_body(make_request({"title": "t", "year": 1, "amounts": [{"value": "1", "rate": 2}]}), Achievement)
    status, code, fields = error_of(excinfo)
    assert (status, code) == (400, "validation_failed")
    assert [f["path"] for f in fields] == ["amounts.0.rate"]


def test_parse_body_wrong_types_are_400_with_paths():
    with pytest.raises(ApiError) as excinfo:
        parse_body(make_request({"title": ["t"], "year": "两千", "amounts": [{"value": "abc"}]}), Achievement)
    status, code, fields = error_of(excinfo)
    assert (status, code) == (400, "validation_failed")
    assert {f["path"] for f in fields} == {"title", "year", "amounts.0.value"}
    assert all(f["message"] for f in fields)


def test_parse_body_missing_field_and_non_object():
    with pytest.raises(ApiError) as excinfo:
        parse_body(make_request({"title": "t"}), Achievement)
    assert error_of(excinfo)[2] == [{"path": "year", "message": "Field required"}]
    with pytest.raises(ApiError) as excinfo:
        parse_body(make_request([1, 2]), Achievement)
    assert error_of(excinfo)[:2] == (400, "validation_failed")


# -- api decorator ----------------------------------------------------------------------

class Service:
    @api
    def ok(self, request, achievement_id):
        """Returns a document."""
        return {"id": achievement_id, "title": "成果"}

    @api
    def created(self, request):
        return 201, {"Location": "/api/v1/achievements/1"}, {"id": "1"}

    @api
    def missing(self, request, achievement_id):
        raise NotFound(f"No achievement {achievement_id}")

    @api
    def conflict(self, request):
        raise Conflict("Already published")

    @api
    def broken(self, request):
        raise RuntimeError("mongodb://admin:hunter2@db/ secret internals")

    @api
    def too_large(self, request):
        raise RequestEntityTooLarge()

    @api
    def database_down(self, request):
        raise ServerSelectionTimeoutError("127.0.0.1:27017: connection refused")


def body_of(response):
    return json.loads(response.get_data(as_text=True))


def test_api_preserves_name_and_signature():
    assert Service.ok.__name__ == "ok"
    assert Service.ok.__doc__ == "Returns a document."
    assert list(inspect.signature(Service.ok).parameters) == ["self", "request", "achievement_id"]


def test_api_turns_results_into_json_and_sets_correlation_id():
    response = Service().ok(make_request(method="GET", headers={"X-Correlation-Id": "abc-123"}), "a1")
    assert response.status_code == 200
    assert body_of(response) == {"id": "a1", "title": "成果"}
    assert response.headers["X-Correlation-Id"] == "abc-123"
    response = Service().created(make_request(method="POST"))
    assert response.status_code == 201 and response.headers["Location"] == "/api/v1/achievements/1"
    assert len(response.headers["X-Correlation-Id"]) == 32  # generated uuid4 hex


def test_api_ignores_unsafe_correlation_ids():
    response = Service().ok(make_request(method="GET", headers={"X-Correlation-Id": "x" * 500}), "a1")
    assert response.headers["X-Correlation-Id"] != "x" * 500


def test_api_maps_api_errors():
    response = Service().missing(make_request(method="GET"), "a9")
    assert response.status_code == 404
    assert response.content_type == "application/json; charset=utf-8"
    assert body_of(response) == {"code": "not_found", "message": "No achievement a9", "fields": None}
    assert response.headers["X-Correlation-Id"]
    assert Service().conflict(make_request()).status_code == 409
    response = Service().too_large(make_request())
    assert response.status_code == 413 and body_of(response)["code"] == "payload_too_large"


def test_api_hides_unexpected_exceptions(caplog):
    with caplog.at_level(logging.ERROR, logger="ttp_common.web"):
        response = Service().broken(make_request(headers={"X-Correlation-Id": "cid-1"}))
    assert response.status_code == 500
    body = body_of(response)
    assert body["code"] == "internal_error" and body["fields"] is None
    text = response.get_data(as_text=True)
    assert "hunter2" not in text and "RuntimeError" not in text and "Traceback" not in text
    assert "cid-1" in text
    assert caplog.records[-1].exc_info  # the traceback goes to the log, not the client


def test_api_answers_503_when_the_database_is_unreachable():
    response = Service().database_down(make_request())
    assert response.status_code == 503
    body = body_of(response)
    assert body["code"] == "unavailable" and "27017" not in body["message"]


# -- OpenAPI ----------------------------------------------------------------------------

def test_openapi_document_hoists_model_schemas():
    doc = openapi_document(
        "Registry", "1.0.0", "科技成果信息汇交",
        paths={"/api/v1/achievements": {"post": {
            "security": [{"bearerAuth": []}],
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Achievement"}}}},
            "responses": {"201": {"description": "Created"}, **error_responses(400, 401, 403)},
        }}},
        schemas=model_schema(Achievement),
    )
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    assert set(schemas) == {"Error", "Achievement", "Amount"}
    assert schemas["Achievement"]["properties"]["amounts"]["items"] == {"$ref": "#/components/schemas/Amount"}
    assert "$defs" not in schemas["Achievement"]
    assert doc["components"]["securitySchemes"]["bearerAuth"]["bearerFormat"] == "JWT"
    responses = doc["paths"]["/api/v1/achievements"]["post"]["responses"]
    assert responses["403"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    json.dumps(doc)
