"""Fiscal plan projects (科技计划项目) and their reporting duty, without I/O.

A project funded by the treasury must, after it ends, have a registered achievement or a
submitted tech report (科技报告) within the allowed period; otherwise it is overdue.
"""
from datetime import date, timedelta
from decimal import Decimal

from pydantic import Field

from ttp_common.models import StrictModel
from ttp_common.reference import DivisionCode

DEFAULT_ALLOWED_DAYS = 90  # after the end date; a per-project value overrides it


class PlanProjectIn(StrictModel):
    code: str = Field(min_length=3, max_length=40, description="项目编号")
    title: str = Field(min_length=2, max_length=200)
    organization_id: str = Field(min_length=1, max_length=64, description="承担单位")
    region_code: DivisionCode  # a prefecture or a county-level division inside it
    fiscal: bool = Field(description="财政资金资助")
    fiscal_funding_yuan: Decimal = Field(ge=0, max_digits=18, decimal_places=2)
    end_date: date = Field(description="结题日期")
    allowed_days: int = Field(default=DEFAULT_ALLOWED_DAYS, ge=0, le=730, description="days allowed after the end")


class TechReportIn(StrictModel):
    title: str = Field(min_length=2, max_length=200, description="科技报告题名")
    report_number: str | None = Field(default=None, max_length=60)


def due_date(end_date, allowed_days):
    return end_date + timedelta(days=allowed_days)


def is_overdue(fiscal, end_date, allowed_days, satisfied, today):
    """A fiscal project past its due date with neither a registered achievement nor a tech report."""
    return fiscal and not satisfied and today > due_date(end_date, allowed_days)
