"""The field types the market's request models share: identifiers, keywords and Sichuan's divisions.

Amounts are ``ttp_common.money.Money`` (whole fen, positive); these are the rest.
"""
from typing import Annotated

from pydantic import Field

from ttp_common.reference import SICHUAN_REGIONS, RegionCode

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Keyword = Annotated[str, Field(min_length=1, max_length=30)]
# RegionCode, with its 21 codes listed in the OpenAPI document (clients and fuzzers see the constraint).
Region = Annotated[RegionCode, Field(json_schema_extra={"enum": sorted(SICHUAN_REGIONS)})]
