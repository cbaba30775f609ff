"""How events move the plan's figures, and progress against targets: plain Python.

Every figure is a set of integer tallies ("counters"): the total under the figure's counter
name, and one per breakdown value under ``<counter>|<dimension>=<value>`` (``year`` too).
Money is counted in integer fen so sums stay exact (``ttp_common.money``: a given amount with a
fraction of a fen is refused, not rounded); amounts leave as exact decimals. Years and dates of
the plan are China's (``ttp_common.clock``).

An event counts on the date it takes effect (``effective_date``: the registration, approval,
accreditation or revocation date its owner states), and towards a plan only when that date falls
inside the plan's period. Events published before the field existed have none: they count on the
China date of their own timestamp field (``registered_at``, ``approved_at``, ...), else of their
CloudEvents time, which is what was counted before.
"""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated

from pydantic import BeforeValidator, Field

from ttp_common import clock
from ttp_common.models import Query
from ttp_common.money import from_fen, round_fen, to_fen
from ttp_common.reference import SICHUAN_REGIONS, prefecture_of

from .plan import PLAN_STATUSES

CONTRACT_TYPES = {"development": "技术开发", "transfer": "技术转让", "licence": "技术许可",
                  "consulting": "技术咨询", "service": "技术服务"}
OTHER = "other"


def iso_date(value):
    """A query string's date exactly as ``date.fromisoformat`` reads it (pydantic alone would also take
    Unix timestamps and refuse ``20180702``)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


AsOfDate = Annotated[dt.date, BeforeValidator(iso_date), Field(
    default_factory=clock.china_date,
    description="the date for the linear path and overdue flags (default: today, Beijing time)")]
"""The query parameter ``as_of``: the day progress and overdue flags are judged on."""


class AsOf(Query):
    """Only the day (one target, one task)."""

    as_of: AsOfDate


PlanKey = Annotated[str | None, Field(default=None, max_length=100,
                                      description="a plan's key (GET /api/v1/plans); default: the followed plan")]


class PlansQuery(Query):
    as_of: AsOfDate


class PlanAsOf(Query):
    """One target of one plan, on one day."""

    plan: PlanKey
    as_of: AsOfDate


class ProgressQuery(Query):
    plan: PlanKey
    as_of: AsOfDate
    breakdowns: bool = True


def as_datetime(value):
    """A payload timestamp (datetime, or milliseconds since the epoch) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    return dt.datetime.fromtimestamp(value / 1000, dt.timezone.utc)


def bucket(dimension, value):
    """The breakdown value an event lands in; None leaves the event out of that breakdown.
    Region, programme and contract type have bounded value sets (Prometheus labels): a county-level division
    counts in its prefecture (510104 in 510100)."""
    if value is None or value == "":
        return None
    if dimension == "region":
        return prefecture_of(value) or OTHER
    if dimension == "programme":
        return str(value) if isinstance(value, int) and 1 <= value <= 15 else OTHER
    if dimension == "contract_type":
        return value if value in CONTRACT_TYPES else OTHER
    return str(value).strip() or None


def _matches(source, data):
    return all(data.get(field) == wanted for field, wanted in source.where.items())


def effective_date(source, data, event_time=None):
    """The China date an event counts on: its ``source.date`` field, else the China date of its ``source.time``
    field, else of its CloudEvents time (None when it has none of them)."""
    day = data.get(source.date) if source.date else None
    if isinstance(day, dt.datetime):  # a plan naming a timestamp as its date: that instant's day in China
        return clock.china_date(as_datetime(day))
    if isinstance(day, dt.date):
        return day
    if isinstance(day, int):  # Avro's date: days since 1970-01-01
        return dt.date(1970, 1, 1) + dt.timedelta(days=day)
    when = (as_datetime(data.get(source.time)) if source.time else None) or as_datetime(event_time)
    return clock.china_date(when) if when is not None else None


def _counted_in(source, data, plan):
    """Whether the plan counted the record an amending event corrects (``source.counted_on``: the payload date it
    was counted on, e.g. a contract's registration date). A cancellation or change takes effect from its own date,
    so it moves a plan's figure, in the year of its own date, only when the plan's period holds both dates: a plan
    that ended before the cancellation keeps what it counted, and one that began after the registration never
    counted it, so it loses nothing. Sources without ``counted_on`` always pass."""
    if not source.counted_on:
        return True
    day = effective_date(source.model_copy(update={"date": source.counted_on, "time": None}), data, None)
    return day is not None and day in plan.period


