"""The auction handlers over a fake unit of work: setting up an auction, bids (accepted, refused, beaten to it),
and the end (sold with its listing closed, cancelled by the registry's withdrawal), without any server."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, Invalid, NotAllowed, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from transactions.auctions import AuctionIn, BidRefused
from transactions.documents import AchievementReplica, Auction, Bid, Listing, Match
from transactions.handlers import achievements
from transactions.handlers import auctions as handlers

SELLER, BIDDER, RIVAL = "org-seller", "org-bidder", "org-rival"
T0 = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def institution(org):
    return Principal(sub=f"staff-{org}", role=Roles.INSTITUTION, org=org)


class Store:
    """The store's ``transact`` over the one fake unit of work (what ``handlers.bid`` and ``close`` call)."""

    def __init__(self, uow):
        self.uow = uow

    def transact(self, work, *args, actor=None, **kwargs):
        return work(self.uow, *args, **kwargs)


@pytest.fixture
def uow():
    uow = FakeUnitOfWork(AchievementReplica, Listing, Auction, Bid, Match, service="transactions")
    uow.insert(AchievementReplica(id="ach-1", status="published", title="石墨烯导热膜", trl=6, region_code="510100",
                                  organization_ids=[SELLER, "org-co-owner"]))
    uow.insert(Listing(id="lst-1", achievement_id="ach-1", seller_organization_id=SELLER, mode="transfer",
                       asking_price="500000.00", status="open", title="石墨烯导热膜", trl=6, region_code="510100",
                       opened_at=T0, ends_at=T0 + dt.timedelta(days=30), created_by="staff-org-seller"))
    return uow


def scheduled(uow, **fields):
    body = AuctionIn.model_construct(**{
        "listing_id": "lst-1", "start_price": Decimal("100000.00"), "reserve_price": None,
        "increment": Decimal("1000.00"), "starts_at": T0, "ends_at": T0 + dt.timedelta(hours=1),
        "extension_seconds": 300, **fields})  # constructed: the model's own checks compare with the real now
    return handlers.schedule(uow, body, institution(SELLER), T0)


def test_setting_up_claims_the_listing_and_announces_the_auction(uow):
    auction = scheduled(uow)

    assert uow.get(Listing, "lst-1").open_auction_id == auction.id
    stored = uow.get(Auction, auction.id)
    assert (stored.status, stored.version, stored.start_price) == ("open", 0, Decimal("100000.00"))
    [event] = uow.events
    assert event.name == "transactions.auction.scheduled.v1" and event.data["has_reserve"] is False
    with pytest.raises(TransitionRefused, match="already has an open auction"):
        scheduled(uow)
    with pytest.raises(Forbidden):
        handlers.schedule(uow, AuctionIn.model_construct(listing_id="lst-1"), institution(BIDDER), T0)


def test_an_accepted_bid_moves_price_leader_and_version_and_is_announced(uow):
    auction = scheduled(uow)
    at = T0 + dt.timedelta(minutes=10)

    bid, state = handlers.place_bid(uow, auction.id, Decimal("100000.00"), institution(BIDDER), at)

    stored = uow.get(Auction, auction.id)
    assert (stored.current_price, stored.leader_organization_id, stored.bids, stored.version) == (
        Decimal("100000.00"), BIDDER, 1, 1)
    assert uow.get(Bid, bid.id).sequence == 1 and state.current_price == Decimal("100000.00")
    event = uow.events[-1]
    assert (event.name, event.subject) == ("transactions.auction.bid_accepted.v1", auction.id)
    assert event.data["amount"] == Decimal("100000.00") and event.data["bidder_organization_id"] == BIDDER
    with pytest.raises(BidRefused) as refused:
        handlers.place_bid(uow, auction.id, Decimal("100999.99"), institution(RIVAL), at)
    assert (refused.value.code, refused.value.field) == ("bid_too_low", "amount")


def test_a_bid_in_the_last_minutes_extends_the_end(uow):
    auction = scheduled(uow)
    late = T0 + dt.timedelta(minutes=58)
    _, state = handlers.place_bid(uow, auction.id, Decimal("100000.00"), institution(BIDDER), late)
    assert state.ends_at == late + dt.timedelta(seconds=300)
    assert uow.get(Auction, auction.id).ends_at == late + dt.timedelta(seconds=300)


