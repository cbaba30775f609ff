"""Plumbing for HTTP handlers: JSON in, JSON out, errors as JSON, OpenAPI building blocks, and the one
HTTP entrypoint class. Services declare their operations with ``ttp_common.endpoints.endpoint``, which uses
``parse_body``, ``api`` and ``http`` from here; the platform's own routes (/health, /metrics) use them
directly.
"""
import functools
import json
import logging
import re
import uuid
from datetime import date, datetime, timezone
from decimal import Decimal
from enum import Enum

from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from pydantic import BaseModel, ValidationError
from pymongo.errors import DuplicateKeyError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from .errors import (
    JSON_CONTENT_TYPE, ApiError, InternalError, InvalidJson, PayloadTooLarge, Unavailable, UnsupportedMediaType,
    ValidationFailed, field_error,
)
from .logs import get_context, log_context
from .mongo import UNAVAILABLE_ERRORS
from .refusals import Refusal, to_api_error

logger = logging.getLogger(__name__)

CORRELATION_HEADER = "X-Correlation-Id"
_CORRELATION_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")


# -- JSON out ---------------------------------------------------------------------------

def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)  # exact amounts: clients parse the string, no float rounding
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)  # MongoDB hands back naive UTC
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def dumps(data):
    return json.dumps(data, ensure_ascii=False, allow_nan=False, default=_json_default)


def json_response(data, status=200, headers=None):
    return Response(dumps(data), status=status, headers=headers, content_type=JSON_CONTENT_TYPE)


# -- JSON in ----------------------------------------------------------------------------

def _is_json(mimetype):
    return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON")


def _check_keys(data):
    """Reject keys that MongoDB would read as operators (`$where`) or paths (`a.b`).

    Runs before validation so that no model (or `dict` field) can let one through.
    """
    stack = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            for key, child in value.items():
                if key.startswith("$") or "." in key:
                    where = ".".join((*path, key))
                    raise ValidationFailed.at(where, "keys starting with '$' or containing '.' are not allowed")
                stack.append(((*path, key), child))
        elif isinstance(value, list):
            stack.extend(((*path, str(i)), child) for i, child in enumerate(value))


def _validation_fields(exc):
    return [field_error(".".join(str(part) for part in err["loc"]), err["msg"]) for err in exc.errors()]


def parse_body(request, model, max_bytes=1_000_000):
    """The request's JSON body validated into `model` (a pydantic model, `extra="forbid"`).

    415 not JSON, 413 larger than `max_bytes`, 400 `invalid_json` (bad JSON or UTF-8),
    400 `validation_failed` with field paths.
    """
    if not _is_json(request.mimetype):
        raise UnsupportedMediaType()
    if request.content_length is not None and request.content_length > max_bytes:
        raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes")
    raw = request.get_data(cache=True)
    if len(raw) > max_bytes:
        raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes")
    if not raw.strip():
        raise InvalidJson("The request body is empty")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidJson("The request body is not valid UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise InvalidJson(f"The request body is not valid JSON: {exc}") from None
    _check_keys(data)
    try:
        # JSON mode (not Python mode) so that models parse dates, decimals... as JSON clients send them.
        return model.model_validate_json(text)
    except ValidationError as exc:
        if any(err["type"] == "json_invalid" for err in exc.errors()):  # e.g. lone surrogates
            raise InvalidJson("The request body is not valid JSON") from None
        fields = _validation_fields(exc)
        raise ValidationFailed(f"{len(fields)} invalid field(s)", fields) from None


# -- handlers ---------------------------------------------------------------------------

_HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "payload_too_large",
               415: "unsupported_media_type"}


def correlation_id(request):
    """The caller's `X-Correlation-Id` when it is sane, else a fresh one."""
    given = request.headers.get(CORRELATION_HEADER, "")
    return given if _CORRELATION_ID.fullmatch(given) else uuid.uuid4().hex


def _to_response(result):
    """Accept what nameko accepts (Response, body, (status, body), (status, headers, body)), JSON for data."""
    if isinstance(result, Response):
        return result
    status, headers, payload = 200, None, result
    if isinstance(result, tuple):
        status, headers, payload = result if len(result) == 3 else (result[0], None, result[1])
    if isinstance(payload, (str, bytes)):
        return Response(payload, status=status, headers=headers)
    return json_response(payload, status=status, headers=headers)


