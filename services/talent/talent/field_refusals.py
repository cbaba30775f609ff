"""Refusals that name several input fields at once, and talent's own "rule not met" refusal.

``ttp_common.refusals.Refusal`` names at most one field (``field=``, ``detail=``). Talent's rules report every
field at fault in one answer (a programme's repeated session codes, a reward plan's misplaced amounts, the
named experts who may not review, everything a certification or a completion still lacks), and its answers
have always listed them. These subclasses of the library's kinds carry ``fields`` as well (each ``{"path",
"message"}``, the shape of an error body's ``fields``); the talent endpoints answer them through the
library's one table with every field listed (``talent.entrypoints.common.endpoint``).

To be hoisted into ``ttp_common.refusals`` (a ``fields=`` argument on ``Refusal``, listed by
``to_api_error``); then this module and that wrapper go.
"""
from ttp_common import refusals


class _Fields:
    def __init__(self, message, fields=(), *, field=None, detail=None, code=None):
        super().__init__(message, field=field, detail=detail, code=code)
        self.fields = [{"path": str(path), "message": str(text)} for path, text in fields]


class Invalid(_Fields, refusals.Invalid):
    """400 validation_failed, naming each field at fault."""


class Conflict(_Fields, refusals.Conflict):
    """409 conflict, naming each field at fault."""


class RuleNotMet(_Fields, refusals.Unprocessable):
    """422 rule_not_met: the request is well-formed, but the training or certification rules do not allow it
    (yet); ``fields`` lists what is missing."""

    code = "rule_not_met"
