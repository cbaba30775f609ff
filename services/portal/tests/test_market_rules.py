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


def test_the_contract_form_sends_what_was_typed_and_puts_the_apis_errors_beside_their_fields_in_chinese():
    from portal.contract_forms import body_of, field_errors, form_of, from_auction

    typed = {"contract_type": "transfer", "title": " 技术转让合同 ", "contract_amount": "800000",
             "technology_transaction_amount": "900000", "seller_organization_id": "org-a", "buyer_name": "某企业",
             "region_code": "510100", "listing_id": "", "auction_id": "", "achievement_id": "", "csrf_token": "t"}
    body = body_of(typed)
    assert body["title"] == "技术转让合同" and body["contract_amount"] == "800000" and "csrf_token" not in body
    assert body["listing_id"] is None and body["buyer_organization_id"] is None  # empty ids are not sent as ""
    refused = Refused(400, "validation_failed", "The request is not valid", [
        {"path": "technology_transaction_amount", "message": "Value error, technology_transaction_amount must not "
                                                             "exceed contract_amount"},
        {"path": "contract_amount", "message": "Input should be greater than 0"},
        {"path": "something.else", "message": "a new rule"}])
    assert field_errors(refused) == {"technology_transaction_amount": "不能超过合同金额",
                                     "contract_amount": "金额必须大于零", "": "a new rule"}
    assert field_errors(Refused(409, "conflict", "cannot resubmit a submitted contract")) == {
        "": "cannot resubmit a submitted contract"}  # nothing is dropped
    stored = {"id": "c1", "status": "returned", "contract_amount": "800000.00", "buyer_organization_id": None,
              "title": "技术转让合同", "return_reasons": ["x"]}
    assert form_of(stored)["contract_amount"] == "800000.00" and form_of(stored)["buyer_organization_id"] == ""
    won = from_auction({"id": "a1", "seller_organization_id": "org-s", "current_price": "130000.00",
                        "listing_id": "l1", "achievement_id": "ach1"}, "org-b")
    assert (won["seller_organization_id"], won["buyer_organization_id"], won["contract_amount"], won["auction_id"]) \
        == ("org-s", "org-b", "130000.00", "a1")