def api(handler):
    """Decorate an `@http` handler `(self, request, *args)`: JSON errors and a correlation id.

    `ApiError` becomes its JSON response, a domain refusal (`ttp_common.refusals`) the error its kind
    maps to, an unreachable database a 503; anything else is logged with its traceback and
    answered with a 500 `internal_error` that reveals nothing about the cause.
    """

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        cid = get_context().get("correlation_id") or correlation_id(request)  # the worker's, if set
        with log_context(correlation_id=cid, entrypoint=handler.__name__):
            try:
                response = _to_response(handler(self, request, *args, **kwargs))
            except ApiError as exc:
                response = exc.to_response()
            except (Refusal, DuplicateKeyError) as exc:  # a domain rule said no: refusals.HTTP_ERRORS
                response = to_api_error(exc).to_response()
            except HTTPException as exc:  # raised by werkzeug itself, e.g. while reading the body
                code = _HTTP_CODES.get(exc.code, "http_error")
                response = ApiError(exc.description, status=exc.code or 500, code=code).to_response()
            except UNAVAILABLE_ERRORS as exc:  # the database is unreachable: say so, don't hang or 500
                logger.warning("database unavailable in %s: %s", handler.__name__, exc)
                response = Unavailable("The service's database is unavailable; try again later").to_response()
            except Exception:
                logger.exception("Unhandled error in %s", handler.__name__)
                response = InternalError(f"Internal server error (correlation id {cid})").to_response()
        response.headers[CORRELATION_HEADER] = cid
        return response

    return wrapper


# -- OpenAPI ----------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "fields"],
    "properties": {
        "code": {"type": "string", "description": "Stable machine-readable code, e.g. validation_failed"},
        "message": {"type": "string", "description": "Human-readable explanation"},
        "fields": {
            "type": ["array", "null"],
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string", "examples": ["items.0.name"]}, "message": {"type": "string"}},
            },
        },
    },
}

_ERROR_DESCRIPTIONS = {
    400: "Invalid JSON or validation failed", 401: "Authentication required", 403: "Forbidden",
    404: "Not found", 409: "Conflict", 413: "Payload too large", 415: "Unsupported media type",
    500: "Internal error", 503: "Unavailable",
}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def json_body(name, description="OK"):
    """A request body or response whose JSON content is the named component schema."""
    return {"description": description, "content": {"application/json": {"schema": ref(name)}}}


def error_responses(*statuses):
    """`responses` entries for error statuses, all with the shared `Error` schema."""
    return {str(s): json_body("Error", _ERROR_DESCRIPTIONS.get(s, "Error")) for s in statuses}


def model_schema(model):
    """`{name: schema}` for a pydantic model and the models it uses, for `components/schemas`."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = schema.pop("$defs", {})
    schemas[model.__name__] = schema
    return schemas


def openapi_document(title, version, description, paths, schemas):
    """An OpenAPI 3.1 document; `schemas` (e.g. merged `model_schema` results) join `Error`.

    Every API operation also lists the errors the platform itself may answer (`api` and
    `parse_body`): 400/413/415 where a body can be sent, 401/403 where a token is needed,
    404 where the path names a record, 503 when the database is unreachable.
    """
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "paths": {path: {method: _with_platform_errors(path, method, operation) for method, operation in item.items()}
                  for path, item in paths.items()},
        "components": {
            "schemas": {"Error": ERROR_SCHEMA, **schemas},
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _with_platform_errors(path, method, operation):
    if not path.startswith("/api/") or path.endswith("/openapi.json"):
        return operation
    statuses = {503}
    if method in ("post", "put", "patch"):
        statuses |= {400, 413, 415}
    if operation.get("security"):
        statuses |= {401, 403}
    if "{" in path:
        statuses.add(404)
    missing = {str(s) for s in statuses} - set(operation.get("responses", {}))
    return {**operation, "responses": {**operation.get("responses", {}), **error_responses(*sorted(int(s) for s in missing))}}


# -- the HTTP entrypoint ------------------------------------------------------------------


class _JsonErrorsWsgiApp(WsgiApp):
    """nameko's routing, with JSON bodies for its own 404 (no route) and 405 (wrong method)."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            code = _HTTP_CODES.get(exc.code, "http_error")
            headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
            response = ApiError(exc.description, status=exc.code or 500, code=code, headers=headers).to_response()
        return response(environ, start_response)


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return _JsonErrorsWsgiApp(self)


class HttpEntrypoint(HttpRequestHandler):
    # Every service uses this one server class: two server classes on one port would split traffic.
    server = JsonWebServer()


http = HttpEntrypoint.decorator
