"""Listings (挂牌): what may be listed, for how long, and how a listing ends. Free of brokers and databases.

An organization of a published achievement lists it (or one of its patents) with a pricing mode and an asking
price for a period (``ListingIn``); the listing is ``open`` until the seller withdraws it (``withdrawn``) or it
closes (``closed``: sold by an auction, expired, its achievement withdrawn at the registry, or an IP right it
names lapsed). Its proposed matches are declined then, with the note of ``CLOSED_NOTES``.

A listing may also name the registry's IP rights it trades (知识产权挂牌交易, ``ip_right_ids``) and how
(``transfer_mode``: ``assignment`` 转让 or ``licence`` 许可; by default the one its ``mode`` implies: a transfer or
an equity investment assigns the right, a licence licenses it). Each right must be in this service's replica of
the registry's IP events, held by the listing's seller and not lapsed (``check_ip_rights``). A licence states
its kind (``licence_kind``: exclusive 独占许可, sole 排他许可, non-exclusive 普通许可; ``check_licence_kind``).
"""
import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from ttp_common import clock, links
from ttp_common.models import StrictModel
from ttp_common.money import Money
from ttp_common.refusals import Invalid, NotAllowed

from .fields import Id

LISTING_MODES = {"transfer": "转让", "licence": "许可", "equity": "作价投资"}
TRANSFER_MODES = {"assignment": "转让", "licence": "许可"}  # of the IP rights a listing names
LICENCE_KINDS = {"exclusive": "独占许可", "sole": "排他许可", "non_exclusive": "普通许可"}  # of a licence of them
TRANSFER_MODE_OF = {"transfer": "assignment", "licence": "licence", "equity": "assignment"}
IP_RIGHTS_AT_MOST = 20
LISTING_MAX_DAYS = 365  # a listing period (挂牌期), given as period_days or as ends_at
LISTING_TRANSITIONS = {
    "withdraw": ({"open"}, "withdrawn"),
    "close": ({"open"}, "closed"),
}
CLOSED_NOTES = {"sold": "挂牌已成交", "expired": "挂牌已到期", "achievement_withdrawn": "成果已被登记机构撤回",
                "ip_right_lapsed": "挂牌的知识产权已失效"}


class ListingIn(StrictModel):
    achievement_id: Id = Field(description="A published achievement (科技成果) of the caller's organization")
    patent_number: str | None = Field(default=None, max_length=40, description="One patent of the achievement")
    mode: Literal[tuple(LISTING_MODES)] = Field(description="transfer 转让 · licence 许可 · equity 作价投资")
    asking_price: Money = Field(description="挂牌价 (元)")
    period_days: int = Field(default=30, ge=1, le=LISTING_MAX_DAYS, description="挂牌期 in days (ends_at overrides)")
    ends_at: dt.datetime | None = Field(default=None, description=f"End of the listing period: in the future, at "
                                                                  f"most {LISTING_MAX_DAYS} days ahead (stored in UTC)")
    description: str = Field(default="", max_length=2000)
    ip_right_ids: list[Id] = Field(default_factory=list, max_length=IP_RIGHTS_AT_MOST,
                                   description="The registry's IP rights (知识产权) listed, held by the seller")
    transfer_mode: Literal[tuple(TRANSFER_MODES)] | None = Field(
        default=None, description="How the IP rights pass: assignment 转让 · licence 许可 (default from mode)")
    licence_kind: Literal[tuple(LICENCE_KINDS)] | None = Field(
        default=None, description="The licence's kind when the IP rights are licensed (required then, refused "
                                  "otherwise): exclusive 独占许可 · sole 排他许可 · non_exclusive 普通许可")

    @field_validator("ip_right_ids")
    @classmethod
    def _distinct(cls, value):
        if len(set(value)) != len(value):
            raise ValueError("names an IP right twice")
        return value

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


def transfer_mode_of(mode, ip_right_ids, transfer_mode):
    """How the listed IP rights pass (None without any), or the problem (field, message): a licence listing
    cannot assign them, a transfer cannot merely license them."""
    if not ip_right_ids:
        return (None, None) if transfer_mode is None else (None, ("transfer_mode", "names no IP right (ip_right_ids)"))
    implied = TRANSFER_MODE_OF[mode]
    if transfer_mode is not None and transfer_mode != implied and mode != "equity":
        return None, ("transfer_mode", f"a {mode} listing passes its IP rights by {implied}")
    return transfer_mode or implied, None


def check_licence_kind(transfer_mode, licence_kind):
    """A licence of IP rights states its kind (独占, 排他 or 普通许可) and nothing else does: None, or the problem
    (field, message)."""
    if transfer_mode == "licence" and licence_kind is None:
        return "licence_kind", "required when the IP rights are licensed: exclusive, sole or non_exclusive"
    if transfer_mode != "licence" and licence_kind is not None:
        return "licence_kind", "only a licence of IP rights (transfer_mode licence) has a licence kind"
    return None


def check_ip_rights(ip_right_ids, replicas, seller):
    """Refuse (422 ``unknown_link``, each entry by its path) unless every right is in the replica, held by
    ``seller`` and not lapsed. ``replicas``: ``{id: (status, holder ids)}`` of those the replica holds."""
    statuses = {}
    for right_id in ip_right_ids:
        if right_id in replicas:
            status, holders = replicas[right_id]
            statuses[(links.IP_RIGHT, right_id)] = status if seller in holders else "not_held"
    links.check([("ip_right_ids", links.IP_RIGHT, list(ip_right_ids))], statuses)


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
