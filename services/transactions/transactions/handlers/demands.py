"""Demands (需求): publishing one and its withdrawal by its organization (its proposed matches are declined
with it). The rules are in ``transactions.demands``."""
import uuid

from ttp_common import auth

from .. import demands, matching, states
from ..documents import Demand
from . import matches
from .common import acting_org

PUBLISHED = "transactions.demand.published.v1"
WITHDRAWN = "transactions.demand.withdrawn.v1"


def publish(uow, body, principal, at):
    """The caller's organization's need (``DemandIn``), open from now."""
    demand = Demand(id=uuid.uuid4().hex, organization_id=principal.org, status="open", published_at=at,
                    created_by=principal.sub, deadline=body.deadline.isoformat(),
                    terms=sorted(matching.demand_terms(body.title, body.problem, body.keywords)),
                    **body.model_dump(exclude={"deadline"}))
    uow.insert(demand)
    uow.emit(PUBLISHED, {
        "demand_id": demand.id, "organization_id": demand.organization_id, "title": body.title,
        "keywords": body.keywords, "programme": body.programme, "region_code": body.region_code,
        "budget": body.budget, "min_trl": body.min_trl, "deadline": body.deadline, "published_at": at},
        subject=demand.id)
    return demand


def withdraw(uow, demand_id, reason, principal, at):
    """The demand's organization (or an admin) takes an open demand down (需求撤回): it leaves the public list and
    matching. Its proposed matches are declined with it (each side is told by ``transactions.match.declined.v1``),
    since nobody should accept a pair for a need that is gone; accepted matches stay as they are."""
    demand = uow.get(Demand, demand_id)
    auth.require_org(principal, demand.organization_id)
    demand.status = states.transition(demands.DEMAND_TRANSITIONS, "withdraw", demand.status)
    demand.withdrawn_at, demand.withdrawal_reason = at, reason
    uow.replace(demand)
    uow.emit(WITHDRAWN, {"demand_id": demand.id, "organization_id": demand.organization_id, "reason": reason,
                         "withdrawn_at": at}, subject=demand.id)
    matches.decline_proposed(uow, {"demand_id": demand.id}, demands.withdrawal_note(reason), acting_org(principal), at)
    return demand
