"""A bid from the auction's page: the amount the form is prefilled with, and the transactions API's refusal of a bid
put beside the amount in Chinese. The API decides whether a bid stands; this only prefills and translates."""
from decimal import Decimal, InvalidOperation

from ttp_common import labels

from . import drafts


def minimum_bid(auction):
    """The lowest next bid the auction accepts (the start price, then the current price plus the increment), as
    the API states its rule (``bid_too_low``); a string in yuan, or "" when the auction's figures are not numbers."""
    try:
        current = auction.get("current_price")
        least = Decimal(str(auction["start_price"])) if current in (None, "") else \
            Decimal(str(current)) + Decimal(str(auction["increment"]))
    except (KeyError, InvalidOperation, TypeError):
        return ""
    return f"{least:.2f}"


def bid_error(refusal, minimum):
    """The Chinese sentence for the API's refusal of a bid (its code; the minimum of the moment for a bid too low);
    an unknown code shows the API's own message rather than nothing."""
    text = labels.BID_REFUSALS.get(refusal.code)
    if text is None:
        return drafts.chinese(refusal.message) or refusal.code
    if refusal.code == "bid_too_low" and minimum:
        return f"{text}（最低 ¥{Decimal(minimum):,.2f}）"
    return text
