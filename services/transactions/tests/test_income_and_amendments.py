"""Technical income verification (技术性收入核定) and contract changes and cancellations (变更, 注销) over a fake unit
of work: the rules, what each step stores and announces, and what it refuses."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, Invalid, NotFound, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from transactions.amendments import CancelIn, ChangeIn
from transactions.documents import AchievementReplica, Auction, Contract, IncomeFiling, Listing
from transactions.handlers import amendments, contracts as contract_handlers, income
from transactions.income import IncomeIn, IncomeReturnIn, VerifyIn

from transactions.contracts import ContractIn

SELLER = "org-seller"
SELLER_STAFF = Principal(sub="seller-1", role=Roles.INSTITUTION, org=SELLER)
MIANYANG_REGISTRAR = Principal(sub="registrar-1", role=Roles.REGISTRAR, region="510700")
CHENGDU_REGISTRAR = Principal(sub="registrar-2", role=Roles.REGISTRAR, region="510100")
ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)


def body(**fields):
    return ContractIn(**{"contract_type": "licence", "title": "石墨烯导热膜技术许可", "contract_amount": "1200000.50",
                         "technology_transaction_amount": "1000000.25", "seller_organization_id": SELLER,
                         "buyer_organization_id": "org-buyer", "region_code": "510700", **fields})
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
LATER = AT + dt.timedelta(days=20)
BUYER_STAFF = Principal(sub="buyer-1", role=Roles.INSTITUTION, org="org-buyer")


@pytest.fixture
def uow():
    return FakeUnitOfWork(AchievementReplica, Listing, Auction, Contract, IncomeFiling, service="transactions")


@pytest.fixture
def contract(uow):
    submitted = contract_handlers.submit(uow, body(), SELLER_STAFF, AT)
    return contract_handlers.register(uow, submitted.id, MIANYANG_REGISTRAR, AT)


def filing(amount="300000.00", **fields):
    return IncomeIn(**{"amount": amount, "received_from": "2026-11-01", "received_to": "2026-11-30", "note": "首期款",
                       **fields})


def names(uow):
    return [e.name.rsplit(".", 2)[-2] for e in uow.events]


# -- income ------------------------------------------------------------------------------------

def test_the_seller_files_income_and_the_registrar_verifies_less_with_a_reason(uow, contract):
    filed = income.file(uow, contract.id, filing(), SELLER_STAFF, LATER)
    verified = income.verify(uow, filed.id, VerifyIn(verified_amount="250000.00", reason="含设备款 5 万元"),
                             MIANYANG_REGISTRAR, LATER)

    assert verified.status == "verified" and verified.verified_amount == Decimal("250000.00")
    assert uow.get(Contract, contract.id).verified_income == Decimal("250000.00")
    filed_event, verified_event = uow.events[-2:]
    assert filed_event.name == "transactions.contract.income_filed.v1" and "note" not in filed_event.data
    assert filed_event.data["received_to"] == dt.date(2026, 11, 30)
    assert verified_event.name == "transactions.contract.income_verified.v1"
    assert verified_event.subject == contract.id and verified_event.data["adjusted"] is True
    assert verified_event.data["effective_date"] == dt.date(2026, 12, 21)
    assert verified_event.data["contract_verified_income"] == Decimal("250000.00")


def test_a_reduction_needs_a_reason_and_never_exceeds_the_filed_amount(uow, contract):
    filed = income.file(uow, contract.id, filing(), SELLER_STAFF, LATER)
    with pytest.raises(Invalid) as refused:
        income.verify(uow, filed.id, VerifyIn(verified_amount="250000.00"), MIANYANG_REGISTRAR, LATER)
    assert refused.value.field == "reason"
    with pytest.raises(Invalid) as refused:
        income.verify(uow, filed.id, VerifyIn(verified_amount="300000.01", reason="x"), MIANYANG_REGISTRAR, LATER)
    assert refused.value.field == "verified_amount"


def test_filed_income_stays_within_the_technology_transaction_amount(uow, contract):
    income.file(uow, contract.id, filing("900000.00"), SELLER_STAFF, LATER)
    with pytest.raises(Invalid) as refused:
        income.file(uow, contract.id, filing("100000.26"), SELLER_STAFF, LATER)  # 1,000,000.25 at most
    assert refused.value.field == "amount"
    income.file(uow, contract.id, filing("100000.25"), SELLER_STAFF, LATER)


def test_a_change_lowering_the_technology_amount_after_a_filing_caps_its_verification(uow, contract):
    filed = income.file(uow, contract.id, filing("900000.00"), SELLER_STAFF, LATER)
    amendments.change(uow, contract.id, change(technology_transaction_amount="800000.00"), MIANYANG_REGISTRAR, LATER)
    with pytest.raises(Invalid) as refused:
        income.verify(uow, filed.id, VerifyIn(verified_amount="900000.00"), MIANYANG_REGISTRAR, LATER)
    assert refused.value.field == "verified_amount"
    income.verify(uow, filed.id, VerifyIn(verified_amount="800000.00", reason="合同变更后技术交易额为 80 万元"),
                  MIANYANG_REGISTRAR, LATER)


def test_only_the_seller_files_income_received_by_today_under_a_registered_contract(uow, contract):
    with pytest.raises(NotFound):
        income.file(uow, contract.id, filing(), BUYER_STAFF, LATER)
    with pytest.raises(Invalid) as refused:
        income.file(uow, contract.id, filing(received_to="2026-12-31"), SELLER_STAFF, LATER)
    assert refused.value.field == "received_to"
    submitted = contract_handlers.submit(uow, body(), SELLER_STAFF, AT)
    with pytest.raises(Conflict) as refused:
        income.file(uow, submitted.id, filing(), SELLER_STAFF, LATER)
    assert refused.value.code == "not_registered"
    with pytest.raises(ValueError):
        filing(received_from="2026-12-01", received_to="2026-11-30")


def test_a_returned_filing_is_filed_again_and_only_the_regions_registrar_decides(uow, contract):
    filed = income.file(uow, contract.id, filing(), SELLER_STAFF, LATER)
    with pytest.raises(Forbidden):
        income.verify(uow, filed.id, VerifyIn(verified_amount="300000.00"), CHENGDU_REGISTRAR, LATER)
    income.return_filing(uow, filed.id, IncomeReturnIn(reasons=["缺少到账凭证"]).reasons, MIANYANG_REGISTRAR, LATER)
    with pytest.raises(TransitionRefused):
        income.verify(uow, filed.id, VerifyIn(verified_amount="300000.00"), MIANYANG_REGISTRAR, LATER)
    again = income.refile(uow, filed.id, filing("280000.00"), SELLER_STAFF, LATER)
    assert again.status == "filed" and again.return_reasons == []
    income.verify(uow, filed.id, VerifyIn(verified_amount="280000.00"), ADMIN, LATER)
    assert names(uow)[-4:] == ["income_filed", "income_returned", "income_filed", "income_verified"]
    assert uow.events[-1].data["adjusted"] is False


# -- changes and cancellations -------------------------------------------------------------------

def change(**fields):
    return ChangeIn(**{"effective_date": "2026-12-10", "request_reference": "变更申请 2026-001",
                       "reason": "补充协议增加开发内容", **fields})


def test_a_change_carries_its_differences_and_the_registration_date(uow, contract):
    changed = amendments.change(uow, contract.id, change(technology_transaction_amount="1100000.25",
                                                         contract_amount="1300000.50"), MIANYANG_REGISTRAR, LATER)

    assert changed.status == "registered" and changed.technology_transaction_amount == Decimal("1100000.25")
    [record] = changed.changes
    assert record["fields"]["contract_amount"] == {"old": "1200000.50", "new": "1300000.50"}
    event = uow.events[-1]
    assert event.name == "transactions.contract.changed.v1"
    assert event.data["technology_transaction_amount_delta"] == Decimal("100000.00")
    assert event.data["contract_amount_delta"] == Decimal("100000.00")
    assert (event.data["registration_date"], event.data["effective_date"]) == (dt.date(2026, 12, 1),
                                                                               dt.date(2026, 12, 10))
    assert event.data["contract_type"] == "licence" and event.data["region_code"] == "510700"


def test_a_change_must_change_something_within_the_contracts_rules(uow, contract):
    with pytest.raises(Invalid):
        amendments.change(uow, contract.id, change(contract_amount="1200000.50"), MIANYANG_REGISTRAR, LATER)
    with pytest.raises(Invalid) as refused:
        amendments.change(uow, contract.id, change(contract_amount="900000.00"), MIANYANG_REGISTRAR, LATER)
    assert refused.value.field == "technology_transaction_amount"
    with pytest.raises(Invalid) as refused:
        amendments.change(uow, contract.id, change(buyer_organization_id=SELLER), MIANYANG_REGISTRAR, LATER)
    assert refused.value.field == "buyer_organization_id"
    for day in ("2026-11-30", "2026-12-22"):  # before the registration, after today
        with pytest.raises(Invalid) as refused:
            amendments.change(uow, contract.id, change(effective_date=day, contract_amount="1250000.00"),
                              MIANYANG_REGISTRAR, LATER)
        assert refused.value.field == "effective_date"


def test_a_change_never_goes_below_the_verified_income(uow, contract):
    filed = income.file(uow, contract.id, filing("800000.00"), SELLER_STAFF, LATER)
    income.verify(uow, filed.id, VerifyIn(verified_amount="800000.00"), MIANYANG_REGISTRAR, LATER)
    with pytest.raises(Invalid) as refused:
        amendments.change(uow, contract.id, change(technology_transaction_amount="700000.00"), MIANYANG_REGISTRAR,
                          LATER)
    assert refused.value.field == "technology_transaction_amount"


def test_a_cancellation_takes_the_amounts_in_force_out_and_ends_the_contract(uow, contract):
    amendments.change(uow, contract.id, change(technology_transaction_amount="900000.00"), MIANYANG_REGISTRAR, LATER)
    with pytest.raises(Invalid) as refused:  # before the last change
        amendments.cancel(uow, contract.id, CancelIn(effective_date="2026-12-05", request_reference="注销 1",
                                                     reason="合同解除"), MIANYANG_REGISTRAR, LATER)
    assert refused.value.field == "effective_date"
    cancelled = amendments.cancel(uow, contract.id, CancelIn(effective_date="2026-12-15", request_reference="注销 1",
                                                             reason="合同解除"), MIANYANG_REGISTRAR, LATER)

    assert cancelled.status == "cancelled" and cancelled.cancellation["effective_date"] == "2026-12-15"
    event = uow.events[-1]
    assert event.name == "transactions.contract.cancelled.v1"
    assert event.data["technology_transaction_amount"] == Decimal("900000.00")
    assert event.data["broker_person_ids"] == [] and event.data["registration_date"] == dt.date(2026, 12, 1)
    assert contract_handlers.turnover(uow)["contracts"] == 0
    with pytest.raises(TransitionRefused):
        amendments.cancel(uow, contract.id, CancelIn(effective_date="2026-12-15", request_reference="注销 1",
                                                     reason="合同解除"), MIANYANG_REGISTRAR, LATER)
    with pytest.raises(Conflict):
        income.file(uow, contract.id, filing(), SELLER_STAFF, LATER)


def test_only_the_regions_registrar_amends_and_only_registered_contracts(uow, contract):
    with pytest.raises(Forbidden):
        amendments.change(uow, contract.id, change(contract_amount="1250000.00"), CHENGDU_REGISTRAR, LATER)
    submitted = contract_handlers.submit(uow, body(), SELLER_STAFF, AT)
    with pytest.raises(TransitionRefused):
        amendments.change(uow, submitted.id, change(contract_amount="1250000.00"), MIANYANG_REGISTRAR, LATER)
