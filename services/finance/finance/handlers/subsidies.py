"""Fiscal support (财政支持): the financed organization applies for a subsidy on a closed deal; a reviewer of
its region approves or rejects the application.

The amount follows the rules in force in the year the deal closed (``finance.subsidies``); one pending or
approved application per deal and instrument (a unique partial index).
"""
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common import auth, money
from ttp_common.refusals import Conflict, Invalid, TransitionRefused

from .. import subsidies
from ..documents import Deal, Subsidy
from . import replace_unchanged

APPLIED = "finance.subsidy.applied.v1"
DECIDED = {"approve": "finance.subsidy.approved.v1", "reject": "finance.subsidy.rejected.v1"}
MISSING = "no such subsidy application"


def apply(uow, body, principal, at, rules):
    """A new application from ``body`` (``SubsidyIn``) under ``rules`` ({year: YearRules})."""
    deal = uow.get(Deal, body.deal_id)
    auth.require_org(principal, deal.organization_id)
    if deal.status != "closed":
        raise TransitionRefused(f"subsidies apply to closed deals; this one is {deal.status}")
    closed_year = subsidies.rule_year(deal.closed_at)
    in_force = subsidies.rules_for(rules, closed_year)
    if in_force is None:
        raise TransitionRefused(f"there are no subsidy rules for {closed_year}")
    year = in_force.year
    rule = in_force.instruments.get(body.instrument)
    if rule is None:
        raise Invalid(f"{body.instrument} is not offered in {year}", field="instrument")
    computation = subsidies.compute(
        rule, subsidies.Deal(deal.instrument, deal.amount, deal.investor_kind, deal.annual_rate, deal.term_months),
        loss=body.loss, premium=body.premium, guarantee_fee=body.guarantee_fee)
    amount = money.exact_fen(subsidies.granted(computation, body.amount))
    subsidy = Subsidy(id=uuid.uuid4().hex, deal_id=deal.id, organization_id=deal.organization_id,
                      region_code=deal.region_code, instrument=body.instrument, rule_year=year,
                      computed_amount=computation.amount, uncapped_amount=computation.uncapped,
                      capped=computation.capped, amount=amount, loss=body.loss, premium=body.premium,
                      guarantee_fee=body.guarantee_fee, status="applied", applied_at=at, applied_by=principal.sub)
    try:
        uow.insert(subsidy)
    except DuplicateKeyError:
        raise Conflict("this deal already has a pending or approved application for this instrument",
                       field="instrument", detail="already applied for (pending or approved)") from None
    uow.emit(APPLIED, {
        "subsidy_id": subsidy.id, "deal_id": deal.id, "organization_id": deal.organization_id,
        "region_code": deal.region_code, "instrument": body.instrument, "rule_year": year,
        "computed_amount": computation.amount, "amount": amount, "capped": computation.capped,
        "applied_at": at}, subject=subsidy.id)
    return subsidy


def approve(uow, subsidy_id, principal, at):
    def change(subsidy):
        return {"region_code": subsidy.region_code, "instrument": subsidy.instrument, "rule_year": subsidy.rule_year,
                "amount": money.exact_fen(subsidy.amount), "approved_at": at}

    return _decide(uow, "approve", subsidy_id, principal, at, change)


def reject(uow, subsidy_id, reason, principal, at):
    def change(subsidy):
        subsidy.rejection_reason = reason
        return {"reason": reason, "rejected_at": at}

    return _decide(uow, "reject", subsidy_id, principal, at, change)


def _decide(uow, action, subsidy_id, principal, at, change):
    """Decide a pending application (a reviewer of its region, or an admin), once."""
    subsidy = uow.get(Subsidy, subsidy_id, missing=MISSING)
    auth.require_region(principal, subsidy.region_code)
    subsidy.status = subsidies.decide(action, subsidy.status)
    subsidy.decided_at, subsidy.decided_by = at, principal.sub
    data = {"subsidy_id": subsidy.id, "deal_id": subsidy.deal_id, "organization_id": subsidy.organization_id,
            **change(subsidy)}
    replace_unchanged(uow, subsidy, {"status": "applied"}, "the application changed meanwhile; reload it")
    uow.emit(DECIDED[action], data, subject=subsidy.id)
    return subsidy
