"""Transactions domain rules: the market's inputs, state machines and technology contracts
(技术合同认定登记). Plain Python: no broker, no database."""
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from ttp_common.reference import SICHUAN_REGIONS, RegionCode

CONTRACT_TYPES = {
    "development": "技术开发",
    "transfer": "技术转让",
    "licence": "技术许可",
    "consulting": "技术咨询",
    "service": "技术服务",
}
LISTING_MODES = {"transfer": "转让", "licence": "许可", "equity": "作价投资"}
CENT = Decimal("0.01")

# Yuan, exact: strings or JSON numbers in (read exactly), at most 2 decimals and 18 digits. The document
# states it too (pydantic would only say "a number or any string"): a positive decimal string of at most 16
# digits before the point and 2 after, or a positive JSON number with at most 2 decimals.
MONEY_PATTERN = r"^([1-9][0-9]{0,15}(\.[0-9]{1,2})?|0\.([1-9][0-9]?|0[1-9]))$"
Money = Annotated[Decimal, Field(gt=0, max_digits=18, decimal_places=2, description="元, a decimal string"),
                  WithJsonSchema({"anyOf": [{"type": "string", "pattern": MONEY_PATTERN},
                                            {"type": "number", "exclusiveMinimum": 0, "maximum": 9999999999999998}]},
                                 mode="validation")]
