"""What one relay pass takes from the outbox and what it marks sent (unit: rows as the relay reads them)."""
from ttp_common.outbox import in_order, within_budget


def row(n, key=b"org-1", topic="ttp.registry.organization", size=100):
    return {"_id": n, "topic": topic, "key": key, "value": b"x" * size, "headers": [("ce_id", b"id")]}


def test_a_failed_event_holds_back_the_later_events_of_its_aggregate_only():
    rows = [row(1, b"a"), row(2, b"b"), row(3, b"a"), row(4, b"c"), row(5, b"b")]
    outcomes = [False, True, True, True, True]  # a's first event was not confirmed
    assert [r["_id"] for r in in_order(rows, outcomes)] == [2, 4, 5]


def test_the_same_key_on_another_topic_is_another_aggregate():
    rows = [row(1, b"a", topic="t1"), row(2, b"a", topic="t2"), row(3, b"a", topic="t1")]
    assert [r["_id"] for r in in_order(rows, [False, True, True])] == [2]


def test_a_confirmed_pass_is_marked_whole():
    rows = [row(n, bytes([n % 3])) for n in range(10)]
    assert in_order(rows, [True] * 10) == rows


def test_a_pass_takes_leading_rows_up_to_its_byte_budget():
    rows = [row(n, size=400) for n in range(5)]
    size = len(row(0, size=400)["value"]) + len(b"org-1") + len("ce_id") + len(b"id")
    taken = within_budget(iter(rows), budget=size * 3)
    assert [r["_id"] for r in taken] == [0, 1, 2] and taken.cut
    everything = within_budget(iter(rows), budget=size * 5)
    assert len(everything) == 5 and not everything.cut


def test_a_row_larger_than_the_budget_still_goes_alone():
    taken = within_budget(iter([row(1, size=5000), row(2)]), budget=1000)
    assert [r["_id"] for r in taken] == [1] and taken.cut
    assert within_budget(iter([]), budget=1000) == []
