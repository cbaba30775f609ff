"""English auctions against the real local servers: validation of bids, anti-sniping, closing on
time by the service's own clock, and many concurrent bids on one auction."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from ttp_testing import assert_error, at_once, header, read_topic, wait_for

pytestmark = pytest.mark.integration

SELLER = "org-seller-auction"
BIDDERS = [f"org-bidder-{i}" for i in range(8)]


def soon(seconds):
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds)).isoformat()


@pytest.fixture(scope="module")
def achievement(registry):
    return registry.published_achievement(org=SELLER, title="轨道交通减振技术", keywords=["轨道交通", "减振"])


def new_listing(api, achievement, org=SELLER):
    listing = api.post("/api/v1/listings", {"achievement_id": achievement["achievement_id"], "mode": "transfer",
                                            "asking_price": "1000000.00"}, token=api.institution(org))
    assert listing.status_code == 201, listing.text
    return listing.json()


def auction_body(listing, **overrides):
    return {"listing_id": listing["id"], "start_price": "100000.00", "increment": "1000.00", "ends_at": soon(3600),
            "extension_seconds": 0, **overrides}


def new_auction(api, achievement, org=SELLER, **overrides):
    listing = new_listing(api, achievement, org)
    response = api.post("/api/v1/auctions", auction_body(listing, **overrides), token=api.institution(org))
    assert response.status_code == 201, response.text
    return response.json()


def bid(api, auction, org, amount):
    return api.post(f"/api/v1/auctions/{auction['id']}/bids", {"amount": amount}, token=api.institution(org))


def test_only_the_seller_of_an_open_listing_sets_up_an_auction(api, achievement):
    listing = api.post("/api/v1/listings", {"achievement_id": achievement["achievement_id"], "mode": "transfer",
                                            "asking_price": "1000000.00"}, token=api.institution(SELLER)).json()
    body = {"listing_id": listing["id"], "start_price": "100000.00", "increment": "1000.00", "ends_at": soon(600)}
    before = api.counts("auctions")
    assert_error(api.post("/api/v1/auctions", body, token=api.institution(BIDDERS[0])), 403, "forbidden")
    bad = assert_error(api.post("/api/v1/auctions", {**body, "reserve_price": "99.00"},
                                token=api.institution(SELLER)), 400, "validation_failed")
    assert [f["path"] for f in bad["fields"]] == ["reserve_price"]
    bad = assert_error(api.post("/api/v1/auctions", {**body, "ends_at": "2020-01-01T00:00:00Z"},
                                token=api.institution(SELLER)), 400, "validation_failed")
    assert [f["path"] for f in bad["fields"]] == ["ends_at"]
    assert api.counts("auctions") == before
    assert api.post("/api/v1/auctions", body, token=api.institution(SELLER)).status_code == 201
    assert_error(api.post("/api/v1/auctions", body, token=api.institution(SELLER)), 409, "conflict")


@pytest.mark.parametrize("starts_at, ends_at, path", [
    pytest.param("9999-12-31T20:00:00-05:00", "9999-12-31T21:00:00-05:00", "starts_at", id="year-9999-west-of-utc"),
    pytest.param("9999-12-30T00:00:00Z", "9999-12-31T00:00:00Z", "starts_at", id="year-9999"),
    pytest.param(soon(400 * 86400), soon(401 * 86400), "starts_at", id="starts-in-400-days"),
    pytest.param(None, "9999-12-31T23:59:59-01:00", "ends_at", id="ends-in-year-9999"),
])
def test_an_auction_starts_within_a_year_and_far_dates_are_400_not_500(api, achievement, starts_at, ends_at, path):
    """Found by fuzzing: a start in year 9999 west of UTC overflowed converting to UTC (a 500)."""
    listing = api.post("/api/v1/listings", {"achievement_id": achievement["achievement_id"], "mode": "transfer",
                                            "asking_price": "1000000.00"}, token=api.institution(SELLER)).json()
    body = {"listing_id": listing["id"], "start_price": "100000.00", "increment": "1000.00", "ends_at": ends_at}
    if starts_at:
        body["starts_at"] = starts_at
    before = api.counts("auctions")
    error = assert_error(api.post("/api/v1/auctions", body, token=api.institution(SELLER)), 400,
                         "validation_failed")
    assert path in [f["path"] for f in error["fields"]]  # an end far ahead is also too far from now
    assert api.counts("auctions") == before


def test_bids_are_validated_and_refusals_store_nothing(api, achievement):
    auction = new_auction(api, achievement)
    path = f"/api/v1/auctions/{auction['id']}/bids"
    before = api.counts("bids")
    assert_error(api.post(path, {"amount": "100000.00"}), 401, "unauthenticated")
    assert_error(api.post(path, {"amount": "100000.00"}, token=api.token("admin")), 403, "forbidden")
    body = assert_error(bid(api, auction, SELLER, "100000.00"), 403, "own_auction")
    assert [f["path"] for f in body["fields"]] == ["organization"]
    for amount, status, code in (("99999.99", 409, "bid_too_low"), ("-1", 400, "validation_failed"),
                                 ("100000.001", 400, "validation_failed"), ("1e400", 400, "validation_failed")):
        body = assert_error(bid(api, auction, BIDDERS[0], amount), status, code)
        assert [f["path"] for f in body["fields"]] == ["amount"]
    assert api.counts("bids") == before

    first = bid(api, auction, BIDDERS[0], "100000.00")
    assert first.status_code == 201, first.text
    assert first.json()["sequence"] == 1 and first.json()["current_price"] == "100000.00"
    body = assert_error(bid(api, auction, BIDDERS[1], "100999.99"), 409, "bid_too_low")
    assert body["fields"][0]["path"] == "amount" and "101000.00" in body["fields"][0]["message"]
    assert bid(api, auction, BIDDERS[1], "101000.00").status_code == 201
    state = api.get(f"/api/v1/auctions/{auction['id']}").json()
    assert (state["current_price"], state["leader_organization_id"], state["bids"]) == (
        "101000.00", BIDDERS[1], 2)
    # the bid list pages, in order or the latest first, and says when no more follow
    first_page = api.get(path, params={"limit": 1}).json()
    assert [b["amount"] for b in first_page["items"]] == ["100000.00"] and first_page["next_cursor"]
    rest = api.get(path, params={"limit": 1, "cursor": first_page["next_cursor"]}).json()
    assert [b["amount"] for b in rest["items"]] == ["101000.00"] and rest["next_cursor"] is None
    assert [b["amount"] for b in api.get(path, params={"sort": "newest"}).json()["items"]] == ["101000.00", "100000.00"]
    metrics = api.get("/metrics").text.splitlines()
    assert any(line.startswith('ttp_transactions_bids_total{outcome="bid_too_low"}') for line in metrics)
    assert any(line.startswith('ttp_transactions_bids_total{outcome="accepted"}') for line in metrics)


def test_an_auction_closes_by_itself_sold_to_the_best_bid_and_late_bids_are_refused(api, achievement):
    auction = new_auction(api, achievement, ends_at=soon(3), reserve_price="100500.00")
    assert bid(api, auction, BIDDERS[0], "100000.00").status_code == 201
    assert bid(api, auction, BIDDERS[1], "101000.00").status_code == 201
    closed = wait_for(lambda: api.db.auctions.find_one({"_id": auction["id"], "status": {"$ne": "open"}}),
                      timeout=20, message="the auction to close on time")
    assert closed["status"] == "sold"
    before = api.counts("bids")
    body = assert_error(bid(api, auction, BIDDERS[2], "200000.00"), 409, "auction_closed")
    assert body["fields"][0]["path"] == "auction_id"
    assert api.counts("bids") == before
    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.auction",
                         lambda r: header(r, "ce_subject") == auction["id"], count=4)
    assert [header(r, "ce_type").split(".")[-2] for r in records] == [
        "scheduled", "bid_accepted", "bid_accepted", "closed"]
    assert header(records[-1], "ce_actorrole") == "system"
    _, result = api.decode(records[-1])
    assert (result["outcome"], result["winner_organization_id"], result["final_price"]) == (
        "sold", BIDDERS[1], Decimal("101000.00"))
    assert api.db.listings.find_one({"_id": auction["listing_id"]})["close_reason"] == "sold"

    # the winner's contract cites the auction; the buyer and listing are taken from it
    contract = api.post("/api/v1/contracts", {
        "contract_type": "transfer", "contract_amount": "101000.00", "technology_transaction_amount": "101000.00",
        "seller_organization_id": SELLER, "region_code": "510100", "auction_id": auction["id"]},
        token=api.institution(BIDDERS[1]))
    assert contract.status_code == 201, contract.text
    assert (contract.json()["buyer_organization_id"], contract.json()["listing_id"],
            contract.json()["achievement_id"]) == (BIDDERS[1], auction["listing_id"], achievement["achievement_id"])
    wrong = api.post("/api/v1/contracts", {
        "contract_type": "transfer", "contract_amount": "1.00", "technology_transaction_amount": "1.00",
        "seller_organization_id": SELLER, "buyer_organization_id": BIDDERS[0], "region_code": "510100",
        "auction_id": auction["id"]}, token=api.institution(SELLER))
    assert [f["path"] for f in assert_error(wrong, 400, "validation_failed")["fields"]] == ["buyer_organization_id"]


def test_an_auction_under_its_reserve_is_unsold(api, achievement):
    auction = new_auction(api, achievement, ends_at=soon(2), reserve_price="500000.00")
    assert bid(api, auction, BIDDERS[0], "100000.00").status_code == 201
    wait_for(lambda: api.db.auctions.find_one({"_id": auction["id"], "status": "unsold"}), timeout=20)
    assert api.db.listings.find_one({"_id": auction["listing_id"]})["status"] == "open"
    assert api.get(f"/api/v1/auctions/{auction['id']}").json()["reserve_met"] is False


def test_a_bid_in_the_last_seconds_extends_the_auction(api, achievement):
    auction = new_auction(api, achievement, ends_at=soon(30), extension_seconds=120)
    response = bid(api, auction, BIDDERS[0], "100000.00")
    assert response.status_code == 201
    ends_at = dt.datetime.fromisoformat(response.json()["ends_at"].replace("Z", "+00:00"))
    assert ends_at > dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=100)


def test_concurrent_bids_lose_nothing_and_never_win_twice_at_one_price(api, achievement):
    auction = new_auction(api, achievement)
    session = requests.Session()
    tokens = {org: api.institution(org) for org in BIDDERS}
    # 8 bidders each try 6 ascending prices; many collide on the same amount
    attempts = [(org, f"{100000 + 1000 * step}.00") for step in range(6) for org in BIDDERS]

    def place(attempt):
        org, amount = attempt
        response = session.post(f"{api.url}/api/v1/auctions/{auction['id']}/bids", json={"amount": amount},
                                headers={"Authorization": f"Bearer {tokens[org]}"}, timeout=60)
        return org, amount, response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(place, attempts))

    accepted = [r for r in results if r[2] == 201]
    refused = [r for r in results if r[2] != 201]
    assert 1 <= len(accepted) <= 6 and len(refused) == len(attempts) - len(accepted), results  # 6 price levels
    assert all(r[2] == 409 and r[3]["code"] == "bid_too_low" for r in refused), refused
    prices = [Decimal(r[1]) for r in accepted]
    assert len(set(prices)) == len(prices), "two bids accepted at one price"
    # every accepted (201) bid is stored, strictly ordered: sequence 1..n with rising amounts
    stored = list(api.db.bids.find({"auction_id": auction["id"]}).sort("sequence", 1))
    assert [b["sequence"] for b in stored] == list(range(1, len(accepted) + 1))
    amounts = [Decimal(b["amount"]) for b in stored]
    assert all(b - a >= Decimal("1000.00") for a, b in zip(amounts, amounts[1:]))
    assert sorted(amounts) == sorted(prices)
    assert {r[3]["id"] for r in accepted} == {b["_id"] for b in stored}
    state = api.db.auctions.find_one({"_id": auction["id"]})
    assert (Decimal(state["current_price"]), state["bids"], state["version"]) == (amounts[-1], len(stored), len(stored))
    # and each accepted bid was published once, in order
    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.auction",
                         lambda r: header(r, "ce_subject") == auction["id"]
                         and header(r, "ce_type").endswith("bid_accepted.v1"), count=len(stored))
    assert [api.decode(r)[1]["sequence"] for r in records] == list(range(1, len(stored) + 1))


def test_concurrent_set_ups_of_one_listing_give_one_auction(api, achievement):
    listing = new_listing(api, achievement)
    token = api.institution(SELLER)
    responses = at_once(*[lambda: api.post("/api/v1/auctions", auction_body(listing), token=token, timeout=60)] * 6)
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5, [r.text for r in responses]
    assert all(r.json()["code"] == "conflict" for r in responses if r.status_code == 409)
    [auction] = api.db.auctions.find({"listing_id": listing["id"]})
    assert api.db.listings.find_one({"_id": listing["id"]})["open_auction_id"] == auction["_id"]


def test_a_withdrawal_racing_a_set_up_never_leaves_a_withdrawn_listing_auctioned(api, achievement):
    token = api.institution(SELLER)
    for _ in range(4):
        listing = new_listing(api, achievement)
        auctioned, withdrawn = at_once(
            lambda: api.post("/api/v1/auctions", auction_body(listing), token=token, timeout=60),
            lambda: api.post(f"/api/v1/listings/{listing['id']}/withdraw", {"reason": "撤牌"}, token=token,
                             timeout=60))
        # one wins: an auction (the withdrawal is 409) or a withdrawal (the listing is no longer open: 400)
        assert (auctioned.status_code, withdrawn.status_code) in {(201, 409), (400, 200)}, (auctioned.text,
                                                                                          withdrawn.text)
        status = api.db.listings.find_one({"_id": listing["id"]})["status"]
        open_auctions = api.db.auctions.count_documents({"listing_id": listing["id"], "status": "open"})
        assert (status, open_auctions) in {("open", 1), ("withdrawn", 0)}


def test_an_unsold_auction_frees_its_listing(api, achievement):
    auction = new_auction(api, achievement, ends_at=soon(2))
    wait_for(lambda: api.db.auctions.find_one({"_id": auction["id"], "status": "unsold"}), timeout=20)
    listing = api.db.listings.find_one({"_id": auction["listing_id"]})
    assert listing["status"] == "open" and "open_auction_id" not in listing
    again = api.post("/api/v1/auctions", auction_body({"id": listing["_id"]}), token=api.institution(SELLER))
    assert again.status_code == 201, again.text


def test_withdrawing_the_achievement_cancels_its_open_auction_and_closes_its_listings(api, registry):
    withdrawn = registry.published_achievement(org=SELLER, title="桥梁减振支座")
    auction = new_auction(api, withdrawn)
    plain = new_listing(api, withdrawn)
    assert bid(api, auction, BIDDERS[0], "100000.00").status_code == 201
    registry.publish("registry.achievement.withdrawn.v1", {
        "achievement_id": withdrawn["achievement_id"], "organization_id": SELLER, "region_code": "510100",
        "reason": "数据有误"}, withdrawn["achievement_id"])
    cancelled = wait_for(lambda: api.db.auctions.find_one({"_id": auction["id"], "status": "cancelled"}),
                         timeout=30, message="the auction to be cancelled")
    assert cancelled["closed_at"] and cancelled["bids"] == 1
    for listing_id in (auction["listing_id"], plain["id"]):
        listing = api.db.listings.find_one({"_id": listing_id})
        assert (listing["status"], listing["close_reason"]) == ("closed", "achievement_withdrawn")
        assert "open_auction_id" not in listing
    assert api.get(f"/api/v1/auctions/{auction['id']}").json()["status"] == "cancelled"

    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.auction",
                         lambda r: header(r, "ce_subject") == auction["id"], count=3)
    assert [header(r, "ce_type").split(".")[-2] for r in records] == ["scheduled", "bid_accepted", "closed"]
    assert header(records[-1], "ce_actorrole") == "system" and header(records[-1], "ce_causationid")
    _, result = api.decode(records[-1])
    assert (result["outcome"], result["winner_organization_id"], result["final_price"], result["bids"]) == (
        "cancelled", None, None, 1)
    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.listing",
                         lambda r: header(r, "ce_subject") == auction["listing_id"], count=2)
    assert [api.decode(r)[1].get("reason") for r in records] == [None, "achievement_withdrawn"]

    before = api.counts("bids")
    body = assert_error(bid(api, auction, BIDDERS[1], "200000.00"), 409, "auction_closed")
    assert "cancelled" in body["message"] and api.counts("bids") == before
    found = api.get("/api/v1/auctions", params={"status": "cancelled", "limit": 100}).json()["items"]
    assert auction["id"] in [a["id"] for a in found]


def test_no_organization_of_the_listed_achievement_may_bid(api, registry):
    co_owner = "org-co-owner-auction"
    shared = registry.published_achievement(org=SELLER, organization_ids=[SELLER, co_owner], title="高铁减振降噪")
    auction = new_auction(api, shared)
    before = api.counts("bids")
    body = assert_error(bid(api, auction, co_owner, "100000.00"), 403, "own_auction")
    assert [f["path"] for f in body["fields"]] == ["organization"]
    assert api.counts("bids") == before
    assert bid(api, auction, BIDDERS[0], "100000.00").status_code == 201


def test_auctions_are_found_by_listing_and_status(api, achievement):
    first = new_auction(api, achievement, ends_at=soon(2))
    second = new_auction(api, achievement)
    wait_for(lambda: api.db.auctions.find_one({"_id": first["id"], "status": "unsold"}), timeout=20)
    by_listing = api.get("/api/v1/auctions", params={"listing_id": first["listing_id"]}).json()["items"]
    assert [a["id"] for a in by_listing] == [first["id"]] and by_listing[0]["status"] == "unsold"
    assert "reserve_price" not in by_listing[0]
    open_ids = [a["id"] for a in api.get("/api/v1/auctions", params={"status": "open", "limit": 100}).json()["items"]]
    assert second["id"] in open_ids and first["id"] not in open_ids
    newest = api.get("/api/v1/auctions", params={"limit": 1}).json()
    assert [a["id"] for a in newest["items"]] == [second["id"]]
    older = api.get("/api/v1/auctions", params={"limit": 1, "before": newest["next_before"]}).json()
    assert [a["id"] for a in older["items"]] == [first["id"]]
    by_listing = api.get("/api/v1/auctions", params={"listing_id": first["listing_id"], "limit": 1}).json()
    assert by_listing["next_before"] is None
    for params, name in (({"status": "closed"}, "status"), ({"limit": 0}, "limit"), ({"before": "x"}, "before")):
        body = assert_error(api.get("/api/v1/auctions", params=params), 400, "validation_failed")
        assert [f["path"] for f in body["fields"]] == [name]
