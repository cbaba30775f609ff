"""The fold of an aggregate's events into its latest state (``delivery.states``), without a broker or database:
order, idempotence on redelivery and on an event published twice, events of another aggregate kind; and the
example subscriber's copy of the fold (examples/subscriber/consume.py) gives the same states."""
import datetime as dt
import decimal
import importlib.util
import random

import pytest

from delivery import states
from ttp_common.paths import REPO_ROOT

TOPIC = "ttp.transactions.contract"


def event(offset, name, data, key="c-1", topic=TOPIC, partition=0, event_id=None):
    return {"id": event_id or f"id-{topic}-{partition}-{offset}", "event": name, "key": key,
            "time": f"2026-12-03T08:00:{offset % 60:02d}Z", "topic": topic, "partition": partition,
            "offset": offset, "data": data}


SUBMITTED = event(3, "transactions.contract.submitted.v1",
                  {"contract_id": "c-1", "amount": decimal.Decimal("1200000.00"), "status": "submitted",
                   "signed_on": dt.date(2026, 11, 30)})
RETURNED = event(5, "transactions.contract.returned.v1", {"contract_id": "c-1", "status": "returned"})
REGISTERED = event(9, "transactions.contract.registered.v1",
                   {"contract_id": "c-1", "status": "registered", "number": "2026510100000001",
                    "registered_at": dt.datetime(2026, 12, 3, 8, 0, tzinfo=dt.timezone.utc)})


def fold_list(events, state=None):
    for e in events:
        state = states.fold(state, e)
    return state


def test_a_state_holds_the_last_event_and_the_latest_value_of_every_field():
    state = fold_list([SUBMITTED, RETURNED, REGISTERED])
    assert state["aggregate"] == "transactions.contract" and state["id"] == "c-1"
    assert state["type"] == "transactions.contract.registered.v1" and state["event_id"] == REGISTERED["id"]
    assert state["time"] == REGISTERED["time"] and state["events"] == 3
    assert state["data"] == {"contract_id": "c-1", "amount": "1200000.00", "status": "registered",
                             "signed_on": "2026-11-30", "number": "2026510100000001",
                             "registered_at": "2026-12-03T08:00:00Z"}  # JSON: exact money, ISO 8601
    assert state["source"] == {"topic": TOPIC, "partition": 0, "offset": 9}
    assert state["event_ids"] == [SUBMITTED["id"], RETURNED["id"], REGISTERED["id"]]


def test_the_order_of_events_decides_the_latest_value():
    assert fold_list([SUBMITTED, RETURNED])["data"]["status"] == "returned"
    assert fold_list([SUBMITTED, REGISTERED])["data"]["status"] == "registered"


def test_a_redelivered_event_changes_nothing():
    state = fold_list([SUBMITTED, RETURNED, REGISTERED])
    for again in (SUBMITTED, RETURNED, REGISTERED):
        assert states.fold(state, again) is state
    assert fold_list([SUBMITTED, RETURNED, RETURNED, SUBMITTED, REGISTERED, REGISTERED]) == state


def test_an_event_published_twice_is_folded_once_but_the_position_moves_on():
    state = fold_list([SUBMITTED, RETURNED])
    copy = {**SUBMITTED, "offset": 7}  # the relay published it again, later in the partition
    after = states.fold(state, copy)
    assert after["data"] == state["data"] and after["events"] == 2
    assert after["source"]["offset"] == 7
    assert states.covers(after, copy) and not states.covers(after, REGISTERED)


def test_an_event_of_another_aggregate_kind_is_never_folded_in():
    state = fold_list([SUBMITTED])
    listing = event(4, "transactions.listing.opened.v1", {"listing_id": "c-1"}, topic="ttp.transactions.listing")
    with pytest.raises(states.OtherAggregate):
        states.fold(state, listing)
    with pytest.raises(states.OtherAggregate):
        states.fold(state, event(4, "transactions.contract.returned.v1", {}, key="c-2"))


def test_fold_all_keeps_aggregates_apart_and_reports_changes_in_order():
    other = event(4, "transactions.contract.submitted.v1", {"contract_id": "c-2"}, key="c-2")
    listing = event(6, "transactions.listing.opened.v1", {"listing_id": "c-1"}, topic="ttp.transactions.listing")
    held = {}
    changed = states.fold_all(held, [SUBMITTED, other, RETURNED, listing])
    assert changed == [(TOPIC, "c-2"), (TOPIC, "c-1"), ("ttp.transactions.listing", "c-1")]
    assert held[TOPIC, "c-1"]["events"] == 2 and held["ttp.transactions.listing", "c-1"]["events"] == 1
    assert states.fold_all(held, [SUBMITTED, other]) == []  # nothing new


def test_a_late_start_from_a_state_ends_where_following_from_the_start_ends():
    """The subscriber's rule: a state of offset M, then the events after M (those up to M are covered)."""
    events = [SUBMITTED, RETURNED, REGISTERED]
    for cut in range(len(events) + 1):
        start = fold_list(events[:cut])
        assert fold_list(events, start) == fold_list(events)


def load_example():
    spec = importlib.util.spec_from_file_location("example_consume", REPO_ROOT / "examples/subscriber/consume.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_subscriber_folds_as_the_keeper_does():
    example = load_example()
    rng = random.Random(20)
    names = ["transactions.contract.submitted.v1", "transactions.contract.returned.v1",
             "transactions.contract.registered.v1"]
    for _ in range(50):
        stream = []
        for offset in range(rng.randrange(1, 12)):
            data = {"status": rng.choice(["a", "b"]), f"f{rng.randrange(4)}": decimal.Decimal(rng.randrange(100)) / 4}
            stream.append(event(offset, rng.choice(names), data))
        stream += rng.sample(stream, min(3, len(stream)))  # redeliveries
        keeper = fold_list(stream)
        mine = None
        for e in stream:  # the example gets its data JSON-ready (its plain()), as it prints it
            mine = example.fold(mine, {**e, "data": example.plain(e["data"])})
        assert mine == keeper
        assert example.covers(keeper, stream[0]) is states.covers(keeper, stream[0])
