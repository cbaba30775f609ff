"""Pure logic of dead-letter re-drive (ttp_tools.dlq), dedup retention (mongo) and replay --since (stack)."""
import datetime as dt

import pytest

from ttp_common.mongo import DEDUP_TTL_INDEX, dedup_retention_plan, dedup_retention_seconds
from ttp_tools import dlq
from ttp_tools.processes import StackError
from ttp_tools.servers import parse_since

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.timezone.utc)
CE_TYPE = "cn.gov.sc.ttp.registry.organization.registered.v1"


def letter(offset=5, partition=1, reason="handler_failed", ce_id="e-1", ce_type=CE_TYPE, handler="metrics.on_org",
           at=NOW, extra=()):
    headers = [("ce_specversion", b"1.0"), ("ce_id", ce_id.encode()), ("ce_source", b"/ttp/registry"),
               ("ce_type", ce_type.encode()), ("ce_time", b"2026-11-27T11:59:00Z"), ("content-type", b"application/avro"),
               *extra,
               ("dlq_reason", reason.encode()), ("dlq_error", b"ValueError: boom"),
               ("dlq_consumer_group", b"ttp.metrics.on_org"), ("dlq_handler", handler.encode()),
               ("dlq_original_topic", b"ttp.registry.organization"), ("dlq_original_partition", b"2"),
               ("dlq_original_offset", b"41")]
    return dlq.DeadLetter("ttp.registry.organization.dlq", partition, offset, int(at.timestamp() * 1000),
                          b"org-1", b"\xc3\x01payload", headers)


@pytest.mark.parametrize("name, prefix, expected", [
    ("ttp.registry.organization", "", "ttp.registry.organization.dlq"),
    ("ttp.registry.organization.dlq", "", "ttp.registry.organization.dlq"),
    ("ttp.registry.organization", "staging.", "staging.ttp.registry.organization.dlq"),
    ("staging.ttp.registry.organization.dlq", "staging.", "staging.ttp.registry.organization.dlq"),
])
def test_a_topic_names_its_dead_letter_topic(name, prefix, expected):
    assert dlq.dlq_topic(name, prefix) == expected


@pytest.mark.parametrize("text, expected", [("12", (12, 12)), ("10-20", (10, 20)), ("10-", (10, None)),
                                            (" 0-0 ", (0, 0))])
def test_offset_ranges(text, expected):
    assert dlq.parse_offsets(text) == expected


@pytest.mark.parametrize("text", ["", "a", "5-3", "-3", "1-2-3"])
def test_bad_offset_ranges(text):
    with pytest.raises(ValueError):
        dlq.parse_offsets(text)


def test_the_summary_shows_position_cause_and_origin():
    row = letter().summary()
    assert row == {
        "topic": "ttp.registry.organization.dlq", "partition": 1, "offset": 5,
        "dead_lettered_at": "2026-11-27T12:00:00Z", "key": "org-1",
        "ce_id": "e-1", "ce_type": CE_TYPE, "ce_time": "2026-11-27T11:59:00Z", "ce_subject": None,
        "reason": "handler_failed", "error": "ValueError: boom", "handler": "metrics.on_org",
        "consumer_group": "ttp.metrics.on_org", "original_topic": "ttp.registry.organization",
        "original_partition": 2, "original_offset": 41, "redriven_from": None,
    }


def test_a_dead_letter_that_failed_again_after_a_redrive_shows_where_it_came_from():
    again = letter(extra=[("dlq_redriven_from", b"ttp.registry.organization.dlq:0:3")])
    assert again.summary()["redriven_from"] == "ttp.registry.organization.dlq:0:3"


