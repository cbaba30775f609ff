"""The contract handlers over a fake unit of work: what a submission, a return, a resubmission and a registration
store and announce, and what they refuse, without any server."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Invalid, NotAllowed, NotFound, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from transactions.contracts import ContractIn
from transactions.documents import AchievementReplica, Auction, Contract, Listing
from transactions.handlers import contracts as handlers

SELLER, BUYER = "org-seller", "org-buyer"
SELLER_STAFF = Principal(sub="seller-1", role=Roles.INSTITUTION, org=SELLER)
MIANYANG_REGISTRAR = Principal(sub="registrar-1", role=Roles.REGISTRAR, region="510700")
CHENGDU_REGISTRAR = Principal(sub="registrar-2", role=Roles.REGISTRAR, region="510100")
ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def body(**fields):
    return ContractIn(**{"contract_type": "licence", "title": "石墨烯导热膜技术许可", "contract_amount": "1200000.50",
                         "technology_transaction_amount": "1000000.25", "seller_organization_id": SELLER,
                         "buyer_organization_id": BUYER, "region_code": "510700", **fields})


@pytest.fixture
def uow():
    return FakeUnitOfWork(AchievementReplica, Listing, Auction, Contract, service="transactions")


def replica(uow, status="published", **fields):
    return uow.insert(AchievementReplica(id="ach-1", status=status, title="石墨烯导热膜", trl=6, region_code="510700",
                                         programme=3, organization_ids=[SELLER], **fields))


def test_a_submission_stores_a_submitted_contract_and_announces_it(uow):
    contract = handlers.submit(uow, body(), SELLER_STAFF, AT)

    stored = uow.get(Contract, contract.id)
    assert (stored.status, stored.submitted_by, stored.submitted_by_organization_id) == (
        "submitted", "seller-1", SELLER)
    assert stored.technology_transaction_amount == Decimal("1000000.25") and stored.registration_number is None
    [event] = uow.events
    assert (event.name, event.subject) == ("transactions.contract.submitted.v1", contract.id)
    assert event.data["resubmission"] is False and event.data["buyer_organization_id"] == BUYER
    assert event.data["contract_amount"] == Decimal("1200000.50")


def test_only_a_party_submits_and_the_refusal_names_the_seller_field(uow):
    with pytest.raises(NotAllowed) as refused:
        handlers.submit(uow, body(), Principal(sub="x", role=Roles.INSTITUTION, org="org-stranger"), AT)
    assert refused.value.field == "seller_organization_id"
    assert uow.count(Contract) == 0 and uow.events == []


def test_the_buyer_comes_from_the_sold_auction_and_must_be_its_winner(uow):
    uow.insert(Auction(id="auc-1", listing_id="lst-1", achievement_id="ach-1", seller_organization_id=SELLER,
                       start_price="1.00", increment="1.00", starts_at=AT, ends_at=AT, extension_seconds=0,
                       status="sold", leader_organization_id=BUYER, current_price="2.00", created_at=AT,
                       created_by="seller-1"))
    uow.insert(Listing(id="lst-1", achievement_id="ach-1", seller_organization_id=SELLER, mode="transfer",
                       asking_price="2.00", status="closed", close_reason="sold", title="石墨烯导热膜", trl=6,
                       region_code="510700", opened_at=AT, ends_at=AT, created_by="seller-1"))
    replica(uow, status="withdrawn")  # withdrawn at the registry after the sale: the sale still registers

    contract = handlers.submit(uow, body(buyer_organization_id=None, auction_id="auc-1"), SELLER_STAFF, AT)
    assert (contract.buyer_organization_id, contract.listing_id, contract.achievement_id, contract.programme) == (
        BUYER, "lst-1", "ach-1", 3)
    with pytest.raises(Invalid) as refused:
        handlers.submit(uow, body(buyer_organization_id="org-other", auction_id="auc-1"), SELLER_STAFF, AT)
    assert refused.value.field == "buyer_organization_id"


@pytest.mark.parametrize("fields, field", [
    ({"auction_id": "no-such-auction"}, "auction_id"),
    ({"listing_id": "no-such-listing"}, "listing_id"),
    ({"achievement_id": "ach-1"}, "achievement_id"),  # withdrawn, and no sale named
    ({"buyer_organization_id": None}, "buyer_organization_id"),
    ({"buyer_organization_id": SELLER}, "buyer_organization_id"),
])
def test_an_origin_or_parties_the_market_does_not_know_are_refused_on_their_field(uow, fields, field):
    replica(uow, status="withdrawn")
    with pytest.raises(Invalid) as refused:
        handlers.submit(uow, body(**fields), SELLER_STAFF, AT)
    assert refused.value.field == field
    assert uow.count(Contract) == 0


def test_registration_numbers_the_contract_by_region_year_and_serial_and_announces_it(uow):
    first, second = (handlers.submit(uow, body(), SELLER_STAFF, AT) for _ in range(2))
    other_region = handlers.submit(uow, body(region_code="510100"), SELLER_STAFF, AT)

    registered = handlers.register(uow, first.id, MIANYANG_REGISTRAR, AT)
    assert registered.registration_number == "5107002026000001"
    assert handlers.register(uow, second.id, ADMIN, AT).registration_number == "5107002026000002"
    assert handlers.register(uow, other_region.id, ADMIN, AT).registration_number == "5101002026000001"

    stored = uow.get(Contract, first.id)
    assert (stored.status, stored.registered_by, stored.registered_at) == ("registered", "registrar-1", AT)
    event = uow.events[3]
    assert (event.name, event.subject) == ("transactions.contract.registered.v1", first.id)
    assert event.data["registration_number"] == "5107002026000001"
    assert event.data["technology_transaction_amount"] == Decimal("1000000.25")
    assert event.data["broker_person_ids"] == [] and event.data["programme"] is None
    assert event.data["effective_date"] == dt.date(2026, 12, 1)

    with pytest.raises(TransitionRefused, match="cannot register when registered"):
        handlers.register(uow, first.id, ADMIN, AT)


def test_a_contract_registered_on_chinas_new_years_day_takes_that_date_and_year(uow):
    """17:00 UTC on 31 December is 1 January in China: the registration date and the number's year are 2027's."""
    contract = handlers.submit(uow, body(), SELLER_STAFF, AT)
    registered = handlers.register(uow, contract.id, MIANYANG_REGISTRAR,
                                   dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.timezone.utc))
    assert registered.registration_number == "5107002027000001"
    assert uow.events[-1].data["effective_date"] == dt.date(2027, 1, 1)


def test_a_registrar_reviews_only_contracts_of_their_region(uow):
    contract = handlers.submit(uow, body(), SELLER_STAFF, AT)
    with pytest.raises(Forbidden):
        handlers.register(uow, contract.id, CHENGDU_REGISTRAR, AT)
    with pytest.raises(Forbidden):
        handlers.return_contract(uow, contract.id, ["金额有误"], CHENGDU_REGISTRAR, AT)
    assert uow.get(Contract, contract.id).status == "submitted"
    with pytest.raises(NotFound, match="no such contract"):
        handlers.register(uow, "missing", ADMIN, AT)


def test_a_returned_contract_is_corrected_resubmitted_and_registered(uow):
    contract = handlers.submit(uow, body(), SELLER_STAFF, AT)
    returned = handlers.return_contract(uow, contract.id, ["技术交易额核定有误"], MIANYANG_REGISTRAR, AT)
    assert (returned.status, returned.return_reasons) == ("returned", ["技术交易额核定有误"])
    with pytest.raises(TransitionRefused):
        handlers.register(uow, contract.id, MIANYANG_REGISTRAR, AT)

    later = AT + dt.timedelta(days=1)
    again = handlers.resubmit(uow, contract.id, body(technology_transaction_amount="900000.00"), SELLER_STAFF, later)
    assert (again.status, again.submitted_at, again.technology_transaction_amount) == (
        "submitted", later, Decimal("900000.00"))
    registered = handlers.register(uow, contract.id, MIANYANG_REGISTRAR, later)
    assert registered.return_reasons == [] and registered.registration_number.startswith("5107002026")
    assert [e.name.split(".")[-2] for e in uow.events] == ["submitted", "returned", "submitted", "registered"]
    assert uow.events[2].data["resubmission"] is True


def test_only_a_party_resubmits_and_a_stranger_does_not_see_the_contract(uow):
    contract = handlers.submit(uow, body(), SELLER_STAFF, AT)
    handlers.return_contract(uow, contract.id, ["缺少附件"], ADMIN, AT)
    with pytest.raises(NotFound):
        handlers.resubmit(uow, contract.id, body(), Principal(sub="x", role=Roles.INSTITUTION, org="org-x"), AT)
    assert not handlers.visible_to(CHENGDU_REGISTRAR, contract) and handlers.visible_to(MIANYANG_REGISTRAR, contract)


def test_the_turnover_sums_registered_contracts_exactly_by_region(uow):
    for region, amount in (("510700", "0.10"), ("510700", "0.20"), ("510100", "5.00")):
        contract = handlers.submit(uow, body(region_code=region, contract_amount=amount,
                                             technology_transaction_amount=amount), SELLER_STAFF, AT)
        handlers.register(uow, contract.id, ADMIN, AT)
    handlers.submit(uow, body(), SELLER_STAFF, AT)  # not registered
    assert handlers.turnover(uow, "510700") == {"region_code": "510700", "contracts": 2,
                                                "contract_amount": Decimal("0.30"),
                                                "technology_transaction_amount": Decimal("0.30")}
    assert handlers.turnover(uow)["contracts"] == 3 and handlers.turnover(uow)["region_code"] == "510000"
