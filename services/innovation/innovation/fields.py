"""The field types the innovation request models share: identifiers, lists of them and Sichuan's divisions."""
from typing import Annotated

from pydantic import Field

from ttp_common.reference import SICHUAN_REGIONS, RegionCode

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
# RegionCode, with its 21 codes listed in the OpenAPI document (clients and fuzzers see the constraint).
Region = Annotated[RegionCode, Field(json_schema_extra={"enum": sorted(SICHUAN_REGIONS)})]
