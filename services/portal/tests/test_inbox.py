"""The notification centre's reads and writes (``portal.inbox``) over the fake unit of work (mongomock behind the
real Repository): an event stored once per audience, the auction's leader followed, emails queued only when email
is on, a person's page and unread count, marking read — never another organization's messages."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from ttp_testing.fakes import FakeUnitOfWork

from portal import inbox, notifications as n
from portal.documents import AuctionLead, EmailDelivery, Notification

AT = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
ORG, OTHER = "org-a", "org-b"
CLERK = {"sub": "clerk-a", "role": "institution", "org": ORG}
COLLEAGUE = {"sub": "admin-a", "role": "institution_admin", "org": ORG}
STRANGER = {"sub": "clerk-b", "role": "institution", "org": OTHER}


def returned(uow, event_id, org=ORG, at=AT, email_on=False):
    data = {"achievement_id": f"ach-{event_id}", "organization_id": org, "region_code": "510100", "reasons": ["缺材料"]}
    return inbox.record(uow, n.ACHIEVEMENT_RETURNED, data, event_id, at, email_on)


def bid(uow, event_id, org, sequence, amount):
    data = {"auction_id": "au-1", "bid_id": event_id, "sequence": sequence, "bidder_organization_id": org,
            "amount": Decimal(amount)}
    return inbox.record(uow, n.BID_ACCEPTED, data, event_id, AT, False)


def test_an_event_is_one_message_per_audience_even_when_it_comes_twice_and_its_email_is_queued_when_on():
    uow = FakeUnitOfWork(Notification, EmailDelivery)
    returned(uow, "e1", email_on=True)
    returned(uow, "e1", email_on=True)
    assert uow.count(Notification) == 1 and uow.count(EmailDelivery) == 1
    assert uow.find_one(EmailDelivery, {}).state == "pending"
    returned(uow, "e2", email_on=False)
    assert uow.count(Notification) == 2 and uow.count(EmailDelivery) == 1


def test_the_leader_before_a_bid_is_told_it_was_outbid_and_a_replayed_bid_changes_nothing():
    uow = FakeUnitOfWork(Notification, AuctionLead)
    assert bid(uow, "b1", ORG, 1, "100000") == []
    [outbid] = bid(uow, "b2", OTHER, 2, "110000")
    assert outbid.audience == f"org:{ORG}" and "¥110,000.00" in outbid.text
    assert bid(uow, "b3", OTHER, 3, "120000") == []  # raising its own bid
    assert bid(uow, "b1-replayed", ORG, 1, "100000") == []  # an old bid again: the lead stays
    assert uow.get(AuctionLead, "au-1").organization_id == OTHER and uow.get(AuctionLead, "au-1").sequence == 3
    [back] = bid(uow, "b4", ORG, 4, "130000")
    assert back.audience == f"org:{OTHER}"


def test_a_person_pages_their_organizations_messages_newest_first_and_reads_them_not_anothers():
    uow = FakeUnitOfWork(Notification)
    for i in range(23):
        returned(uow, f"e{i}", at=AT + timedelta(minutes=i))
    returned(uow, "theirs", org=OTHER)
    assert inbox.unread_count(uow, CLERK) == 23 and inbox.unread_count(uow, STRANGER) == 1
    first, total, pages = inbox.page_of(uow, CLERK, 1)
    assert total == 23 and pages == 2 and len(first) == 20
    assert first[0]["text"] == uow.find_one(Notification, {"event_id": "e22"}).text
    second, _, _ = inbox.page_of(uow, CLERK, 2)
    assert len(second) == 3 and all(m["unread"] for m in second)

    theirs = uow.find_one(Notification, {"event_id": "theirs"}).id
    assert inbox.mark_read(uow, CLERK, theirs) is False
    assert inbox.unread_count(uow, STRANGER) == 1
    assert inbox.mark_read(uow, CLERK, first[0]["id"]) is True
    assert inbox.unread_count(uow, CLERK) == 22 and inbox.unread_count(uow, COLLEAGUE) == 23  # read per person
    assert inbox.mark_all_read(uow, CLERK) == 22
    assert inbox.unread_count(uow, CLERK) == 0 and inbox.unread_count(uow, STRANGER) == 1
    assert inbox.page_of(uow, {"sub": "x", "role": "admin"}) == ([], 0, 1)  # no audience: nothing addressed to them
