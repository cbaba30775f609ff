"""Shared facilities (共享设施, 四(七)2) and the requests for time on them, without I/O.

An owner organization catalogues an instrument, a pilot line (中试生产线) or a service platform with its
terms and the hours a year it opens it to others. A small or medium-sized enterprise (an enterprise
organization) requests hours in a window; the owner accepts or declines; on an accepted request the owner
records the hours used, once. Utilization is used hours over open hours; SMEs served are the distinct
enterprises with recorded use.

    requested ──accept──▶ accepted ──record_use──▶ used
        └──────decline──▶ declined
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ttp_common import clock
from ttp_common.fields import Integer
from ttp_common.models import StrictModel
from ttp_common.refusals import Invalid, TransitionRefused

from .fields import Id, Region

KINDS = {"instrument": "科研仪器设备", "pilot_line": "中试生产线", "service_platform": "公共服务平台"}
STATUSES = {"requested": "待确认", "accepted": "已接受", "declined": "已拒绝", "used": "已使用"}
HOURS_PER_YEAR = 8784  # a leap year's hours: the most a facility can open
MAX_LEAD_DAYS = 365  # a window starts at most this far ahead
MAX_WINDOW_DAYS = 31  # and lasts at most this long


class FacilityIn(StrictModel):
    """A facility its owner opens to others (开放共享)."""

    owner_organization_id: Id = Field(description="设施所有单位: the caller's organization")
    kind: Literal[tuple(KINDS)] = Field(description="设施类型: " + ", ".join(f"{k} {v}" for k, v in KINDS.items()))
    name: str = Field(min_length=2, max_length=200, description="设施名称")
    region_code: Region
    terms: str = Field(min_length=2, max_length=2000, description="开放共享条款: who may use it, fees, conditions")
    open_hours_per_year: Integer = Field(ge=1, le=HOURS_PER_YEAR, description="年度开放机时")


class BookingIn(StrictModel):
    """An enterprise's request for hours on a facility within a window (使用预约)."""

    facility_id: Id
    enterprise_organization_id: Id = Field(description="申请企业: the caller's organization, an enterprise")
    starts_at: dt.datetime = Field(description=f"window start: in the future, at most {MAX_LEAD_DAYS} days ahead")
    ends_at: dt.datetime = Field(description=f"window end: after the start, at most {MAX_WINDOW_DAYS} days later")
    hours: Integer = Field(ge=1, le=MAX_WINDOW_DAYS * 24, description="申请机时: at most the window's length")
    purpose: str = Field(min_length=2, max_length=500, description="用途 (not published in events)")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware_and_near(cls, value):
        if value.utcoffset() is None:
            raise ValueError("give a time zone, e.g. 2027-01-01T09:00:00+08:00")
        # Bounded before converting: a far-off time overflows in UTC (an OverflowError, a 500).
        if abs(value - clock.now_ms()) > dt.timedelta(days=MAX_LEAD_DAYS + MAX_WINDOW_DAYS):
            raise ValueError(f"must be within {MAX_LEAD_DAYS} days")
        return clock.to_ms(value)

    @model_validator(mode="after")
    def _window(self):
        check_window(self.starts_at, self.ends_at, self.hours, clock.now_ms())
        return self


class DeclineIn(StrictModel):
    reason: str = Field(min_length=2, max_length=500, description="不予安排理由")


class UseIn(StrictModel):
    hours_used: Decimal = Field(gt=0, max_digits=5, decimal_places=1, description="实际使用机时, in half hours")

    @field_validator("hours_used")
    @classmethod
    def _half_hours(cls, value):
        if value * 2 != int(value * 2):
            raise ValueError("record hours in steps of half an hour")
        return value


def check_window(starts_at, ends_at, hours, now):
    """A window in the future, at most ``MAX_LEAD_DAYS`` ahead and ``MAX_WINDOW_DAYS`` long, that holds the hours."""
    if starts_at <= now:
        raise Invalid("the window must start in the future", field="starts_at")
    if starts_at - now > dt.timedelta(days=MAX_LEAD_DAYS):
        raise Invalid(f"the window starts at most {MAX_LEAD_DAYS} days ahead", field="starts_at")
    if ends_at <= starts_at:
        raise Invalid("the window must end after it starts", field="ends_at")
    length = ends_at - starts_at
    if length > dt.timedelta(days=MAX_WINDOW_DAYS):
        raise Invalid(f"a window lasts at most {MAX_WINDOW_DAYS} days", field="ends_at")
    if dt.timedelta(hours=hours) > length:
        raise Invalid("more hours than the window holds", field="hours")


def check_requester(facility_owner, enterprise_org_id, enterprise_kind):
    """Only an enterprise organization (中小企业) requests time, and never on a facility it owns itself."""
    if enterprise_kind != "enterprise":
        raise Invalid("not a registered enterprise organization (only enterprises request facility time)",
                      field="enterprise_organization_id")
    if facility_owner == enterprise_org_id:
        raise Invalid("an organization does not request time on its own facility", field="facility_id")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str
    event: str


TRANSITIONS = {t.name: t for t in (
    Transition("accept", frozenset({"requested"}), "accepted", "innovation.booking.accepted.v1"),
    Transition("decline", frozenset({"requested"}), "declined", "innovation.booking.declined.v1"),
    Transition("record_use", frozenset({"accepted"}), "used", "innovation.booking.use_recorded.v1"),
)}


def transition(name, status):
    """The transition ``name`` from ``status``, or ``TransitionRefused`` (409)."""
    t = TRANSITIONS[name]
    if status not in t.sources:
        raise TransitionRefused(f"cannot {name.replace('_', ' ')} a request that is {status} "
                                f"(only one that is {', '.join(sorted(t.sources))})")
    return t


def check_use(hours_used, booked_hours):
    """The hours used fit the hours the owner accepted."""
    if hours_used > booked_hours:
        raise Invalid(f"more than the {booked_hours} hours accepted", field="hours_used")


@dataclass(frozen=True)
class Usage:
    """One group's figures: facilities, open and used hours, their ratio and the distinct SMEs served."""

    facilities: int
    open_hours: int
    hours_used: Decimal
    smes_served: int

    @property
    def utilization(self):
        """Used over open hours (设施利用率), to four places; 0 with no open hours."""
        return (self.hours_used / self.open_hours).quantize(Decimal("0.0001")) if self.open_hours else Decimal(0)

    def as_dict(self):
        return {"facilities": self.facilities, "open_hours": self.open_hours, "hours_used": str(self.hours_used),
                "utilization": str(self.utilization), "smes_served": self.smes_served}


def usage(facilities, uses, key):
    """Usage per ``key(facility)`` (e.g. its kind or region): ``facilities`` are dicts with ``id`` and
    ``open_hours_per_year``; ``uses`` are ``(facility_id, enterprise_id, hours_used)``."""
    groups = {}
    by_id = {f["id"]: f for f in facilities}
    for facility in facilities:
        groups.setdefault(key(facility), {"facilities": 0, "open": 0, "used": Decimal(0), "smes": set()})
        groups[key(facility)]["facilities"] += 1
        groups[key(facility)]["open"] += facility["open_hours_per_year"]
    for facility_id, enterprise_id, hours in uses:
        if facility_id in by_id:
            group = groups[key(by_id[facility_id])]
            group["used"] += Decimal(hours)
            group["smes"].add(enterprise_id)
    return {k: Usage(g["facilities"], g["open"], g["used"], len(g["smes"])) for k, g in sorted(groups.items())}
