"""Contract registration rules (技术合同认定登记), without any server."""
from decimal import Decimal

import pytest
from pydantic import ValidationError

from transactions.domain import CONTRACT_TYPES, ContractRegistrationIn, registration_number


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
