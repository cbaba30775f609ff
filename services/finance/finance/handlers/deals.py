"""Deals (对接): an investor's interest in a listed financing need, due diligence, and the close on signed
terms, or a decline by either side.

Institutions act for the investor of their organization (the ``org`` claim), and so does the investor
organization's staff (an ``investor`` token, for the investor side only); the financed organization may only
decline. Closing adds the amount to the need's raised amount (never past the need) and to the fund's
invested amount (never past its commitment), in the same transaction. The rules are in ``finance.pool``.
"""
import uuid

from ttp_common import auth, money
from ttp_common.refusals import Invalid, NotAllowed, TransitionRefused

from .. import pool
from ..documents import Deal, FinancingProject, Fund, Investor, Roadshow
from . import replace_unchanged
from .replica import check_pledged_ip_rights

INTEREST_EXPRESSED = "finance.deal.interest_expressed.v1"
FUND_INVESTED = "finance.fund.invested.v1"


def investor_of(uow, principal, investor_id):
    """The investor, if the caller acts for it (its organization's institution or investor staff, or an admin)."""
    investor = uow.get(Investor, investor_id)
    auth.require_org(principal, investor.organization_id)
    return investor


def express_interest(uow, body, principal, at):
    """A new deal from ``body`` (``InterestIn``): the investor, an instrument the need seeks, optionally one of
    the investor's funds and a roadshow both presented at."""
    investor = investor_of(uow, principal, body.investor_id)
    project = uow.get(FinancingProject, body.financing_project_id)
    if project.status != "listed":
        raise TransitionRefused(f"the financing project is {project.status}")
    pool.check_instrument_sought(body.instrument, project.instruments)
    if body.fund_id:
        fund = uow.find_one(Fund, {"_id": body.fund_id})
        if fund is None or fund.investor_id != investor.id:
            raise Invalid("not a fund of this investor", field="fund_id")
    if body.roadshow_id:
        roadshow = uow.find_one(Roadshow, {"_id": body.roadshow_id})
        if roadshow is None or project.id not in roadshow.financing_project_ids \
                or investor.id not in roadshow.investor_ids:
            raise Invalid("the project did not present at this event or the investor was not registered for it",
                          field="roadshow_id")
    deal = Deal(id=uuid.uuid4().hex, financing_project_id=project.id, organization_id=project.organization_id,
                region_code=project.region_code, investor_id=investor.id, investor_kind=investor.kind,
                fund_id=body.fund_id, roadshow_id=body.roadshow_id, instrument=body.instrument,
                status="interested", expressed_at=at, updated_at=at)
    uow.insert(deal)
    uow.emit(INTEREST_EXPRESSED, {
        "deal_id": deal.id, "financing_project_id": project.id, "organization_id": project.organization_id,
        "investor_id": investor.id, "fund_id": body.fund_id, "instrument": body.instrument,
        "roadshow_id": body.roadshow_id, "expressed_at": at}, subject=deal.id)
    return deal


def start_due_diligence(uow, deal_id, principal, at):
    return _transition(uow, "due-diligence", deal_id, principal, at, lambda deal, side: ({"started_at": at}, []))


def close(uow, deal_id, terms, principal, at):
    """Close the deal on ``terms`` (``CloseIn``): the amount goes to the need's raised amount and the fund's
    invested amount."""
    def change(deal, side):
        problems = pool.check_terms(deal.instrument, terms)
        if problems:
            raise Invalid(f"{len(problems)} invalid field(s)", fields=problems)
        check_pledged_ip_rights(uow, terms.pledged_ip_right_ids, deal.organization_id)
        deal.amount, deal.annual_rate, deal.term_months, deal.terms, deal.closed_at = (
            money.exact_fen(terms.amount), terms.annual_rate, terms.term_months, terms.terms, at)
        deal.pledged_ip_right_ids = list(terms.pledged_ip_right_ids)
        data = {"organization_id": deal.organization_id, "region_code": deal.region_code,
                "investor_kind": deal.investor_kind, "fund_id": deal.fund_id, "instrument": deal.instrument,
                "amount": deal.amount, "annual_rate": terms.annual_rate, "term_months": terms.term_months,
                "terms": terms.terms, "pledged_ip_right_ids": deal.pledged_ip_right_ids, "closed_at": at}
        project = uow.get(FinancingProject, deal.financing_project_id)
        if project.status != "listed":
            raise TransitionRefused(f"the financing project is {project.status}; its deals cannot close")
        problem = pool.check_within_need(project.amount, project.raised, deal.amount)
        if problem:
            raise Invalid(problem, field="amount")
        raised = project.raised
        project.raised = money.exact_fen(raised + deal.amount)
        # In the same transaction as the deal: a racing close conflicts and re-runs on the new ``raised``,
        # so the need is never passed.
        replace_unchanged(uow, project, {"status": "listed", "raised": str(money.exact_fen(raised))},
                          "the financing project changed meanwhile; reload it")
        if not deal.fund_id:
            return data, []
        fund = uow.get(Fund, deal.fund_id)
        pool.check_fund_capacity(fund.committed_amount, fund.invested_amount, deal.amount)
        fund.invested_amount = money.exact_fen(fund.invested_amount + deal.amount)
        uow.replace(fund)
        return data, [(FUND_INVESTED, {"fund_id": fund.id, "deal_id": deal.id, "amount": deal.amount,
                                       "invested_amount": fund.invested_amount,
                                       "committed_amount": money.exact_fen(fund.committed_amount),
                                       "invested_at": at}, fund.id)]

    return _transition(uow, "close", deal_id, principal, at, change)


def decline(uow, deal_id, reason, principal, at):
    def change(deal, side):
        deal.declined_by, deal.decline_reason = side, reason
        return {"declined_by": side, "reason": reason, "declined_at": at}, []

    return _transition(uow, "decline", deal_id, principal, at, change)


def _side(principal, deal, investor):
    """Which side of the deal the caller acts for (an admin: the investor's; an investor's staff: only that)."""
    if principal.role == auth.Roles.ADMIN or principal.org == investor.organization_id:
        return pool.INVESTOR
    if principal.org == deal.organization_id and principal.role != auth.Roles.INVESTOR:
        return pool.ORGANIZATION
    raise NotAllowed("This deal belongs to other organizations")


def _transition(uow, action, deal_id, principal, at, change):
    """Take ``action`` on the deal for the caller's side, from the status it allows; ``change(deal, side)`` sets
    what the action sets and gives (the event's own data, [further events])."""
    t = pool.DEAL_TRANSITIONS[action]
    deal = uow.get(Deal, deal_id)
    investor = uow.get(Investor, deal.investor_id)
    side = _side(principal, deal, investor)
    if side not in t.actors:
        raise NotAllowed(f"only the {' or '.join(sorted(t.actors))} may {action} a deal")
    previous = deal.status
    pool.deal_transition(action, previous)
    deal.status, deal.updated_at = t.target, at
    data, further = change(deal, side)
    replace_unchanged(uow, deal, {"status": previous}, "the deal changed meanwhile; reload it")
    uow.emit(t.event, {"deal_id": deal.id, "financing_project_id": deal.financing_project_id,
                       "investor_id": deal.investor_id, **data}, subject=deal.id)
    for event, event_data, subject in further:
        uow.emit(event, event_data, subject=subject)
    return deal
