"""API errors: one exception type that knows its HTTP status and its JSON body.

Every error body has the same shape::

    {"code": "<stable string>", "message": "<human text>", "fields": [{"path": "a.b", "message": "..."}] | null}

`code` is the contract clients branch on; `message` is for people and may change.
"""
import json

from werkzeug.wrappers import Response

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def field_error(path, message):
    """One entry of `fields`: `path` is dotted (`items.0.name`)."""
    return {"path": str(path), "message": str(message)}


class ApiError(Exception):
    """An error a handler raises to answer the client; `api` turns it into a response.

    Use a subclass below, or `ApiError(message, status=..., code=...)` for a one-off.
    """

    status = 500
    code = "internal_error"
    default_message = "Internal server error"
    headers = {}

    def __init__(self, message=None, fields=None, *, status=None, code=None, headers=None):
        self.message = message or self.default_message
        self.fields = list(fields) if fields else None
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        if headers:
            self.headers = {**self.headers, **headers}
        super().__init__(self.message)

    def to_dict(self):
        return {"code": self.code, "message": self.message, "fields": self.fields}

    def to_response(self):
        body = json.dumps(self.to_dict(), ensure_ascii=False)
        return Response(body, status=self.status, headers=dict(self.headers), content_type=JSON_CONTENT_TYPE)

    def __repr__(self):
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, message={self.message!r})"


class ValidationFailed(ApiError):
    status, code, default_message = 400, "validation_failed", "The request is not valid"

    @classmethod
    def at(cls, path, message):
        """A validation error about a single field."""
        return cls(f"{path}: {message}" if path else message, [field_error(path, message)])


class InvalidJson(ApiError):
    status, code, default_message = 400, "invalid_json", "The request body is not valid JSON"


class Unauthenticated(ApiError):
    status, code, default_message = 401, "unauthenticated", "Authentication required"
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    status, code, default_message = 403, "forbidden", "Not allowed for this caller"


class NotFound(ApiError):
    status, code, default_message = 404, "not_found", "Not found"


class Conflict(ApiError):
    status, code, default_message = 409, "conflict", "Conflicts with the current state"


class PayloadTooLarge(ApiError):
    status, code, default_message = 413, "payload_too_large", "The request body is too large"


class UnsupportedMediaType(ApiError):
    status, code, default_message = 415, "unsupported_media_type", "The request body must be application/json"


class Unavailable(ApiError):
    status, code, default_message = 503, "unavailable", "Temporarily unavailable, try again later"


class InternalError(ApiError):
    """What clients see for any unexpected exception: no internals."""
