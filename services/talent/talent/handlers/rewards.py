"""Rewards to contributors (奖励与报酬): an organization records its reward plan; it is checked against
article 45 or the organization's own rules (``talent.rewards``; bound by the statute for the organizations the
registry records as state-established, replicated by ``note_organization``) and stored either way, flagged
with its findings when it falls short.
"""
import json
import uuid

from ttp_common import auth, links, web

from .. import rewards
from ..documents import AchievementReplica, OrganizationReplica, RewardPlan

REWARD_RECORDED = "talent.reward.recorded.v1"


def record(uow, body, principal):
    """The plan of ``body`` (``RewardPlanIn``), for the caller's own organization, with its check; its
    achievement must be registered or published and not withdrawn in the replica of the registry's events
    (``ttp_common.links``: 422 otherwise)."""
    rewards.check_plan_fields(body)
    auth.require_org(principal, body.organization_id)
    achievement = uow.find_one(AchievementReplica, {"_id": body.achievement_id})
    links.check([("achievement_id", links.ACHIEVEMENT, body.achievement_id)],
                {} if achievement is None else {(links.ACHIEVEMENT, achievement.id): achievement.status})
    organization = uow.find_one(OrganizationReplica, {"_id": body.organization_id})
    check = rewards.check_plan(body, None if organization is None else organization.state_established)
    plan = RewardPlan(id=uuid.uuid4().hex, organization_id=body.organization_id, compliant=check["compliant"],
                      record=body.model_dump(mode="json"), check=json.loads(web.dumps(check)),  # decimals as strings
                      created_by=principal.sub)
    _, total = rewards.basis_and_total(body)
    investment = body.mode == "investment"
    uow.insert(plan)
    uow.emit(REWARD_RECORDED, {
        "reward_id": plan.id, "organization_id": body.organization_id, "achievement_id": body.achievement_id,
        "mode": body.mode, "occurred_on": body.occurred_on,
        "total_cash_yuan": None if investment else total, "total_share_percent": total if investment else None,
        "contributor_person_ids": [a.person_id for a in body.allocations],
        "compliant": check["compliant"], "basis": check["basis"], "source": check["source"],
        "required_percent": check["required_percent"], "actual_percent": check["actual_percent"],
        "findings": [f["message"] for f in check["findings"]]}, subject=plan.id)
    return plan


def note_organization(uow, data, at):
    """The replica of a registered organization: its kind and whether the state established it."""
    uow.update(OrganizationReplica, {"_id": data["organization_id"]},
               {"$set": {"kind": data["kind"], "state_established": data.get("state_established"),
                         "updated_at": at}}, upsert=True)
