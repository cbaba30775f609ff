"""The pool, fund and deal handlers over a fake unit of work: what closing a deal stores and announces (the
need's raised amount, the fund's invested amount), and that it never goes beyond the financing need, without
any server."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.refusals import Invalid, NotAllowed, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from finance.documents import Deal, FinancingProject, Fund, Investor, OrganizationFacts, Roadshow, TransformationProject
from finance.fields import ReasonIn
from finance.handlers import deals, funds, pool as needs, replica
from finance.pool import CloseIn, FinancingProjectIn, FundIn, InterestIn, InvestorIn

ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)
ORG, BANK_ORG, VC_ORG = "org-panzhihua-1", "org-bank-1", "org-vc-1"
OWNER = Principal(sub="applicant", role=Roles.INSTITUTION, org=ORG)
BANK = Principal(sub="banker", role=Roles.INSTITUTION, org=BANK_ORG)
VC = Principal(sub="manager", role=Roles.INSTITUTION, org=VC_ORG)
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
LOAN_TERMS = {"annual_rate": "0.0435", "term_months": 12}


@pytest.fixture
def uow():
    return FakeUnitOfWork(TransformationProject, FinancingProject, Investor, Fund, Deal, Roadshow, OrganizationFacts,
                          service="finance")


def list_need(uow, amount="1000000.00", instruments=("loan",)):
    body = FinancingProjectIn(title="钒钛新材料产业化融资", organization_id=ORG, region_code="510400", amount=amount,
                              stage="scale_up", instruments=list(instruments), industry="新材料")
    return needs.list_need(uow, body, OWNER, AT)


def investor(uow, org, kind):
    return funds.register_investor(uow, InvestorIn(name=f"投资机构 {org}", kind=kind, organization_id=org), AT)


def in_due_diligence(uow, need, who, caller, instrument="loan", fund_id=None):
    deal = deals.express_interest(uow, InterestIn(financing_project_id=need.id, investor_id=who.id,
                                                  instrument=instrument, fund_id=fund_id), caller, AT)
    return deals.start_due_diligence(uow, deal.id, caller, AT)


def test_a_close_adds_the_amount_to_the_need_and_is_announced(uow):
    need, bank = list_need(uow), investor(uow, BANK_ORG, "bank")
    deal = in_due_diligence(uow, need, bank, BANK)

    closed = deals.close(uow, deal.id, CloseIn(amount="600000", **LOAN_TERMS), BANK, AT)

    stored = uow.get(Deal, deal.id)
    assert (stored.status, stored.amount, stored.annual_rate, stored.term_months, stored.closed_at) == (
        "closed", Decimal("600000.00"), Decimal("0.043500"), 12, AT)
    assert closed.public() == stored.public()
    assert uow.get(FinancingProject, need.id).raised == Decimal("600000.00")
    event = uow.events[-1]
    assert (event.name, event.subject) == ("finance.deal.closed.v1", deal.id)
    assert {k: event.data[k] for k in ("amount", "instrument", "organization_id", "investor_id", "closed_at")} == {
        "amount": Decimal("600000.00"), "instrument": "loan", "organization_id": ORG, "investor_id": bank.id,
        "closed_at": AT}


def test_a_close_never_takes_the_need_beyond_its_amount(uow):
    need, bank = list_need(uow, amount="1000000.00"), investor(uow, BANK_ORG, "bank")
    first, second = in_due_diligence(uow, need, bank, BANK), in_due_diligence(uow, need, bank, BANK)
    deals.close(uow, first.id, CloseIn(amount="600000.00", **LOAN_TERMS), BANK, AT)
    announced = uow.names()

    with pytest.raises(Invalid, match="at most 400000.00 more, not 400000.01") as refused:
        deals.close(uow, second.id, CloseIn(amount="400000.01", **LOAN_TERMS), BANK, AT)
    assert refused.value.field == "amount"
    assert uow.names() == announced  # nothing announced for the refused close

    deals.close(uow, second.id, CloseIn(amount="400000.00", **LOAN_TERMS), BANK, AT)
    assert uow.get(FinancingProject, need.id).raised == Decimal("1000000.00")
    assert uow.names().count("finance.deal.closed.v1") == 2


def test_a_close_through_a_fund_adds_to_its_invested_amount_within_its_commitment(uow):
    need, vc = list_need(uow, amount="8000000.00", instruments=("equity",)), investor(uow, VC_ORG, "venture_capital")
    fund = funds.register_fund(uow, FundIn(name="创投基金", kind="venture", investor_id=vc.id,
                                           committed_amount="6500000"), AT)
    deal = in_due_diligence(uow, need, vc, VC, instrument="equity", fund_id=fund.id)

    deals.close(uow, deal.id, CloseIn(amount="6000000.00", terms="占股10%"), VC, AT)

    assert uow.get(Fund, fund.id).invested_amount == Decimal("6000000.00")
    assert uow.names()[-2:] == ["finance.deal.closed.v1", "finance.fund.invested.v1"]
    invested = uow.events[-1]
    assert invested.subject == fund.id
    assert (invested.data["deal_id"], invested.data["amount"], invested.data["invested_amount"],
            invested.data["committed_amount"]) == (deal.id, Decimal("6000000.00"), Decimal("6000000.00"),
                                                   Decimal("6500000.00"))

    other = in_due_diligence(uow, list_need(uow, instruments=("equity",)), vc, VC, instrument="equity",
                             fund_id=fund.id)
    with pytest.raises(TransitionRefused, match="500000.00 yuan left"):
        deals.close(uow, other.id, CloseIn(amount="500000.01"), VC, AT)


def test_a_close_states_the_terms_its_instrument_needs(uow):
    need, bank = list_need(uow), investor(uow, BANK_ORG, "bank")
    deal = in_due_diligence(uow, need, bank, BANK)
    with pytest.raises(Invalid) as refused:
        deals.close(uow, deal.id, CloseIn(amount="100"), BANK, AT)
    assert [f["path"] for f in refused.value.fields] == ["annual_rate", "term_months"]


def test_only_the_investor_closes_a_deal_in_due_diligence_of_a_listed_need(uow):
    need, bank = list_need(uow), investor(uow, BANK_ORG, "bank")
    deal = deals.express_interest(uow, InterestIn(financing_project_id=need.id, investor_id=bank.id,
                                                  instrument="loan"), BANK, AT)
    with pytest.raises(TransitionRefused, match="cannot close a deal that is interested"):
        deals.close(uow, deal.id, CloseIn(amount="100", **LOAN_TERMS), BANK, AT)
    deals.start_due_diligence(uow, deal.id, BANK, AT)
    with pytest.raises(NotAllowed, match="only the investor"):
        deals.close(uow, deal.id, CloseIn(amount="100", **LOAN_TERMS), OWNER, AT)
    with pytest.raises(NotAllowed, match="other organizations"):
        deals.close(uow, deal.id, CloseIn(amount="100", **LOAN_TERMS), VC, AT)

    needs.withdraw(uow, need.id, ReasonIn(reason="已获得其他融资").reason, OWNER, AT)
    with pytest.raises(TransitionRefused, match="withdrawn; its deals cannot close"):
        deals.close(uow, deal.id, CloseIn(amount="100", **LOAN_TERMS), BANK, AT)

    declined = deals.decline(uow, deal.id, "项目已撤回", OWNER, AT)  # the financed organization may decline
    assert (declined.status, declined.declined_by) == ("declined", "organization")
    assert uow.events[-1].data["declined_by"] == "organization"


def test_ip_pledge_is_sought_only_by_an_organization_the_replica_knows_as_eligible(uow):
    with pytest.raises(TransitionRefused, match="ip_pledge needs") as refused:
        list_need(uow, instruments=("ip_pledge",))
    assert refused.value.field == "instruments"
    replica.contract_registered(uow, {"contract_id": "c-77", "seller_organization_id": ORG})
    assert list_need(uow, instruments=("ip_pledge",)).instruments == ["ip_pledge"]