def increments(plan, event_name, data, event_time=None):
    """The counter increments an event causes in one plan: {counter name: int}; nothing for an event dated
    outside the plan's period."""
    result = {}
    for figure in plan.figures:
        for source in figure.sources:
            if source.event != event_name or not _matches(source, data):
                continue
            day = effective_date(source, data, event_time)
            if day is None or day not in plan.period or not _counted_in(source, data, plan):
                continue
            amount = to_fen(data[source.amount]) if source.amount else 1
            amount *= source.sign
            name = figure.counter_name
            keys = [name, f"{name}|year={day.year}"]
            for dimension, field in source.dimensions.items():
                value = bucket(dimension, data.get(field))
                if value is not None:
                    keys.append(f"{name}|{dimension}={value}")
            for key in keys:
                result[key] = result.get(key, 0) + amount
    return result


def elapsed_fraction(period, as_of):
    """How much of the plan's period has passed on ``as_of`` (0 before it, 1 after its last day)."""
    total = (period.end - period.start).days + 1
    done = (as_of - period.start).days + 1
    return Decimal(min(max(done, 0), total)) / Decimal(total)


def _value(figure, raw):
    return from_fen(raw) if figure.unit == "yuan" else Decimal(raw)


def _breakdowns(plan, figure, counters):
    name = figure.counter_name
    declared = {d for source in figure.sources for d in source.dimensions}
    found = {}
    prefix = f"{name}|"
    for key, raw in counters.items():
        if key.startswith(prefix):
            dimension, _, value = key[len(prefix):].partition("=")
            found.setdefault(dimension, {})[value] = raw
    out = {"year": [{"year": int(y), "value": _value(figure, v)}
                    for y, v in sorted(found.get("year", {}).items())]}
    if "region" in declared:
        regions = found.get("region", {})
        out["region"] = [{"code": code, "label": label, "value": _value(figure, regions.get(code, 0))}
                         for code, label in SICHUAN_REGIONS.items()]
        if regions.get(OTHER):
            out["region"].append({"code": OTHER, "label": "其他", "value": _value(figure, regions[OTHER])})
    if "programme" in declared:
        programmes = found.get("programme", {})
        out["programme"] = [{"programme": n, "label": label, "value": _value(figure, programmes.get(str(n), 0))}
                            for n, label in sorted(plan.programmes.items())]
        if programmes.get(OTHER):
            out["programme"].append({"programme": None, "label": "其他", "value": _value(figure, programmes[OTHER])})
    if "department" in declared:
        out["department"] = [{"department": d, "value": _value(figure, v)}
                             for d, v in sorted(found.get("department", {}).items())]
    if "contract_type" in declared:
        types = found.get("contract_type", {})
        out["contract_type"] = [{"contract_type": t, "label": label, "value": _value(figure, types.get(t, 0))}
                                for t, label in CONTRACT_TYPES.items()]
        if types.get(OTHER):
            out["contract_type"].append({"contract_type": OTHER, "label": "其他",
                                         "value": _value(figure, types[OTHER])})
    return out


def progress(plan, counters, as_of, breakdowns=True):
    """Every target with goal, value, ratio and the value expected on ``as_of`` on a linear
    path through the plan's period; ``behind`` when the plan is in force and the value is below
    that path; ``met`` when the value has reached the goal (for an ended plan: its final verdict)."""
    fraction = elapsed_fraction(plan.period, as_of)
    in_force = plan.status(as_of) == "in_force"
    rows = []
    for target in plan.targets:
        value = _value(target, counters.get(target.counter_name, 0))
        expected = target.goal * fraction
        expected = round_fen(expected) if target.unit == "yuan" else expected.quantize(Decimal(1), ROUND_HALF_UP)
        row = {
            "key": target.key, "label": target.label, "unit": target.unit,
            "goal": target.goal, "value": value,
            "ratio": float(value / target.goal),
            "expected": expected,
            "pace": float(value / expected) if expected else None,
            "behind": in_force and value < expected,
            "met": value >= target.goal,
        }
        if breakdowns:
            row["breakdowns"] = _breakdowns(plan, target, counters)
        rows.append(row)
    return rows


def summary(plan, as_of, followed):
    """What a plan is, and where it stands on ``as_of``."""
    status = plan.status(as_of)
    return {"key": plan.key, "title": plan.title, "source": plan.source,
            "period": {"start": plan.period.start, "end": plan.period.end},
            "status": status, "status_label": PLAN_STATUSES[status], "followed": plan.key == followed.key}


def indicators(plan, counters, breakdowns=True):
    rows = []
    for figure in plan.indicators:
        row = {"key": figure.key, "label": figure.label, "unit": figure.unit,
               "value": _value(figure, counters.get(figure.counter_name, 0))}
        if breakdowns:
            row["breakdowns"] = _breakdowns(plan, figure, counters)
        rows.append(row)
    return rows
