"""The registry's withdrawal of an achievement with auctions of it under way, against a service whose clock
does not run: an auction past its end stays open until the withdrawal (or POST /api/v1/clock) closes it."""
import datetime as dt
from decimal import Decimal

import pytest

from transactions.documents import Auction
from transactions.handlers import auctions
from transactions.service import TransactionsService
from ttp_common.mongo import Repository
from ttp_testing import assert_error, header, read_topic, service_api_fixture, wait_for

pytestmark = pytest.mark.integration

SELLER, WINNER = "org-seller-withdrawal", "org-bidder-withdrawal"


class TransactionsWithoutClock(TransactionsService):
    def clock(self):  # no timer: nothing closes due auctions by itself
        pass


# This module's service (the only one running in the process, so its database is the one it uses).
api = service_api_fixture(TransactionsWithoutClock)


def auction_with_a_bid(api, achievement, ended):
    """An auction of a new listing with one accepted bid; ``ended``: its end then moved into the past."""
    listing = api.post("/api/v1/listings", {"achievement_id": achievement["achievement_id"], "mode": "transfer",
                                            "asking_price": "1000000.00"}, token=api.institution(SELLER)).json()
    ends_at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()
    auction = api.post("/api/v1/auctions", {"listing_id": listing["id"], "start_price": "100000.00",
                                            "increment": "1000.00", "ends_at": ends_at, "extension_seconds": 0},
                       token=api.institution(SELLER)).json()
    response = api.post(f"/api/v1/auctions/{auction['id']}/bids", {"amount": "100000.00"},
                        token=api.institution(WINNER))
    assert response.status_code == 201, response.text
    if ended:
        api.db.auctions.update_one({"_id": auction["id"]}, {"$set": {
            "ends_at": dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)}})
    return auction


def withdraw(api, registry, achievement):
    registry.publish("registry.achievement.withdrawn.v1", {
        "achievement_id": achievement["achievement_id"], "organization_id": SELLER, "region_code": "510100",
        "reason": "数据有误"}, achievement["achievement_id"])
    wait_for(lambda: api.db.achievements.find_one({"_id": achievement["achievement_id"], "status": "withdrawn"}),
             timeout=30, message="the replica to see the withdrawal")


def contract(**overrides):
    return {"contract_type": "transfer", "contract_amount": "100000.00", "technology_transaction_amount": "100000.00",
            "seller_organization_id": SELLER, "region_code": "510100", **overrides}


def test_a_withdrawal_closes_an_ended_auction_for_its_winner_and_cancels_a_running_one(api, registry):
    """Found in review: an auction past its end that the clock had not closed yet was cancelled by the
    withdrawal, and its winner lost the sale."""
    achievement = registry.published_achievement(org=SELLER, title="隧道减振垫")
    ended = auction_with_a_bid(api, achievement, ended=True)
    running = auction_with_a_bid(api, achievement, ended=False)
    withdraw(api, registry, achievement)
    wait_for(lambda: api.db.auctions.count_documents({"_id": {"$in": [ended["id"], running["id"]]},
                                                      "status": "open"}) == 0, timeout=30)

    assert api.db.auctions.find_one({"_id": ended["id"]})["status"] == "sold"
    assert api.db.auctions.find_one({"_id": running["id"]})["status"] == "cancelled"
    for auction, reason in ((ended, "sold"), (running, "achievement_withdrawn")):
        listing = api.db.listings.find_one({"_id": auction["listing_id"]})
        assert (listing["status"], listing["close_reason"]) == ("closed", reason)
        assert "open_auction_id" not in listing
    results = {}
    for auction in (ended, running):
        [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.auction",
                              lambda r, a=auction: header(r, "ce_subject") == a["id"]
                              and header(r, "ce_type").endswith(".closed.v1"), count=1)
        _, data = api.decode(record)
        results[auction["id"]] = (data["outcome"], data["winner_organization_id"], data["final_price"])
    assert results == {ended["id"]: ("sold", WINNER, Decimal("100000.00")),
                       running["id"]: ("cancelled", None, None)}

    # an auction read open that has closed since is not closed again, and no second event is emitted
    class Uow(Repository):
        db = api.db  # the service's database, outside any transaction

        def __init__(self):
            self.events = []

        def emit(self, event_name, data, subject):
            self.events.append(event_name)

    uow = Uow()
    stale = uow.load(Auction, {**api.db.auctions.find_one({"_id": running["id"]}), "status": "open"})
    assert auctions.cancel(uow, stale, dt.datetime.now(dt.timezone.utc)) is False
    assert uow.events == [] and api.db.auctions.find_one({"_id": running["id"]})["status"] == "cancelled"


def test_a_sale_made_before_the_withdrawal_is_still_registered(api, registry):
    """Found in review: the check that the achievement is published refused the contract of a sale completed
    before the registry withdrew it."""
    achievement = registry.published_achievement(org=SELLER, title="桥梁伸缩缝减振")
    sold = auction_with_a_bid(api, achievement, ended=True)
    closed = api.post("/api/v1/clock", token=api.token("admin")).json()
    assert {"auction_id": sold["id"], "outcome": "sold"} in closed["auctions"]
    unsold_listing = api.post("/api/v1/listings", {"achievement_id": achievement["achievement_id"],
                                                   "mode": "licence", "asking_price": "1.00"},
                              token=api.institution(SELLER)).json()
    withdraw(api, registry, achievement)
    wait_for(lambda: api.db.listings.find_one({"_id": unsold_listing["id"], "status": "closed"}), timeout=30)

    by_auction = api.post("/api/v1/contracts", contract(auction_id=sold["id"]), token=api.institution(WINNER))
    assert by_auction.status_code == 201, by_auction.text
    by_listing = api.post("/api/v1/contracts", contract(listing_id=sold["listing_id"], buyer_organization_id=WINNER),
                          token=api.institution(SELLER))
    assert by_listing.status_code == 201, by_listing.text
    assert by_listing.json()["achievement_id"] == achievement["achievement_id"]
    # without such a sale, a withdrawn achievement is still refused
    for origin in ({"achievement_id": achievement["achievement_id"]}, {"listing_id": unsold_listing["id"]}):
        refused = api.post("/api/v1/contracts", contract(buyer_organization_id=WINNER, **origin),
                           token=api.institution(SELLER))
        assert [f["path"] for f in assert_error(refused, 400, "validation_failed")["fields"]] == ["achievement_id"]
