"""The incubation ladder (孵化链条, 四(七)1), without I/O: carriers, enterprises' stays in them and the
conversion-incubation rate.

Carriers are makerspaces (众创空间), pre-incubators, incubators, accelerators and professional parks, each
recognized at a level (national, provincial, municipal) in a region. An enterprise enters a carrier on a date,
naming the registered achievements (已登记科技成果) it is built on, and graduates on a later date. The
conversion-incubation rate (科技成果转化孵化率) of a carrier or a region is the share of its incubated
enterprises (those that entered, graduated or not) built on at least one registered achievement; in a region
an enterprise that climbed several rungs counts once.
"""
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from ttp_common.models import StrictModel
from ttp_common.refusals import Invalid, TransitionRefused

from .fields import Id, Region

KINDS = {"makerspace": "众创空间", "pre_incubator": "预孵化器", "incubator": "孵化器", "accelerator": "加速器",
         "professional_park": "专业园区"}  # the ladder's rungs, in order
LEVELS = {"national": "国家级", "provincial": "省级", "municipal": "市级"}
STATUSES = {"incubating": "在孵", "graduated": "已毕业"}
EARLIEST = dt.date(1987, 1, 1)  # the first technology business incubator in China (武汉东湖, 1987)


class CarrierIn(StrictModel):
    """A carrier recognized by the department (载体认定)."""

    name: str = Field(min_length=2, max_length=200, description="载体名称")
    kind: Literal[tuple(KINDS)] = Field(description="载体类型: " + ", ".join(f"{k} {v}" for k, v in KINDS.items()))
    level: Literal[tuple(LEVELS)] = Field(description="认定级别: " + ", ".join(f"{k} {v}" for k, v in LEVELS.items()))
    region_code: Region
    operator_organization_id: Id = Field(description="运营单位: its staff record entries and graduations")


class EntryIn(StrictModel):
    """An enterprise entering the carrier (入驻)."""

    enterprise_organization_id: Id = Field(description="在孵企业: a registered enterprise organization")
    entered_on: dt.date = Field(description="入驻日期 (China Standard Time): not in the future")
    achievement_ids: list[Id] = Field(default_factory=list, max_length=20,
                                      description="已登记科技成果 the enterprise is built on (may be empty)")

    @field_validator("achievement_ids")
    @classmethod
    def _distinct(cls, value):
        if len(set(value)) != len(value):
            raise ValueError("name each achievement once")
        return value


class GraduationIn(StrictModel):
    graduated_on: dt.date = Field(description="毕业日期 (China Standard Time): after entry, not in the future")


def check_entry_date(entered_on, today):
    if entered_on > today:
        raise Invalid("the entry date is in the future", field="entered_on")
    if entered_on < EARLIEST:
        raise Invalid(f"the entry date is before {EARLIEST.isoformat()}", field="entered_on")


def check_enterprise(kind):
    """Only an enterprise organization (企业) is incubated."""
    if kind != "enterprise":
        raise Invalid("not a registered enterprise organization", field="enterprise_organization_id")


def check_achievements(achievement_ids, registered):
    """Every named achievement is registered (``registered``: the ids the registry announced as registered)."""
    for i, achievement_id in enumerate(achievement_ids):
        if achievement_id not in registered:
            raise Invalid("not a registered achievement", field=f"achievement_ids.{i}")


def check_graduation(status, entered_on, graduated_on, today):
    """An incubating enterprise graduates once, on or after its entry date and not in the future."""
    if status != "incubating":
        raise TransitionRefused(f"the enterprise is {status}, not incubating")
    if graduated_on < entered_on:
        raise Invalid("graduation cannot precede entry", field="graduated_on")
    if graduated_on > today:
        raise Invalid("the graduation date is in the future", field="graduated_on")


@dataclass(frozen=True)
class Rate:
    enterprises: int
    built_on_achievement: int

    @property
    def rate(self):
        """The share, to four places; None with no incubated enterprise (no rate rather than 0)."""
        if not self.enterprises:
            return None
        return (Decimal(self.built_on_achievement) / self.enterprises).quantize(Decimal("0.0001"))

    def as_dict(self):
        rate = self.rate
        return {"enterprises": self.enterprises, "built_on_achievement": self.built_on_achievement,
                "rate": None if rate is None else str(rate)}


def conversion_rates(stays, key):
    """The rate per ``key(stay)`` (a carrier, a region). ``stays``: dicts with ``enterprise_organization_id`` and
    ``built_on_achievement``; an enterprise counts once per group, built on an achievement if any stay of it
    there is."""
    groups = {}
    for stay in stays:
        enterprises = groups.setdefault(key(stay), {})
        org = stay["enterprise_organization_id"]
        enterprises[org] = enterprises.get(org, False) or bool(stay["built_on_achievement"])
    return {k: Rate(len(orgs), sum(orgs.values())) for k, orgs in sorted(groups.items())}
