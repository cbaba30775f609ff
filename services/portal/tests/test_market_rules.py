"""The market forms' own rules, without a server: the bid form's prefilled minimum (the same as the transactions
rule it mirrors) and the API's refusals of a bid in Chinese, one for each code the rules raise."""
import re
from pathlib import Path

from ttp_common import labels
from portal.bidding import bid_error, minimum_bid
from portal.upstream import Refused


def test_the_bid_form_is_prefilled_with_the_start_price_then_the_price_plus_the_increment_as_the_api_decides():
    from decimal import Decimal

    from transactions import auctions

    fresh = {"start_price": "100000.00", "increment": "10000.00", "current_price": None}
    assert minimum_bid(fresh) == "100000.00"
    assert minimum_bid({**fresh, "current_price": "130000.50"}) == "140000.50"
    assert minimum_bid({"start_price": "x"}) == ""  # figures that are not numbers: nothing prefilled, nothing broken
    for current in (None, "130000.50"):
        state = auctions.AuctionState(seller_organization_id="s", start_price=Decimal("100000.00"),
                                      increment=Decimal("10000.00"), starts_at=None, ends_at=None,
                                      extension_seconds=0, status="open", reserve_price=None,
                                      current_price=None if current is None else Decimal(current))
        assert minimum_bid({**fresh, "current_price": current}) == f"{auctions.minimum_bid(state):.2f}"


def test_each_refusal_of_a_bid_reads_in_chinese_and_an_unknown_one_keeps_the_apis_words():
    too_low = Refused(409, "bid_too_low", "must be at least 140000.00", [{"path": "amount", "message": "x"}])
    assert bid_error(too_low, "140000.00") == "出价低于当前最低可出价（最低 ¥140,000.00）"
    assert bid_error(Refused(403, "own_auction", "the seller may not bid"), "") == labels.BID_REFUSALS["own_auction"]
    assert bid_error(Refused(409, "something_new", "a new reason"), "") == "a new reason"
    import transactions.auctions as rules

    raised = set(re.findall(r'BidRefused\("([a-z_]+)"', Path(rules.__file__).read_text()))
    assert raised and raised <= set(labels.BID_REFUSALS), raised - set(labels.BID_REFUSALS)
