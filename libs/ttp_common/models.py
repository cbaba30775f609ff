"""The base of every request model: strict about what it accepts.

Unknown fields are refused (a typo is a 400 naming the field, not silently ignored) and surrounding white
space is stripped from strings. Query-parameter models use ``Query``: unknown parameters are ignored, as
HTTP clients and proxies add their own.
"""
from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Query(BaseModel):
    """The query parameters of an endpoint (``@endpoint(..., query=...)``): each a single scalar value."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
