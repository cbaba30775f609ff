"""Domain refusals: what a rule module raises when the rules say no, and the one table that maps them
(and the few infrastructure exceptions that are the caller's business) to HTTP errors.

Rule modules and service-layer functions know nothing of HTTP: they raise a ``Refusal`` of the kind that
fits. The endpoint layer (``ttp_common.endpoints`` through ``web.api``) answers it with the status and
stable ``code`` of ``HTTP_ERRORS``; a subclass may carry its own ``code``
(``class RegistrationNumbersExhausted(Conflict): code = "registration_numbers_exhausted"``).

    Conflict      409 conflict            the record's state does not allow this now (a transition)
    Invalid       400 validation_failed   the input breaks a rule (names the field, when there is one)
    Unprocessable 422 unprocessable       well-formed input the platform will not take (e.g. classified)
    NotFound      404 not_found           no such record (or none the caller may see)
    NotAllowed    403 forbidden           the caller may not do this to this record
"""
from pymongo.errors import DuplicateKeyError

from . import errors


class Refusal(Exception):
    """``field``: the input field at fault, if any (``detail``: what to say of it, default the message);
    ``fields``: several, as ``(path, message)`` pairs, when a rule reports every field at fault at once. They are
    kept as ``fields``, each ``{"path", "message"}`` (the shape of an error body's ``fields``)."""

    code = None  # a stable code; None: the kind's own

    def __init__(self, message, *, field=None, detail=None, fields=(), code=None):
        super().__init__(message)
        self.message, self.field, self.detail = message, field, detail
        pairs = ([(field, detail or message)] if field is not None else []) + list(fields)
        self.fields = [errors.field_error(path, text) for path, text in pairs]
        if code is not None:
            self.code = code


class Conflict(Refusal):
    pass


class TransitionRefused(Conflict):
    """The record's current state does not allow the action."""


class Invalid(Refusal):
    pass


class Unprocessable(Refusal):
    pass


class NotFound(Refusal):
    pass


class NotAllowed(Refusal):
    pass


class _Unprocessable(errors.ApiError):
    status, code, default_message = 422, "unprocessable", "The platform does not accept this"


HTTP_ERRORS = {
    Conflict: errors.Conflict,
    Invalid: errors.ValidationFailed,
    Unprocessable: _Unprocessable,
    NotFound: errors.NotFound,
    NotAllowed: errors.Forbidden,
}


def to_api_error(exc):
    """The HTTP error answering ``exc`` (a ``Refusal`` or a ``DuplicateKeyError``), or None for anything else."""
    if isinstance(exc, DuplicateKeyError):
        return errors.Conflict("a record with this key already exists")
    for kind, error in HTTP_ERRORS.items():
        if isinstance(exc, kind):
            fields = list(exc.fields) or None
            message = f"{exc.field}: {exc.message}" if exc.field is not None and kind is Invalid else exc.message
            return error(message, fields, **({"code": exc.code} if exc.code else {}))
    return None
