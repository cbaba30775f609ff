"""Plans as data (YAML): each file in plans/ is one plan with its period, targets, counting rules,
programmes and task ledger, validated at start. Every plan is measured at once; a successor plan is
another file, not new code.

Which plan the home page and the alerts follow (``followed``) is the ``METRICS_PLAN`` setting (a plan's
key or file name); without it, the plan in force today (China's calendar), else the latest that has
begun. ``METRICS_PLANS_DIR`` points at another directory of plans (tests use their own).
"""
import datetime as dt
import functools
import re
from decimal import Decimal
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

PACKAGE_DIR = Path(__file__).parent
PLANS_DIR = PACKAGE_DIR / "plans"
DATA_DIR = PACKAGE_DIR / "data"
DEFAULT_PLAN = "sichuan-2016-2020.yaml"
PLAN_STATUSES = {"upcoming": "未开始", "in_force": "实施中", "ended": "已结束"}

EVENT_NAME = re.compile(r"^[a-z_]+\.[a-z_]+\.[a-z_]+\.v[0-9]+$")
DIMENSIONS = ("region", "programme", "department", "contract_type")
TASK_STATUSES = ("not_started", "in_progress", "done")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Model):
    """Which events count towards a figure, and how."""

    event: str
    where: dict[str, str | int | bool] = {}
    amount: str | None = None
    sign: Literal[1, -1] = 1
    date: str | None = None
    time: str | None = None
    counted_on: str | None = None  # the payload date of the record this event corrects (a contract's registration)
    dimensions: dict[Literal["region", "programme", "department", "contract_type"], str] = {}

    @field_validator("event")
    @classmethod
    def _event_name(cls, value):
        if not EVENT_NAME.fullmatch(value):
            raise ValueError("expected <service>.<aggregate>.<event>.v<N>")
        return value


class Figure(_Model):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    unit: Literal["count", "yuan"]
    counter: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    sources: list[Source] = Field(min_length=1)

    @property
    def counter_name(self):
        """The name of the stored integer tally (money is counted in fen)."""
        return self.counter or (self.key if self.unit == "count" else f"{self.key}_fen")

    @model_validator(mode="after")
    def _amounts_match_the_unit(self):
        for source in self.sources:
            if (source.amount is not None) != (self.unit == "yuan"):
                raise ValueError(f"{self.key}: a yuan figure sums an amount field, a count figure has none")
        return self


class Target(Figure):
    goal: Decimal = Field(gt=0)


class Period(_Model):
    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self):
        if self.end <= self.start:
            raise ValueError("the period must end after it starts")
        return self

    def __contains__(self, day):
        return self.start <= day <= self.end


class Plan(_Model):
    key: str
    title: str
    source: str
    period: Period
    tasks: str
    programmes: dict[int, str]
    targets: list[Target] = Field(min_length=1)
    indicators: list[Figure] = []

    @model_validator(mode="after")
    def _unique_keys(self):
        keys = [f.key for f in self.figures]
        counters = [f.counter_name for f in self.figures]
        if len(set(keys)) != len(keys) or len(set(counters)) != len(counters):
            raise ValueError("figure keys and counters must be unique")
        return self

    @property
    def figures(self):
        return [*self.targets, *self.indicators]

    @property
    def event_names(self):
        return sorted({s.event for f in self.figures for s in f.sources})

    def status(self, as_of):
        """``upcoming`` before the period, ``in_force`` during it (both ends included), ``ended`` after it."""
        if as_of < self.period.start:
            return "upcoming"
        return "in_force" if as_of <= self.period.end else "ended"


class Task(_Model):
    id: str = Field(pattern=r"^[0-9]+(\.[0-9]+)?$")
    area: str
    title: str
    work: str
    departments: list[str] = Field(min_length=1)
    schedule: str
    start: str | None = Field(default=None, pattern=r"^[0-9]{4}-[0-9]{2}$")
    due: dt.date | None = None


class TaskLedger(_Model):
    source: str
    tasks: list[Task] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self):
        ids = [t.id for t in self.tasks]
        if len(set(ids)) != len(ids):
            raise ValueError("task ids must be unique")
        return self

    def get(self, task_id):
        return next((t for t in self.tasks if t.id == task_id), None)


def _resolve(name, directory):
    path = Path(name)
    return path if path.is_absolute() or path.exists() else directory / name


@functools.lru_cache(maxsize=None)
def load_plan(name=DEFAULT_PLAN):
    with open(_resolve(name, PLANS_DIR), encoding="utf-8") as f:
        return Plan.model_validate(yaml.safe_load(f))


def load_plans(directory=PLANS_DIR):
    """Every plan file (``<key>.yaml``) of ``directory``, ordered by the start of its period."""
    found = []
    for path in sorted(Path(directory).glob("*.yaml")):
        plan = load_plan(str(path))
        if plan.key != path.stem:
            raise ValueError(f"{path}: the file of plan {plan.key!r} must be named {plan.key}.yaml")
        found.append(plan)
    if not found:
        raise ValueError(f"no plan files in {directory}")
    return tuple(sorted(found, key=lambda p: (p.period.start, p.key)))


def check_consumed(plans, consumed):
    """Refuse plans that count events the projection does not consume: its consumer subscribes, at import, to
    what the packaged plans count (``handlers.projection.CONSUMED_EVENTS``), so such a plan would stay at zero."""
    missing = sorted({name for plan in plans for name in plan.event_names} - set(consumed))
    if missing:
        raise ValueError(f"plans count events the projection does not consume: {missing}")


def configured_plans(config):
    """(every plan of ``METRICS_PLANS_DIR`` or plans/, the ``METRICS_PLAN`` setting or None) of a nameko config."""
    return load_plans(config.get("METRICS_PLANS_DIR") or PLANS_DIR), config.get("METRICS_PLAN") or None


def followed(plans, as_of, configured=None):
    """The plan the home page and the alerts follow on ``as_of``: the ``configured`` one (its key, or its file
    name without ``.yaml``), else the one in force, else the latest that has begun, else the first to come."""
    if configured:
        key = Path(configured).name.removesuffix(".yaml")
        chosen = next((p for p in plans if p.key == key), None)
        if chosen is None:
            raise ValueError(f"METRICS_PLAN={configured!r} names none of the plans {[p.key for p in plans]}")
        return chosen
    in_force = [p for p in plans if p.status(as_of) == "in_force"]
    begun = [p for p in plans if p.status(as_of) != "upcoming"]
    return (in_force or begun or plans[:1])[-1]


@functools.lru_cache(maxsize=None)
def load_tasks(name):
    with open(_resolve(name, DATA_DIR), encoding="utf-8") as f:
        return TaskLedger.model_validate(yaml.safe_load(f))
