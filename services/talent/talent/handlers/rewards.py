"""Rewards to contributors (奖励与报酬): an organization records its reward plan; it is checked against
article 45 or the organization's own rules (``talent.rewards``; bound by the statute for the organizations the
registry records as state-established, replicated by ``note_organization``) and stored either way, flagged
with its findings when it falls short. A transfer or licence plan may cite a registered contract whose verified
technical income (技术性收入核定, replicated by ``note_verified_income``) is then its net income.
"""
import json
import uuid
from decimal import Decimal

from ttp_common import auth, links, web

from .. import rewards
from ..documents import AchievementReplica, ContractIncomeReplica, OrganizationReplica, RewardPlan

REWARD_RECORDED = "talent.reward.recorded.v1"


def record(uow, body, principal):
    """The plan of ``body`` (``RewardPlanIn``), for the caller's own organization, with its check; its
    achievement must be registered or published and not withdrawn in the replica of the registry's events
    (``ttp_common.links``: 422 otherwise)."""
    auth.require_org(principal, body.organization_id)
    if body.contract_id is not None:
        income = uow.find_one(ContractIncomeReplica, {"_id": body.contract_id})
        body = rewards.with_verified_income(body, None if income is None else {
            "verified_income": income.verified_income, "seller_organization_id": income.seller_organization_id,
            "achievement_id": income.achievement_id})
    rewards.check_plan_fields(body)
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
        "contract_id": body.contract_id,
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


def note_verified_income(uow, data, at):
    """The replica of a contract's verified technical income: its total so far, as the event states it (never
    lowered, so a late redelivery of an earlier verification changes nothing)."""
    found = uow.find_one(ContractIncomeReplica, {"_id": data["contract_id"]})
    total = data["contract_verified_income"]
    if found is not None and Decimal(found.verified_income) >= total:
        return
    uow.update(ContractIncomeReplica, {"_id": data["contract_id"]},
               {"$set": {"seller_organization_id": data["seller_organization_id"],
                         "achievement_id": data.get("achievement_id"), "verified_income": str(total),
                         "updated_at": at}}, upsert=True)
