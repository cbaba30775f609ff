"""English auctions (竞价拍卖): validation of a new auction, of each bid, anti-sniping and the result.

An auction is a small state: start price, reserve, increment, [starts_at, ends_at), the current
price and leader, and a version that each accepted bid increments. The service applies a bid
with a compare-and-set on that version, so two concurrent bids can never both be accepted at one
price: the loser re-reads the new state and is checked again by these same rules.
"""
import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from pydantic import Field, field_validator

from ttp_common import clock
from ttp_common.models import StrictModel
from ttp_common.money import Money

from .fields import Id

MAX_LEAD_DAYS = 365  # an auction is set up at most this long before it opens
MAX_DAYS = 90  # and lasts at most this long
STATUSES = ("open", "sold", "unsold", "cancelled")  # cancelled: the achievement was withdrawn


class AuctionIn(StrictModel):
    listing_id: Id = Field(description="An open listing of the caller's organization")
    start_price: Money = Field(description="起拍价 (元)")
    reserve_price: Money | None = Field(default=None, description="保留价 (元): unsold below it")
    increment: Money = Field(description="加价幅度 (元): each bid beats the current price by at least this")
    starts_at: dt.datetime | None = Field(default=None, description=f"default: now; at most {MAX_LEAD_DAYS} days "
                                                                    f"ahead (stored in UTC)")
    ends_at: dt.datetime = Field(description=f"scheduled end: in the future, at most {MAX_DAYS} days after the "
                                             f"start (stored in UTC)")
    extension_seconds: int = Field(default=300, ge=0, le=3600,
                                   description="anti-sniping: a bid this close to the end moves the end this far")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _aware(cls, value):
        if value is not None and value.utcoffset() is None:
            raise ValueError("give a time zone, e.g. 2026-01-01T00:00:00Z")
        return value

    @field_validator("starts_at")
    @classmethod
    def _not_far_ahead(cls, value):
        # Bounded before converting: 9999-12-31T20:00-05:00 overflows in UTC (an OverflowError, a 500).
        if value is not None:
            if value - clock.now_ms() > dt.timedelta(days=MAX_LEAD_DAYS):
                raise ValueError(f"must be at most {MAX_LEAD_DAYS} days ahead")
            value = clock.to_ms(value)
        return value

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, value, info):
        now = clock.now_ms()
        start = info.data.get("starts_at") or now
        if value <= max(start, now):
            raise ValueError("must be after the start and in the future")
        if value - start > dt.timedelta(days=MAX_DAYS):
            raise ValueError(f"an auction lasts at most {MAX_DAYS} days")
        return clock.to_ms(value)  # now bounded: within MAX_LEAD_DAYS + MAX_DAYS of now

    @field_validator("reserve_price")
    @classmethod
    def _reserve_not_below_start(cls, value, info):
        start = info.data.get("start_price")
        if value is not None and start is not None and value < start:
            raise ValueError("must not be below start_price")
        return value


class BidIn(StrictModel):
    amount: Money = Field(description="出价 (元)")


@dataclass(frozen=True)
class AuctionState:
    seller_organization_id: str
    start_price: Decimal
    increment: Decimal
    starts_at: dt.datetime
    ends_at: dt.datetime
    extension_seconds: int
    reserve_price: Decimal | None = None
    status: str = "open"
    current_price: Decimal | None = None
    leader_organization_id: str | None = None
    bids: int = 0
    version: int = 0
    owner_organization_ids: frozenset = frozenset()  # the listed achievement's organizations


class BidRefused(Exception):
    """A bid the rules refuse: ``code`` is the stable error code, ``field`` the offending input."""

    def __init__(self, code, field, message):
        super().__init__(message)
        self.code, self.field, self.message = code, field, message


def minimum_bid(state):
    """The lowest acceptable next bid: the start price, then the current price plus the increment."""
    return state.start_price if state.current_price is None else state.current_price + state.increment


def check_bid(state, bidder_org, amount, now):
    """Raise ``BidRefused`` unless ``bidder_org`` may bid ``amount`` at ``now``."""
    if bidder_org is None:
        raise BidRefused("forbidden", "organization", "bidders act for an organization")
    if bidder_org == state.seller_organization_id:
        raise BidRefused("own_auction", "organization", "the seller may not bid on its own auction")
    if bidder_org in state.owner_organization_ids:
        raise BidRefused("own_auction", "organization",
                         "an organization of the listed achievement may not bid on its auction")
    if state.status != "open":
        raise BidRefused("auction_closed", "auction_id", f"the auction is {state.status}")
    if now < state.starts_at:
        raise BidRefused("auction_not_started", "auction_id", f"bidding opens at {state.starts_at.isoformat()}")
    if now >= state.ends_at:
        raise BidRefused("auction_ended", "auction_id", f"bidding ended at {state.ends_at.isoformat()}")
    least = minimum_bid(state)
    if amount < least:
        raise BidRefused("bid_too_low", "amount", f"must be at least {least}")


def apply_bid(state, bidder_org, amount, now):
    """The state after an accepted bid: new price and leader, the end moved out of the sniping window."""
    check_bid(state, bidder_org, amount, now)
    ends_at = state.ends_at
    window = dt.timedelta(seconds=state.extension_seconds)
    if window and ends_at - now < window:
        ends_at = now + window
    return replace(state, current_price=amount, leader_organization_id=bidder_org, bids=state.bids + 1,
                   ends_at=ends_at, version=state.version + 1)


def is_due(state, now):
    return state.status == "open" and now >= state.ends_at


def outcome(state):
    """(status, winner, price) once bidding ended: sold to the leader, or unsold (no bid, under the reserve)."""
    if state.current_price is None:
        return "unsold", None, None
    if state.reserve_price is not None and state.current_price < state.reserve_price:
        return "unsold", None, None
    return "sold", state.leader_organization_id, state.current_price
