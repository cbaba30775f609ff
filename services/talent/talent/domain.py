"""Talent domain rules."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PERSON_KINDS = {"researcher": "科研人员", "broker": "技术经纪人", "mentor": "创业导师", "expert": "专家"}


class PersonIn(BaseModel):
    """A person registered in the talent pool (skeleton; the full model is issue 6)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100, description="姓名 (personal data: not in events)")
    kinds: list[Literal[tuple(PERSON_KINDS)]] = Field(min_length=1, max_length=4)
    organization_id: str | None = Field(default=None, max_length=64)
    public_profile: bool = Field(default=False, description="consented to a public profile")
