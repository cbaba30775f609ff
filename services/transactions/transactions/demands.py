"""Demands (需求): what a published technology need holds, its calendar and its state. Free of brokers and
databases.

An institution publishes its organization's need with keywords, a budget and a deadline (``DemandIn``); it is
``open`` (found by the public and by matching) until its deadline passes or its organization withdraws it
(``withdrawn``), when its proposed matches are declined. Deadlines are days of the UTC calendar, as validated.
"""
import datetime as dt

from pydantic import Field, field_validator

from ttp_common import clock
from ttp_common.models import StrictModel
from ttp_common.money import Money

from .fields import Keyword, Region

DEMAND_TRANSITIONS = {
    "withdraw": ({"open"}, "withdrawn"),
}


def today():
    """Today's date on the UTC calendar (that of demand deadlines, as validated), as ISO text."""
    return clock.now_ms().date().isoformat()


class DemandIn(StrictModel):
    title: str = Field(min_length=1, max_length=200, description="需求名称")
    problem: str = Field(min_length=1, max_length=4000, description="技术难题")
    keywords: list[Keyword] = Field(min_length=1, max_length=8)
    programme: int | None = Field(default=None, ge=1, le=15, description="专项 (1–15)")
    region_code: Region
    budget: Money | None = Field(default=None, description="预算 (元)")
    min_trl: int = Field(default=1, ge=1, le=9, description="lowest acceptable maturity (TRL)")
    deadline: dt.date = Field(description="截止日期")

    @field_validator("deadline")
    @classmethod
    def _not_past(cls, value):
        if value < clock.now_ms().date():  # the UTC calendar, as today()
            raise ValueError("must not be in the past")
        return value


class DemandWithdrawIn(StrictModel):
    reason: str | None = Field(default=None, min_length=1, max_length=500, description="撤回原因 (optional)")


def withdrawal_note(reason):
    """The note a withdrawn demand's proposed matches are declined with."""
    return "需求已撤回" + (f": {reason}" if reason else "")