Keyword = Annotated[str, Field(min_length=1, max_length=30)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
# RegionCode, with its 21 codes listed in the OpenAPI document (clients and fuzzers see the constraint).
Region = Annotated[RegionCode, Field(json_schema_extra={"enum": sorted(SICHUAN_REGIONS)})]


LISTING_MAX_DAYS = 365  # a listing period (挂牌期), given as period_days or as ends_at


def utc_ms(value):
    """An aware datetime in UTC, to MongoDB's millisecond precision (so a 201 body equals a later GET).

    Call it only on a datetime already checked to lie near now: converting, say, 9999-12-31T23:00-01:00
    to UTC overflows (an OverflowError, not a ValueError, so not a 400 by itself)."""
    value = value.astimezone(dt.timezone.utc)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def cents(value):
    """``value`` rounded to fen (2 places): what amounts are stored and published with."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


class TransitionRefused(Exception):
    """The aggregate is not in a state that allows this (a 409)."""


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- contracts (技术合同认定登记) ---------------------------------------------------------

class ContractIn(_In):
    """A technology contract submitted for recognition and registration by one of its parties."""

    contract_type: Literal[tuple(CONTRACT_TYPES)] = Field(description="合同类型")
    title: str = Field(default="", max_length=200, description="合同名称")
    contract_amount: Money = Field(description="合同金额 (元)")
    technology_transaction_amount: Money = Field(description="技术交易额 (元), at most the contract amount")
    seller_organization_id: Id = Field(description="卖方机构")
    buyer_organization_id: Id | None = Field(default=None, description="买方机构, when known to the platform "
                                                                       "(not the seller; taken from auction_id)")
    buyer_name: str = Field(default="", max_length=200, description="买方名称: required without a buyer "
                                                                    "organization")
    region_code: Region = Field(description="登记地: the seller's division (GB/T 2260)")
    listing_id: Id | None = Field(default=None, description="挂牌 the contract came from")
    auction_id: Id | None = Field(default=None, description="竞价拍卖 the contract came from")
    achievement_id: Id | None = Field(default=None, description="科技成果 the contract is about")
    broker_person_ids: list[Id] = Field(default=[], max_length=20, description="技术经纪人 (talent person ids)")

    # Field validators (not a model validator) so that a 400 names the offending field.
    @field_validator("technology_transaction_amount")
    @classmethod
    def _not_above_contract_amount(cls, value, info):
        contract_amount = info.data.get("contract_amount")  # absent when it was itself invalid
        if contract_amount is not None and value > contract_amount:
            raise ValueError("technology_transaction_amount must not exceed contract_amount")
        return value

    @field_validator("broker_person_ids")
    @classmethod
    def _distinct(cls, value):
        if len(set(value)) != len(value):
            raise ValueError("broker ids must be distinct")
        return value




def check_parties(seller_organization_id, buyer_organization_id, buyer_name):
    """The contract's parties are acceptable (None) or not (field, message): a buyer is named
    (an organization of the platform or by name) and it is not the seller."""
    if not buyer_organization_id and not buyer_name:
        return "buyer_organization_id", "a contract needs a buyer: give buyer_organization_id or buyer_name"
    if buyer_organization_id == seller_organization_id:
        return "buyer_organization_id", "the buyer must not be the seller"
    return None


class ReturnIn(_In):
    reasons: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=20)


CONTRACT_TRANSITIONS = {  # action: (allowed from, to)
    "register": ({"submitted"}, "registered"),
    "return": ({"submitted"}, "returned"),
    "resubmit": ({"returned"}, "submitted"),
}


def transition(table, action, status):
    allowed, target = table[action]
    if status not in allowed:
        raise TransitionRefused(f"cannot {action} when {status}")
    return target


def registration_number(region_code, year, serial):
    """16 digits: region (6) + year (4) + serial (6), as on form JJ-001 registrations."""
    if not 1 <= serial <= 999_999:  # a 7-digit serial would silently make a 17-digit number
        raise ValueError(f"serial {serial} does not fit the 6 digits of a registration number")
    return f"{region_code}{year:04d}{serial:06d}"


# -- listings (挂牌) ------------------------------------------------------------------

class ListingIn(_In):
    achievement_id: Id = Field(description="A published achievement (科技成果) of the caller's organization")
    patent_number: str | None = Field(default=None, max_length=40, description="One patent of the achievement")
    mode: Literal[tuple(LISTING_MODES)] = Field(description="transfer 转让 · licence 许可 · equity 作价投资")
    asking_price: Money = Field(description="挂牌价 (元)")
    period_days: int = Field(default=30, ge=1, le=LISTING_MAX_DAYS, description="挂牌期 in days (ends_at overrides)")
    ends_at: dt.datetime | None = Field(default=None, description=f"End of the listing period: in the future, at "
                                                                  f"most {LISTING_MAX_DAYS} days ahead (stored in UTC)")
    description: str = Field(default="", max_length=2000)

    @field_validator("ends_at")
    @classmethod
    def _aware_future(cls, value):
        if value is not None:
            if value.utcoffset() is None:
                raise ValueError("give a time zone, e.g. 2026-01-01T00:00:00Z")
            now = dt.datetime.now(dt.timezone.utc)
            if value <= now:
                raise ValueError("must be in the future")
            if value - now > dt.timedelta(days=LISTING_MAX_DAYS):  # aware arithmetic: no overflow
                raise ValueError(f"a listing lasts at most {LISTING_MAX_DAYS} days")
            value = utc_ms(value)
        return value


class WithdrawIn(_In):
    reason: str = Field(min_length=1, max_length=500)


def listing_end(now, period_days, ends_at=None):
    return utc_ms(ends_at) if ends_at else now + dt.timedelta(days=period_days)


def check_listable(replica, patent_number):
    """The replica of a published achievement allows this listing (field, message) or None."""
    if replica is None or replica.get("status") != "published":
        return "achievement_id", "not a published achievement"
    if patent_number is not None and patent_number not in replica.get("patent_numbers", []):
        return "patent_number", "not a patent of this achievement"
    return None


LISTING_TRANSITIONS = {
    "withdraw": ({"open"}, "withdrawn"),
    "close": ({"open"}, "closed"),
}


# -- demands (需求) --------------------------------------------------------------------

class DemandIn(_In):
    title: str = Field(min_length=1, max_length=200, description="需求名称")
    problem: str = Field(min_length=1, max_length=4000, description="技术难题")
    keywords: list[Keyword] = Field(min_length=1, max_length=8)
    programme: int | None = Field(default=None, ge=1, le=15, description="专项 (1–15)")
    region_code: Region
    budget: Money | None = Field(default=None, description="预算 (元)")
    min_trl: int = Field(default=1, ge=1, le=9, description="lowest acceptable maturity (TRL)")
    deadline: dt.date = Field(description="截止日期")

    @field_validator("deadline")
    @classmethod
    def _not_past(cls, value):
        if value < dt.datetime.now(dt.timezone.utc).date():
            raise ValueError("must not be in the past")
        return value


class DemandWithdrawIn(_In):
    reason: str | None = Field(default=None, min_length=1, max_length=500, description="撤回原因 (optional)")


DEMAND_TRANSITIONS = {
    "withdraw": ({"open"}, "withdrawn"),
}


# -- matches (供需对接) ------------------------------------------------------------------

class MatchIn(_In):
    demand_id: Id
    listing_id: Id
    note: str = Field(default="", max_length=1000)


class DecisionIn(_In):
    note: str = Field(default="", max_length=1000)


MATCH_STATUSES = ("proposed", "accepted", "declined")
MATCH_TRANSITIONS = {
    "accept": ({"proposed"}, "accepted"),
    "decline": ({"proposed"}, "declined"),
}


# -- consulting (咨询辅导) ---------------------------------------------------------------

class ConsultationIn(_In):
    institution_organization_id: Id = Field(description="the service institution asked")
    topic: str = Field(min_length=1, max_length=200)
    question: str = Field(min_length=1, max_length=4000)


class AnswerIn(_In):
    answer: str = Field(min_length=1, max_length=8000)