def test_a_bid_checked_against_the_auction_before_another_bid_got_in_is_stale_and_writes_nothing(uow, monkeypatch):
    auction = scheduled(uow)
    read_before = uow.get(Auction, auction.id)
    handlers.place_bid(uow, auction.id, Decimal("100000.00"), institution(RIVAL), T0)  # gets in first

    monkeypatch.setattr(uow, "get", lambda document_class, doc_id, missing=None: read_before)
    with pytest.raises(handlers.Stale):
        handlers.place_bid(uow, auction.id, Decimal("101000.00"), institution(BIDDER), T0)
    assert uow.count(Bid) == 1 and uow.names()[-1] == "transactions.auction.bid_accepted.v1"
    assert uow.find_one(Auction, {"_id": auction.id}).leader_organization_id == RIVAL


def test_refused_bids_are_refusals_with_the_rules_code_and_field(uow):
    auction = scheduled(uow)
    store = Store(uow)
    with pytest.raises(NotAllowed) as own:
        handlers.bid(store, auction.id, Decimal("200000.00"), institution("org-co-owner"), None)
    assert (own.value.code, own.value.field) == ("own_auction", "organization")
    tomorrow = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)  # bid() reads the real clock
    uow.update(Auction, {"_id": auction.id}, {"$set": {"starts_at": tomorrow, "ends_at": tomorrow + dt.timedelta(hours=1)}})
    with pytest.raises(Conflict) as early:
        handlers.bid(store, auction.id, Decimal("200000.00"), institution(BIDDER), None)
    assert (early.value.code, early.value.field) == ("auction_not_started", "auction_id")
    assert uow.count(Bid) == 0


def test_a_due_auction_is_sold_to_its_leader_and_closes_its_listing_and_proposed_matches(uow):
    auction = scheduled(uow)
    handlers.place_bid(uow, auction.id, Decimal("100000.00"), institution(BIDDER), T0)
    uow.insert(Match(id="m-1", demand_id="d-1", listing_id="lst-1", demand_organization_id=BIDDER,
                     seller_organization_id=SELLER, status="proposed", score=0.8, proposed_at=T0, proposed_by="x",
                     live_pair="d-1 lst-1"))

    assert handlers.close_if_due(uow, auction.id, T0 + dt.timedelta(minutes=30)) is None  # not due yet
    assert handlers.close_if_due(uow, auction.id, T0 + dt.timedelta(hours=2)) == {
        "auction_id": auction.id, "outcome": "sold"}

    assert uow.get(Auction, auction.id).status == "sold"
    listing = uow.get(Listing, "lst-1")
    assert (listing.status, listing.close_reason, listing.open_auction_id) == ("closed", "sold", None)
    assert uow.get(Match, "m-1").status == "declined"
    closed = next(e for e in uow.events if e.name == "transactions.auction.closed.v1")
    assert (closed.data["outcome"], closed.data["winner_organization_id"], closed.data["final_price"]) == (
        "sold", BIDDER, Decimal("100000.00"))
    assert uow.names()[-3:] == ["transactions.auction.closed.v1", "transactions.listing.closed.v1",
                                "transactions.match.declined.v1"]


def test_the_registrys_withdrawal_cancels_a_running_auction_and_closes_the_listing(uow):
    auction = scheduled(uow)
    handlers.place_bid(uow, auction.id, Decimal("100000.00"), institution(BIDDER), T0)

    outcomes = achievements.apply(uow, achievements.ACHIEVEMENT_WITHDRAWN, {"achievement_id": "ach-1"},
                                  T0 + dt.timedelta(minutes=30))

    assert outcomes == ["cancelled"] and uow.get(AchievementReplica, "ach-1").status == "withdrawn"
    assert uow.get(Auction, auction.id).status == "cancelled"
    assert (uow.get(Listing, "lst-1").status, uow.get(Listing, "lst-1").close_reason) == (
        "closed", "achievement_withdrawn")
    closed = next(e for e in uow.events if e.name == "transactions.auction.closed.v1")
    assert (closed.data["outcome"], closed.data["winner_organization_id"]) == ("cancelled", None)
    with pytest.raises(BidRefused) as refused:
        handlers.place_bid(uow, auction.id, Decimal("200000.00"), institution(RIVAL), T0 + dt.timedelta(minutes=31))
    assert refused.value.code == "auction_closed"


def test_only_an_open_listing_is_auctioned(uow):
    uow.update(Listing, {"_id": "lst-1"}, {"$set": {"status": "withdrawn"}})
    with pytest.raises(Invalid) as refused:
        scheduled(uow)
    assert refused.value.field == "listing_id" and uow.count(Auction) == 0
