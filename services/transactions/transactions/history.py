"""Technology contracts registered before the platform (历史技术合同): what one row of a history import must hold
to be loaded with its original registration number and date. Free of brokers and databases.

A historical registration keeps the 16-digit number the earlier system issued (region + year + serial, the
format ``contracts.registration_number`` draws live), so the number must name the row's region and the year
of its registration date. Only earlier years are imported: this year's numbers are drawn on the platform, and
an imported one could collide with the next live draw. The contract's id derives from its number, so a file
imported twice creates each contract once.
"""
import datetime as dt
import uuid
from typing import Literal

from pydantic import Field, ValidationError, field_validator

from ttp_common.models import StrictModel
from ttp_common.money import Money

from .contracts import CONTRACT_TYPES, check_parties, not_above_contract_amount
from .fields import Id, Region

ID_NAMESPACE = uuid.UUID("6f1d9b52-3c1e-4a8e-9d55-6a3b3f0c2e18")  # contract ids of imported registrations
MAX_ROWS = 500


class HistoricalContractIn(StrictModel):
    """One technology contract registered in an earlier system (form JJ-001), with its original number and date."""

    registration_number: str = Field(pattern=r"^[0-9]{16}$", description="技术合同登记编号 as issued (16 digits)")
    registered_on: dt.date = Field(description="登记日期 (China's calendar): the day it counts in a plan")
    contract_type: Literal[tuple(CONTRACT_TYPES)] = Field(description="合同类型")
    title: str = Field(default="", max_length=200, description="合同名称")
    contract_amount: Money = Field(description="合同金额 (元)")
    technology_transaction_amount: Money = Field(description="技术交易额 (元), at most the contract amount")
    seller_organization_id: Id = Field(description="卖方机构")
    buyer_organization_id: Id | None = Field(default=None, description="买方机构, when known to the platform")
    buyer_name: str = Field(default="", max_length=200, description="买方名称: required without a buyer organization")
    region_code: Region = Field(description="登记地 (GB/T 2260): the number's first six digits")
    programme: int | None = Field(default=None, ge=1, le=15, description="专项 (1-15), when known")

    _not_above_contract_amount = field_validator("technology_transaction_amount")(not_above_contract_amount)


class HistoryIn(StrictModel):
    rows: list[dict] = Field(min_length=1, max_length=MAX_ROWS, description="one historical contract per row")


def contract_id(registration_number):
    """The platform id of an imported registration: the same number always gives the same id."""
    return uuid.uuid5(ID_NAMESPACE, registration_number).hex


def read_row(raw, today):
    """``(row, [])`` for a loadable row (``row``: a ``HistoricalContractIn``), else ``(None, errors)``:
    ``{"path", "message"}`` items naming each offending field."""
    try:
        row = HistoricalContractIn.model_validate(raw)
    except ValidationError as exc:
        return None, [{"path": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
    number, errors = row.registration_number, []
    if number[:6] != row.region_code:
        errors.append({"path": "registration_number", "message": f"must begin with region_code {row.region_code}"})
    if number[6:10] != f"{row.registered_on.year:04d}":
        errors.append({"path": "registration_number",
                       "message": f"must carry the registration year {row.registered_on.year} in digits 7-10"})
    if number[10:] == "000000":
        errors.append({"path": "registration_number", "message": "serial 000000 is never issued"})
    if row.registered_on.year >= today.year:
        errors.append({"path": "registered_on",
                       "message": f"only years before {today.year} are imported; this year's contracts are "
                                  "registered on the platform"})
    parties = check_parties(row.seller_organization_id, row.buyer_organization_id, row.buyer_name)
    if parties:
        errors.append({"path": parties[0], "message": parties[1]})
    return (None, errors) if errors else (row, [])
