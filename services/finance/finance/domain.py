"""Finance domain rules (transformation projects under the 15 special programmes)."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ttp_common.reference import RegionCode

CATEGORIES = {"major": "重大科技成果转化项目", "promoted": "推广应用先进成熟适用技术成果"}


class ApprovedProjectIn(BaseModel):
    """A transformation project recorded as approved (skeleton; the lifecycle is issue 5)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=2, max_length=200)
    category: Literal[tuple(CATEGORIES)]
    programme: int = Field(ge=1, le=15, description="the plan's special programme, 四(一)1 (1)-(15)")
    region_code: RegionCode
    organization_id: str = Field(min_length=1, max_length=64)
    responsible_department: str = Field(min_length=2, max_length=100, description="责任部门")

