"""What the metrics service exports to Prometheus, read from its read models at scrape time.

Label sets are bounded: target keys come from the plan, regions are the 21 divisions, programmes
the plan's 15, contract types the five of the Civil Code (anything else is ``other``); the
free-text department breakdown is served over HTTP only.
"""
import datetime as dt
import logging

from prometheus_client.core import GaugeMetricFamily

from ttp_common import clock
from ttp_common.reference import SICHUAN_REGIONS

from . import compliance, ledger, progress, read_models

log = logging.getLogger(__name__)


def _ts(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()


def _day_start(day):
    """The first instant of ``day`` in China, as a Unix timestamp."""
    return dt.datetime.combine(day, dt.time(), clock.CHINA_TIME).timestamp()


def _buckets(plan, target, counters):
    """{dimension: {bucket: (value, Chinese name)}} of one target: year, and each dimension its sources
    declare, with every known bucket present (0 when nothing counted)."""
    name, scale = target.counter_name, 100 if target.unit == "yuan" else 1
    declared = {d for s in target.sources for d in s.dimensions}
    names = {"region": lambda b: SICHUAN_REGIONS.get(b, "其他"),
             "programme": lambda b: plan.programmes.get(int(b), "其他") if b.isdigit() else "其他",
             "contract_type": lambda b: progress.CONTRACT_TYPES.get(b, "其他"),
             "year": lambda b: b}
    known = {"year": [], "region": list(SICHUAN_REGIONS), "programme": [str(n) for n in plan.programmes],
             "contract_type": list(progress.CONTRACT_TYPES)}
    found = {}
    for counter, raw in counters.items():
        if counter.startswith(f"{name}|"):
            dimension, _, bucket = counter[len(name) + 1:].partition("=")
            found.setdefault(dimension, {})[bucket] = raw / scale
    out = {}
    for dimension in ("year", "region", "programme", "contract_type"):
        if dimension != "year" and dimension not in declared:
            continue
        values = {b: 0.0 for b in known[dimension]}
        values.update(found.get(dimension, {}))
        out[dimension] = {b: (float(v), names[dimension](b)) for b, v in values.items()}
    return out


class ProgressCollector:
    """The plan's targets, the ledger, compliance and the projection's freshness; the projection's consumer
    lag is exported by ``ttp_common.consumer_lag`` like every consumer's."""

    def __init__(self, store, plans, group):
        self.store, self.plans, self.group = store, plans, group

    # -- the scrape ---------------------------------------------------------------------------
    def describe(self):
        return []  # nothing at registration: collect() reads the database and Kafka, at scrape time only

    def collect(self):
        try:
            families = list(self._families())
        except Exception:
            log.warning("metrics read models unavailable", exc_info=True)
            return  # the database is down: /health says so, the scrape shows no progress
        yield from families

    def _families(self):
        store = self.store
        today = clock.china_date()
        followed = self.plans.followed(today)
        tasks = self.plans.ledger
        labels = ["plan", "target", "unit"]
        goal = GaugeMetricFamily("ttp_target_goal", "A plan target's goal (count, or yuan)", labels=labels)
        value = GaugeMetricFamily("ttp_target_value", "Progress towards a plan target (count, or yuan), counting "
                                  "what took effect inside the plan's period", labels=labels)
        expected = GaugeMetricFamily("ttp_target_expected",
                                     "Value a target should have today on a linear path through the plan's period "
                                     "(its goal once the plan has ended)", labels=labels)
        met = GaugeMetricFamily("ttp_target_met", "1 when a target's value has reached its goal", labels=labels)
        old_goal = GaugeMetricFamily("ttp_plan_target_goal", "Deprecated (the followed plan only): use ttp_target_goal",
                                     labels=labels[1:])
        old_value = GaugeMetricFamily("ttp_plan_target_value",
                                      "Deprecated (the followed plan only): use ttp_target_value", labels=labels[1:])
        # Each breakdown bucket carries its Chinese name too (one name per code: still bounded).
        dimensions = ("year", "region", "programme", "contract_type")
        by = {d: GaugeMetricFamily(f"ttp_target_value_by_{d}", f"A target's value by {d}",
                                   labels=[*labels, d] + ([f"{d}_name"] if d != "year" else []))
              for d in dimensions}
        indicator = GaugeMetricFamily("ttp_indicator_value", "A figure a plan tracks without a goal",
                                      labels=["plan", "indicator", "unit"])
        info = GaugeMetricFamily("ttp_plan_info", "A plan whose targets are measured (every file in plans/)",
                                 labels=["plan", "title"])
        in_force = GaugeMetricFamily("ttp_plan_in_force", "1 while today (China) is inside the plan's period",
                                     labels=["plan"])
        is_followed = GaugeMetricFamily("ttp_plan_followed", "1 for the plan the home page and the alerts follow "
                                        "(METRICS_PLAN, default the one in force)", labels=["plan"])
        start = GaugeMetricFamily("ttp_plan_period_start_timestamp_seconds", "Start of the plan's period",
                                  labels=["plan"])
        end = GaugeMetricFamily("ttp_plan_period_end_timestamp_seconds", "End of the plan's period", labels=["plan"])

        for plan in self.plans.all:
            counters = read_models.counters(store, plan.key)
            for row in progress.progress(plan, counters, today, breakdowns=False):
                key = [plan.key, row["key"], row["unit"]]
                goal.add_metric(key, float(row["goal"]))
                value.add_metric(key, float(row["value"]))
                expected.add_metric(key, float(row["expected"]))
                met.add_metric(key, 1 if row["met"] else 0)
                if plan is followed:
                    old_goal.add_metric(key[1:], float(row["goal"]))
                    old_value.add_metric(key[1:], float(row["value"]))
            for target in plan.targets:
                for dimension, buckets in _buckets(plan, target, counters).items():
                    for bucket, (amount, bucket_name) in sorted(buckets.items()):
                        extra = [] if dimension == "year" else [bucket_name]
                        by[dimension].add_metric([plan.key, target.key, target.unit, bucket, *extra], amount)
            for row in progress.indicators(plan, counters, breakdowns=False):
                indicator.add_metric([plan.key, row["key"], row["unit"]], float(row["value"]))
            info.add_metric([plan.key, plan.title], 1)
            in_force.add_metric([plan.key], 1 if plan.status(today) == "in_force" else 0)
            is_followed.add_metric([plan.key], 1 if plan is followed else 0)
            start.add_metric([plan.key], _day_start(plan.period.start))
            end.add_metric([plan.key], _day_start(plan.period.end + dt.timedelta(days=1)))
        yield from (goal, value, expected, met, old_goal, old_value, *by.values(), indicator,
                    info, in_force, is_followed, start, end)

        states = read_models.task_states(store)
        by_status = GaugeMetricFamily("ttp_tasks", "Tasks of the plan's task ledger by status", labels=["status"])
        overdue = GaugeMetricFamily("ttp_task_overdue", "1 when a ledger task is past its schedule and not done",
                                    labels=["task"])
        views = [ledger.view(task, states.get(task.id), followed, today) for task in tasks.tasks]
        for status in ("not_started", "in_progress", "done"):
            by_status.add_metric([status], sum(v["status"] == status for v in views))
        for v in views:
            overdue.add_metric([v["id"]], 1 if v["overdue"] else 0)
        yield by_status
        yield overdue
        yield GaugeMetricFamily("ttp_tasks_overdue", "Ledger tasks past their schedule and not done",
                                value=sum(v["overdue"] for v in views))

        reports, organizations = read_models.annual_reports(store), read_models.organizations(store)
        annual = GaugeMetricFamily("ttp_annual_reports", "Universities and institutes by annual-report status",
                                   labels=["year", "status"])
        for year in sorted({r["year"] for r in reports}):
            summary = compliance.summarise(year, [r for r in reports if r["year"] == year], organizations)
            for status, count in summary["totals"].items():
                annual.add_metric([str(year), status], count)
        yield annual

        meta = read_models.meta(store)
        yield GaugeMetricFamily("ttp_projection_events_applied", "Events applied to the read models (since the last rebuild)",
                                value=meta.get("applied", 0))
        for name, field, doc in (
                ("ttp_projection_last_event_timestamp_seconds", "last_event_time", "ce_time of the newest projected event"),
                ("ttp_projection_last_applied_timestamp_seconds", "last_applied_at", "When the read models last changed")):
            if meta.get(field) is not None:
                yield GaugeMetricFamily(name, doc, value=_ts(meta[field]))
