"""Rewards to contributors (奖励与报酬): recording a reward plan (checked against 促进科技成果转化法 第四十五条
or the organization's own rules) and listing the plans. The work is in ``talent.handlers.rewards``.
"""
from pydantic import Field

from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint

from ..documents import RewardPlan
from ..handlers import rewards as handlers
from ..rewards import RewardPlanIn
from .common import RECORD


class RewardQuery(paging.CursorParams):
    flagged: bool | None = Field(None, description="only flagged plans")
    achievement_id: str | None = Field(None, min_length=1, max_length=64, description="plans for this achievement")


class RewardEntrypoints:
    """Reward plans."""

    @endpoint("POST", "/api/v1/rewards", roles=(Roles.INSTITUTION, Roles.ADMIN), body=RewardPlanIn, status=201,
              response=RECORD, errors=(422,),
              summary="Record a reward plan for contributors; checked against 促进科技成果转化法 第四十五条 or the "
                      "organization's own rules, stored and flagged (check.compliant=false) when short",
              description="achievement_id must be registered or published (not withdrawn) as the registry's events "
                          "say: 422 unknown_link naming it otherwise; one registered moments ago may not have "
                          "arrived yet (retry).")
    def record_reward(self, ctx):
        """An organization records its reward plan; it is checked against article 45 (or its own rules) and
        stored either way, flagged with its findings when it falls short."""
        return self.store.transact(handlers.record, ctx.body, ctx.principal, actor=ctx.actor).as_dict()

    @endpoint("GET", "/api/v1/rewards", roles=(Roles.INSTITUTION, Roles.REVIEWER, Roles.ADMIN), query=RewardQuery,
              response=RECORD,
              summary="Reward plans (reviewers and admins all, institutions their own), newest first: "
                      "{items, next_cursor}; flagged=true for the non-compliant ones, achievement_id for one achievement's")
    def list_rewards(self, ctx):
        """Reviewers and admins see every plan (``flagged=true``: the non-compliant ones); institutions their own.
        Newest first, cursor-paged (``limit``, ``cursor``)."""
        q = ctx.query
        query = {"compliant": False} if q.flagged else {}
        if q.achievement_id is not None:
            query["record.achievement_id"] = q.achievement_id
        if ctx.principal.role == Roles.INSTITUTION:
            query["organization_id"] = ctx.principal.org
        docs, next_cursor = paging.by_time(self.store.collection(RewardPlan), query, q.limit, q.cursor)
        return {"items": [self.store.load(RewardPlan, d).as_dict() for d in docs], "next_cursor": next_cursor}
