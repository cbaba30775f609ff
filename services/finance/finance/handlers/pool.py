"""The financing project pool (投融资项目库): an organization lists a financing need and withdraws it.

IP pledge financing (知识产权质押融资) is sought only by an organization the replica knows as eligible
(``finance.handlers.replica``), and a need names only achievements and registered contracts that replica
holds (``ttp_common.links``); the rules are in ``finance.pool``.
"""
import uuid

from ttp_common import auth, money
from ttp_common.refusals import Invalid, TransitionRefused

from .. import pool
from ..documents import FinancingProject, OrganizationFacts, TransformationProject
from . import replace_unchanged, replica

LISTED = "finance.financing_project.listed.v1"
WITHDRAWN = "finance.financing_project.withdrawn.v1"


def list_need(uow, body, principal, at):
    """A new listed financing need from ``body`` (``FinancingProjectIn``) of the caller's organization."""
    auth.require_org(principal, body.organization_id)
    if body.transformation_project_id:
        project = uow.find_one(TransformationProject, {"_id": body.transformation_project_id})
        if project is None or project.organization_id != body.organization_id:
            raise Invalid("no such project of this organization", field="transformation_project_id")
    replica.check_links(uow, body.achievement_ids, body.contract_ids)
    facts = uow.find_one(OrganizationFacts, {"_id": body.organization_id})
    pool.check_ip_pledge_eligible(body.instruments, facts is not None and facts.ip_pledge_eligible)
    need = FinancingProject(id=uuid.uuid4().hex, status="listed", listed_at=at, listed_by=principal.sub,
                            amount_fen=money.to_fen(body.amount), **body.model_dump())
    uow.insert(need)
    uow.emit(LISTED, {"financing_project_id": need.id, **body.model_dump(exclude={"summary"}),
                      "amount": money.exact_fen(body.amount), "listed_at": at}, subject=need.id)
    return need


def withdraw(uow, financing_project_id, reason, principal, at):
    """The organization takes its need out of the pool (once)."""
    need = uow.get(FinancingProject, financing_project_id)
    auth.require_org(principal, need.organization_id)
    if need.status != "listed":
        raise TransitionRefused(f"cannot withdraw a financing project that is {need.status}")
    need.status, need.withdrawn_at = "withdrawn", at
    replace_unchanged(uow, need, {"status": "listed"}, "the financing project changed meanwhile; reload it")
    uow.emit(WITHDRAWN, {"financing_project_id": need.id, "organization_id": need.organization_id,
                         "reason": reason, "withdrawn_at": at}, subject=need.id)
    return need
