"""Listings (挂牌): what may be listed, for how long, and how a listing ends. Free of brokers and databases.

An organization of a published achievement lists it (or one of its patents) with a pricing mode and an asking
price for a period (``ListingIn``); the listing is ``open`` until the seller withdraws it (``withdrawn``) or it
closes (``closed``: sold by an auction, expired, or its achievement withdrawn at the registry). Its proposed
matches are declined then, with the note of ``CLOSED_NOTES``.
"""
import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from ttp_common import clock
from ttp_common.models import StrictModel
from ttp_common.money import Money
from ttp_common.refusals import Invalid, NotAllowed

from .fields import Id

LISTING_MODES = {"transfer": "转让", "licence": "许可", "equity": "作价投资"}
LISTING_MAX_DAYS = 365  # a listing period (挂牌期), given as period_days or as ends_at
LISTING_TRANSITIONS = {
    "withdraw": ({"open"}, "withdrawn"),
    "close": ({"open"}, "closed"),
}
CLOSED_NOTES = {"sold": "挂牌已成交", "expired": "挂牌已到期", "achievement_withdrawn": "成果已被登记机构撤回"}


class ListingIn(StrictModel):
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
            now = clock.now_ms()
            if value <= now:
                raise ValueError("must be in the future")
            if value - now > dt.timedelta(days=LISTING_MAX_DAYS):  # aware arithmetic: no overflow
                raise ValueError(f"a listing lasts at most {LISTING_MAX_DAYS} days")
            value = clock.to_ms(value)
        return value


class WithdrawIn(StrictModel):
    reason: str = Field(min_length=1, max_length=500)


def listing_end(now, period_days, ends_at=None):
    return clock.to_ms(ends_at) if ends_at else now + dt.timedelta(days=period_days)


def check_listable(replica, patent_number):
    """The replica of a published achievement (a document or its raw fields; None when unknown) allows this
    listing (None), or not (field, message)."""
    if replica is None or replica["status"] != "published":
        return "achievement_id", "not a published achievement"
    if patent_number is not None and patent_number not in (replica["patent_numbers"] or []):
        return "patent_number", "not a patent of this achievement"
    return None


def seller_of(organization_ids, principal_org, admin):
    """The seller of a new listing of an achievement of ``organization_ids``: the caller's organization, which
    must be one of them, or for an admin the achievement's first organization."""
    if not admin:
        if principal_org not in organization_ids:
            raise NotAllowed("only an organization of the achievement may list it", field="achievement_id",
                             detail="not an achievement of the caller's organization")
        return principal_org
    if not organization_ids:
        raise Invalid("the achievement names no organization to sell it", field="achievement_id")
    return organization_ids[0]


def closed_note(reason):
    """The note its proposed matches are declined with when a listing closes for ``reason``."""
    return CLOSED_NOTES.get(reason, "挂牌已结束")