def test_filters():
    letters = [letter(offset=1, ce_id="a"), letter(offset=2, ce_id="b", reason="undecodable"),
               letter(offset=3, ce_id="c", ce_type="cn.gov.sc.ttp.talent.person.registered.v1"),
               letter(offset=4, ce_id="d", partition=0, handler="finance.on_org")]
    ids = lambda chosen: [x.ce_id for x in chosen]  # noqa: E731
    assert ids(dlq.select(letters)) == ["a", "b", "c", "d"]
    assert ids(dlq.select(letters, reasons={"undecodable"})) == ["b"]
    assert ids(dlq.select(letters, types={"talent.person.registered.v1"})) == ["c"]
    assert ids(dlq.select(letters, types={CE_TYPE})) == ["a", "b", "d"]
    assert ids(dlq.select(letters, handlers={"finance.on_org"})) == ["d"]
    assert ids(dlq.select(letters, ce_ids={"a", "c", "zz"})) == ["a", "c"]
    assert ids(dlq.select(letters, partition=1, offsets=(2, None))) == ["b", "c"]
    assert ids(dlq.select(letters, offsets=(2, 3))) == ["b", "c"]
    assert ids(dlq.select(letters, reasons={"handler_failed"}, offsets=(1, 3))) == ["a", "c"]


def test_redrive_headers_are_the_original_ones_plus_where_they_come_from():
    dead = letter(extra=[("traceparent", b"00-abc"), ("dlq_redriven_from", b"ttp.registry.organization.dlq:0:3")])
    headers = dlq.redrive_headers(dead)
    assert [k for k, _ in headers] == ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type",
                                      "traceparent", "dlq_redriven_from"]
    assert headers[1] == ("ce_id", b"e-1")  # unchanged: consumers deduplicate on it
    assert headers[-1] == ("dlq_redriven_from", b"ttp.registry.organization.dlq:1:5")


def test_the_target_is_the_original_topic_even_without_the_header():
    bare = dlq.DeadLetter("p.ttp.registry.organization.dlq", 0, 0, -1, None, b"x", [])
    assert bare.original_topic == "p.ttp.registry.organization"
    assert bare.summary()["dead_lettered_at"] is None and bare.ce_id is None


def test_stale_means_older_than_the_dedup_retention():
    assert not dlq.is_stale(letter(at=NOW - dt.timedelta(days=29)), 30, now=NOW)
    assert dlq.is_stale(letter(at=NOW - dt.timedelta(days=31)), 30, now=NOW)
    assert not dlq.is_stale(letter(at=NOW - dt.timedelta(days=400)), 0, now=NOW)  # kept forever


def test_dedup_retention_in_seconds():
    assert dedup_retention_seconds(30) == 30 * 86400
    assert dedup_retention_seconds("1.5") == 129600
    assert dedup_retention_seconds(0.000001) == 1
    assert dedup_retention_seconds(0) is None
    with pytest.raises(ValueError):
        dedup_retention_seconds(-1)


def test_dedup_retention_plan():
    ttl = lambda seconds: {DEDUP_TTL_INDEX: {"key": [("at", 1)], "expireAfterSeconds": seconds}}  # noqa: E731
    plain = {"_id_": {"key": [("_id", 1)]}}
    assert dedup_retention_plan(plain, 100) == ("create", 100)
    assert dedup_retention_plan({**plain, **ttl(100)}, 100) == (None, None)
    assert dedup_retention_plan({**plain, **ttl(100)}, 200) == ("retune", 200)
    assert dedup_retention_plan({**plain, **ttl(100)}, None) == ("drop", None)
    assert dedup_retention_plan(plain, None) == (None, None)


def test_replay_since():
    before = dt.datetime.now(dt.timezone.utc)
    assert before - dt.timedelta(days=7, seconds=5) < parse_since("7d") <= before - dt.timedelta(days=7) + dt.timedelta(seconds=5)
    assert parse_since("2026-11-27T00:00:00Z") == dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)
    assert parse_since("2026-11-27") == dt.datetime(2026, 11, 27, tzinfo=dt.timezone.utc)
    assert parse_since(None) is None
    with pytest.raises(StackError):
        parse_since("last week")
