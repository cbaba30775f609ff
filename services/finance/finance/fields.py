"""Request fields the finance models share: the region of a record, lists of identifiers, and the one
reason body (terminating a project, withdrawing a financing need, rejecting a subsidy application)."""
from typing import Annotated

from pydantic import Field

from ttp_common.models import StrictModel
from ttp_common.reference import SICHUAN_REGIONS, RegionCode

# RegionCode with its 21 codes listed in the OpenAPI document, so that clients (and fuzzers) see the constraint.
Region = Annotated[RegionCode, Field(json_schema_extra={"enum": sorted(SICHUAN_REGIONS)})]


def ids_field(description):
    return Field(default_factory=list, max_length=50, description=description)


def check_ids(value):
    value = [v.strip() for v in value]
    if any(not v or len(v) > 64 for v in value) or len(set(value)) != len(value):
        raise ValueError("identifiers must be 1-64 characters and distinct")
    return value


class ReasonIn(StrictModel):
    reason: str = Field(min_length=2, max_length=500)
