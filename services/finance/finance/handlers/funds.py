"""Investors (投资机构) and funds (基金): admins register them.

An organization is one investor; a sub-fund names its guidance fund (引导基金), and the sub-funds of a
guidance fund together commit no more than it does (``finance.pool``).
"""
import uuid
from decimal import Decimal

from pymongo.errors import DuplicateKeyError

from ttp_common import money
from ttp_common.refusals import Conflict, Invalid

from .. import pool
from ..documents import Fund, Investor

INVESTOR_REGISTERED = "finance.investor.registered.v1"
FUND_REGISTERED = "finance.fund.registered.v1"


def register_investor(uow, body, at):
    """A new investor from ``body`` (``InvestorIn``); one per organization."""
    investor = Investor(id=uuid.uuid4().hex, registered_at=at, **body.model_dump())
    try:
        uow.insert(investor)
    except DuplicateKeyError:
        raise Conflict("this organization is already a registered investor", field="organization_id",
                       detail="already registered") from None
    uow.emit(INVESTOR_REGISTERED, {"investor_id": investor.id, **body.model_dump(), "registered_at": at},
             subject=investor.id)
    return investor


def register_fund(uow, body, at):
    """A new fund from ``body`` (``FundIn``) of a registered investor; a sub-fund within its guidance fund's
    commitment."""
    uow.get(Investor, body.investor_id)
    if body.parent_fund_id:
        parent = uow.find_one(Fund, {"_id": body.parent_fund_id})
        if parent is None or parent.kind != "guidance":
            raise Invalid("not a registered guidance fund", field="parent_fund_id")
        committed = sum((f.committed_amount for f in uow.find(Fund, {"parent_fund_id": parent.id})), Decimal(0))
        problem = pool.check_sub_fund_commitment(parent.committed_amount, committed, body.committed_amount)
        if problem:
            raise Invalid(problem, field="committed_amount")
        # Written on the parent so that two concurrent sub-fund registrations conflict (one re-runs).
        parent.sub_funds_committed_amount = money.exact_fen(committed + body.committed_amount)
        uow.replace(parent)
    fund = Fund(id=uuid.uuid4().hex, registered_at=at, invested_amount=money.exact_fen(0), **body.model_dump())
    uow.insert(fund)
    uow.emit(FUND_REGISTERED, {"fund_id": fund.id, **body.model_dump(),
                               "committed_amount": money.exact_fen(body.committed_amount), "registered_at": at},
             subject=fund.id)
    return fund


def fund_view(repository, fund_id):
    """A fund as the API shows it; a guidance fund with its sub-funds and their totals."""
    fund = repository.get(Fund, fund_id)
    view = fund.public()
    if fund.kind == "guidance":
        subs = repository.find(Fund, {"parent_fund_id": fund.id}, sort=[("registered_at", 1)])
        view["sub_funds"] = [sub.public() for sub in subs]
        view["sub_funds_committed_amount"] = money.exact_fen(sum((s.committed_amount for s in subs), Decimal(0)))
        view["sub_funds_invested_amount"] = money.exact_fen(sum((s.invested_amount for s in subs), Decimal(0)))
    return view
