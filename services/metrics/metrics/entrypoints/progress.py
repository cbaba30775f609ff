"""The plans (GET /api/v1/plans) and progress against each plan's targets (三 主要目标): every target, or one,
with its goal, value, ratio, the value expected on a linear path through the plan's period, whether it is
behind (only while the plan is in force) or met, and breakdowns (public). Without ``plan``, the followed
plan (``METRICS_PLAN``, default the one in force)."""
from ttp_common.endpoints import endpoint
from ttp_common.refusals import NotFound

from .. import progress, read_models
from ..progress import PlanAsOf, PlansQuery, ProgressQuery

TARGET_KEY = {"description": "a target's key in the plan, e.g. transformation_projects"}


class ProgressEntrypoints:
    """Plans, progress and targets (``self.plans``: the plans, ``self.store``: the read models)."""

    @endpoint("GET", "/api/v1/plans", query=PlansQuery, response="PlanList",
              summary="Every plan with its period, status on as_of, targets and which one is followed (public)")
    def list_plans(self, ctx):
        as_of = ctx.query.as_of
        followed = self.plans.followed(as_of)
        return {"as_of": as_of, "followed": followed.key,
                "plans": [{**progress.summary(plan, as_of, followed),
                           "targets": [{"key": t.key, "label": t.label, "unit": t.unit, "goal": t.goal}
                                       for t in plan.targets]}
                          for plan in self.plans.all]}

    @endpoint("GET", "/api/v1/progress", query=ProgressQuery, response="Progress", errors=(400,),
              summary="One plan's targets with goal, value, ratio, expected value and breakdowns (public)")
    def get_progress(self, ctx):
        as_of, breakdowns = ctx.query.as_of, ctx.query.breakdowns
        plan = self.plans.get(ctx.query.plan, as_of)
        counters = read_models.counters(self.store, plan.key)
        return {
            "plan": progress.summary(plan, as_of, self.plans.followed(as_of)),
            "as_of": as_of,
            "targets": progress.progress(plan, counters, as_of, breakdowns=breakdowns),
            "indicators": progress.indicators(plan, counters, breakdowns=breakdowns),
            "counters": counters,
        }

    @endpoint("GET", "/api/v1/progress/<string:key>", query=PlanAsOf, response="Target", errors=(400,),
              parameters={"key": TARGET_KEY}, summary="One target of one plan (public)")
    def get_target(self, ctx, key):
        plan = self.plans.get(ctx.query.plan, ctx.query.as_of)
        rows = progress.progress(plan, read_models.counters(self.store, plan.key), ctx.query.as_of)
        row = next((r for r in rows if r["key"] == key), None)
        if row is None:
            raise NotFound(f"no target {key!r} in plan {plan.key}")
        return row
