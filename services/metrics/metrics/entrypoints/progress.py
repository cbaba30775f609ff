"""Progress against the plan's targets (三 主要目标): every target, or one, with its goal, value, ratio,
the value expected on a linear path through the plan's period, and breakdowns (public)."""
from ttp_common.endpoints import endpoint
from ttp_common.refusals import NotFound

from .. import progress, read_models
from ..progress import AsOf, ProgressQuery

TARGET_KEY = {"description": "a target's key in the plan, e.g. transformation_projects"}


class ProgressEntrypoints:
    """Progress and targets (``self.plans``: the plan, ``self.store``: the read models)."""

    @endpoint("GET", "/api/v1/progress", query=ProgressQuery, response="Progress",
              summary="Every target with goal, value, ratio, expected value and breakdowns (public)")
    def get_progress(self, ctx):
        plan, as_of, breakdowns = self.plans.plan, ctx.query.as_of, ctx.query.breakdowns
        counters = read_models.counters(self.store)
        return {
            "plan": {"key": plan.key, "title": plan.title, "source": plan.source,
                     "period": {"start": plan.period.start, "end": plan.period.end}},
            "as_of": as_of,
            "targets": progress.progress(plan, counters, as_of, breakdowns=breakdowns),
            "indicators": progress.indicators(plan, counters, breakdowns=breakdowns),
            "counters": counters,
        }

    @endpoint("GET", "/api/v1/progress/<string:key>", query=AsOf, response="Target",
              parameters={"key": TARGET_KEY}, summary="One target (public)")
    def get_target(self, ctx, key):
        rows = progress.progress(self.plans.plan, read_models.counters(self.store), ctx.query.as_of)
        row = next((r for r in rows if r["key"] == key), None)
        if row is None:
            raise NotFound(f"no target {key!r} in plan {self.plans.plan.key}")
        return row
