"""Field types shared by the services' request models (pydantic)."""
from typing import Annotated

from pydantic import BeforeValidator


def _not_a_boolean(value):
    # pydantic's lax mode reads JSON true/false as 1/0 for an int; an integer field takes numbers only.
    if isinstance(value, bool):
        raise ValueError("expected an integer, not a boolean")
    return value


Integer = Annotated[int, BeforeValidator(_not_a_boolean)]
OptionalInteger = Annotated[int | None, BeforeValidator(_not_a_boolean)]  # keeps its bounds in the JSON schema
