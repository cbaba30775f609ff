"""Transactions domain rules (contract registration, 技术合同认定登记)."""
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ttp_common.reference import RegionCode

CONTRACT_TYPES = {
    "development": "技术开发",
    "transfer": "技术转让",
    "licence": "技术许可",
    "consulting": "技术咨询",
    "service": "技术服务",
}


class ContractRegistrationIn(BaseModel):
    """A technology contract registered by a registration body (skeleton; the full flow is issue 4)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    contract_type: Literal[tuple(CONTRACT_TYPES)] = Field(description="合同类型")
    contract_amount: Decimal = Field(gt=0, max_digits=18, decimal_places=2, description="合同金额 (元)")
    technology_transaction_amount: Decimal = Field(
        gt=0, max_digits=18, decimal_places=2, description="技术交易额 (元), at most the contract amount")
    seller_organization_id: str = Field(min_length=1, max_length=64)
    region_code: RegionCode

    # Field validators (not a model validator) so that a 400 names the offending field.
    @field_validator("technology_transaction_amount")
    @classmethod
    def _not_above_contract_amount(cls, value, info):
        contract_amount = info.data.get("contract_amount")  # absent when it was itself invalid
        if contract_amount is not None and value > contract_amount:
            raise ValueError("technology_transaction_amount must not exceed contract_amount")
        return value



def registration_number(region_code, year, serial):
    """16 digits: region (6) + year (4) + serial (6), as on form JJ-001 registrations."""
    if not 1 <= serial <= 999_999:  # a 7-digit serial would silently make a 17-digit number
        raise ValueError(f"serial {serial} does not fit the 6 digits of a registration number")
    return f"{region_code}{year:04d}{serial:06d}"
