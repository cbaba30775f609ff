"""Talent's own "rule not met" refusal."""
from ttp_common import refusals


class RuleNotMet(refusals.Unprocessable):
    """422 rule_not_met: the request is well-formed, but the training or certification rules do not allow it
    (yet); ``fields`` lists what is missing, as ``(path, message)`` pairs."""

    code = "rule_not_met"

    def __init__(self, message, fields=(), **kwargs):
        super().__init__(message, fields=fields, **kwargs)
