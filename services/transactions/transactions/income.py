"""Technical income verification (技术性收入核定): what a seller's filing of the income a registered contract
actually brought must hold, what the registration body may verify, and the filing's state machine. Free of
brokers and databases.

After a contract is registered the seller (an institution user of the selling organization) files the income it
received under it (``IncomeIn``: amount, the period it was received in, an optional note); the registration body
of the contract's region verifies it (``VerifyIn``: the verified amount, which may be less than the filed one,
with a reason, 核减) or returns it with reasons (``IncomeReturnIn``) for the seller to file again:
``filed → verified | returned``, ``returned → filed`` (``INCOME_TRANSITIONS``). The verified technical income of
a contract never exceeds its 技术交易额 (changes included, ``check_within_contract``); it is what reward plans
under article 45 of the Law on Promoting the Transformation of Scientific and Technological Achievements may cite
as the net income (talent replicates ``transactions.contract.income_verified.v1``).
"""
import datetime as dt
from decimal import Decimal
from typing import Annotated

from pydantic import Field, field_validator

from ttp_common.models import StrictModel
from ttp_common.money import Money
from ttp_common.refusals import Conflict, Invalid

from . import states

INCOME_STATUSES = ("filed", "verified", "returned")
INCOME_TRANSITIONS = {  # action: (allowed from, to)
    "verify": ({"filed"}, "verified"),
    "return": ({"filed"}, "returned"),
    "refile": ({"returned"}, "filed"),
}
transition = states.transition


class IncomeIn(StrictModel):
    """The income a registered contract brought its seller in one period (技术性收入申报)."""

    amount: Money = Field(description="实际收到的技术性收入 (元)")
    received_from: dt.date = Field(description="收入期间起 (China's calendar)")
    received_to: dt.date = Field(description="收入期间止 / 到账日期: not after today, not before received_from")
    note: str = Field(default="", max_length=500, description="说明 (never in an event)")

    @field_validator("received_to")
    @classmethod
    def _ordered(cls, value, info):
        start = info.data.get("received_from")
        if start is not None and value < start:
            raise ValueError("received_to must not be before received_from")
        return value


class VerifyIn(StrictModel):
    """The registration body's verification (核定): the amount it accepts, and why when it differs."""

    verified_amount: Money = Field(description="核定金额 (元): at most the filed amount")
    reason: str = Field(default="", max_length=500, description="核减理由: required when the verified amount "
                                                               "differs from the filed one")


class IncomeReturnIn(StrictModel):
    reasons: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=20)


def check_contract_open(status):
    """Income is filed only under a registered contract (not a submitted, returned or cancelled one): 409."""
    if status != "registered":
        raise Conflict(f"income is filed only under a registered contract (this one is {status})",
                       code="not_registered")


def check_period(body, today):
    """The income was received by ``today`` (China's calendar)."""
    if body.received_to > today:
        raise Invalid("income is filed once received: received_to is after today", field="received_to")


def check_within_contract(amount, others, technology_transaction_amount, field="amount"):
    """``amount`` with the contract's other open or verified filings (``others``, their amounts) stays within
    the contract's 技术交易额: technical income is the technology part of what the contract pays."""
    total = Decimal(amount) + sum((Decimal(o) for o in others), Decimal(0))
    if total > Decimal(technology_transaction_amount):
        raise Invalid(f"the contract's filed and verified income ({total}) would exceed its technology "
                      f"transaction amount ({technology_transaction_amount})", field=field)


def check_verification(body, filed_amount):
    """The verified amount is at most the filed one (核减, never more than was filed), and a reduction has a
    reason."""
    if body.verified_amount > Decimal(filed_amount):
        raise Invalid(f"the verified amount must not exceed the filed amount {filed_amount}", field="verified_amount")
    if body.verified_amount != Decimal(filed_amount) and not body.reason:
        raise Invalid("a verified amount below the filed one needs a reason", field="reason")
