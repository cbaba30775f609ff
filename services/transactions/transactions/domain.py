"""Transactions domain rules (contract registration, 技术合同认定登记)."""
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ttp_common.reference import SICHUAN_REGIONS

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
    region_code: str = Field(description="the seller's division (GB/T 2260)")

    @model_validator(mode="after")
    def _amounts_and_region(self):
        if self.technology_transaction_amount > self.contract_amount:
            raise ValueError("technology_transaction_amount must not exceed contract_amount")
        if self.region_code not in SICHUAN_REGIONS:
            raise ValueError("region_code is not one of Sichuan's 21 division codes")
        return self


def registration_number(region_code, year, serial):
    """16 digits: region (6) + year (4) + serial (6), as on form JJ-001 registrations."""
    return f"{region_code}{year:04d}{serial:06d}"
