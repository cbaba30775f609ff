"""Contract registration rules (技术合同认定登记) and the market's inputs, without any server."""
from decimal import Decimal

import pytest
from pydantic import ValidationError

from transactions.contracts import CONTRACT_TYPES, ContractIn as ContractRegistrationIn, registration_number


def body(**overrides):
    return {"contract_type": "transfer", "contract_amount": "1000000.00",
            "technology_transaction_amount": "800000.00", "seller_organization_id": "org-1",
            "region_code": "510100", **overrides}


def error_paths(exc_info):
    return [".".join(map(str, e["loc"])) for e in exc_info.value.errors()]


def test_the_five_contract_types_of_the_civil_code():
    assert set(CONTRACT_TYPES.values()) == {"技术开发", "技术转让", "技术许可", "技术咨询", "技术服务"}
    for kind in CONTRACT_TYPES:
        assert ContractRegistrationIn(**body(contract_type=kind)).contract_type == kind
    with pytest.raises(ValidationError) as exc:
        ContractRegistrationIn(**body(contract_type="purchase"))
    assert error_paths(exc) == ["contract_type"]


def test_technology_transaction_amount_may_equal_the_contract_amount():
    contract = ContractRegistrationIn(**body(contract_amount="500.00", technology_transaction_amount="500.00"))
    assert contract.technology_transaction_amount == contract.contract_amount == Decimal("500.00")


def test_technology_transaction_amount_above_the_contract_amount_is_rejected_on_that_field():
    with pytest.raises(ValidationError) as exc:
        ContractRegistrationIn(**body(contract_amount="500.00", technology_transaction_amount="500.01"))
    assert error_paths(exc) == ["technology_transaction_amount"]


def test_an_invalid_contract_amount_is_reported_alone():
    with pytest.raises(ValidationError) as exc:
        ContractRegistrationIn(**body(contract_amount="-1"))
    assert error_paths(exc) == ["contract_amount"]


@pytest.mark.parametrize("field", ["contract_amount", "technology_transaction_amount"])
@pytest.mark.parametrize("amount", ["0.001", "100.005", "1e-3"])
def test_amounts_with_more_than_two_decimals_are_rejected(field, amount):
    with pytest.raises(ValidationError) as exc:
        ContractRegistrationIn(**body(**{field: amount}))
    assert field in error_paths(exc)


@pytest.mark.parametrize("amount", ["0", "0.00", "-5.00", "NaN", "Infinity", "1" * 17 + ".00"])
def test_amounts_must_be_positive_finite_and_at_most_18_digits(amount):
    with pytest.raises(ValidationError) as exc:
        ContractRegistrationIn(**body(contract_amount=amount))
    assert "contract_amount" in error_paths(exc)


def test_json_numbers_are_read_exactly():
    text = ('{"contract_type": "service", "contract_amount": 0.3, "technology_transaction_amount": 0.1,'
            ' "seller_organization_id": "o", "region_code": "510700"}')
    contract = ContractRegistrationIn.model_validate_json(text)
    assert contract.contract_amount == Decimal("0.3") and contract.technology_transaction_amount == Decimal("0.1")


@pytest.mark.parametrize("code", ["110100", "510000", "510104"])
def test_region_must_be_a_sichuan_division(code):
    with pytest.raises(ValidationError) as exc:
        ContractRegistrationIn(**body(region_code=code))
    assert error_paths(exc) == ["region_code"]


def test_registration_numbers_are_16_digits_region_year_serial():
    assert registration_number("510100", 2019, 1) == "5101002019000001"
    assert registration_number("513400", 2020, 999_999) == "5134002020999999"
    for number in (registration_number("510100", 2019, 1), registration_number("513400", 2020, 999_999)):
        assert len(number) == 16 and number.isdigit()


@pytest.mark.parametrize("serial", [0, 1_000_000])
def test_a_serial_that_does_not_fit_six_digits_is_refused(serial):
    with pytest.raises(ValueError):
        registration_number("510100", 2020, serial)


# -- state machines and listing rules -------------------------------------------------------

def test_contract_review_transitions():
    from transactions.contracts import CONTRACT_TRANSITIONS, transition
    from ttp_common.refusals import TransitionRefused
    assert transition(CONTRACT_TRANSITIONS, "register", "submitted") == "registered"
    assert transition(CONTRACT_TRANSITIONS, "return", "submitted") == "returned"
    assert transition(CONTRACT_TRANSITIONS, "resubmit", "returned") == "submitted"
    for action, status in (("register", "returned"), ("register", "registered"), ("return", "registered"),
                           ("resubmit", "submitted"), ("resubmit", "registered")):
        with pytest.raises(TransitionRefused):
            transition(CONTRACT_TRANSITIONS, action, status)


def test_only_an_open_demand_is_withdrawn_and_the_refusal_names_the_state():
    from transactions.demands import DEMAND_TRANSITIONS, DemandWithdrawIn
    from transactions.states import transition
    from ttp_common.refusals import TransitionRefused
    assert transition(DEMAND_TRANSITIONS, "withdraw", "open") == "withdrawn"
    with pytest.raises(TransitionRefused, match="withdrawn"):
        transition(DEMAND_TRANSITIONS, "withdraw", "withdrawn")
    assert DemandWithdrawIn().reason is None
    with pytest.raises(ValidationError):
        DemandWithdrawIn(reason="")


def test_only_published_achievements_and_their_own_patents_are_listable():
    from transactions.listings import check_listable
    replica = {"status": "published", "patent_numbers": ["ZL1"]}
    assert check_listable(replica, None) is None
    assert check_listable(replica, "ZL1") is None
    assert check_listable(replica, "ZL2") == ("patent_number", "not a patent of this achievement")
    assert check_listable({**replica, "status": "withdrawn"}, None)[0] == "achievement_id"
    assert check_listable(None, None)[0] == "achievement_id"


def test_listing_input_rejects_a_past_end_and_bad_prices():
    import datetime as dt
    from transactions.listings import ListingIn
    ok = {"achievement_id": "a1", "mode": "licence", "asking_price": "500000.00"}
    assert ListingIn(**ok).period_days == 30
    for change, field in (({"asking_price": "-1"}, "asking_price"), ({"asking_price": "1.001"}, "asking_price"),
                          ({"mode": "sale"}, "mode"), ({"period_days": 0}, "period_days"),
                          ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
                          ({"ends_at": (dt.datetime.now() + dt.timedelta(days=1)).isoformat()}, "ends_at")):
        with pytest.raises(ValidationError) as exc:
            ListingIn.model_validate_json(__import__("json").dumps({**ok, **change}))
        assert error_paths(exc) == [field]


def test_a_contract_needs_a_buyer_other_than_its_seller():
    from transactions.contracts import check_parties
    assert check_parties("org-1", "org-2", "") is None
    assert check_parties("org-1", None, "某某有限公司") is None
    assert check_parties("org-1", None, "")[0] == "buyer_organization_id"
    assert check_parties("org-1", "org-1", "某某有限公司") == ("buyer_organization_id", "the buyer must not be the seller")
