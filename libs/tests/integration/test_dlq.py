"""Dead letters re-driven with ``ttp-dlq`` against the real local servers.

A consumer whose handler is broken dead-letters an event; ``ttp-dlq list`` shows it; the handler
is fixed; ``ttp-dlq redrive`` republishes it to its original topic and it is applied once, also
when it is re-driven again. Unique topic prefix and database, like test_backbone.
"""
import io
import json
import sys
import time
import uuid
from pathlib import Path

import pytest
from nameko.testing.services import dummy, entrypoint_hook

from ttp_common import metrics
from ttp_common.consumer import consume
from ttp_common.events import Actor
from ttp_common.mongo import Store
from ttp_common.outbox import OutboxRelay
from ttp_testing import BOOTSTRAP, header, produce_raw, read_topic, unique, wait_for
from ttp_tools import dlq

sys.path.insert(0, str(Path(__file__).parent))
from _services import database, started  # noqa: E402

pytestmark = pytest.mark.integration

EVENT = "registry.organization.registered.v1"
PREFIX = f"{unique()}."
TOPIC = f"{PREFIX}ttp.registry.organization"
DLQ = f"{TOPIC}.dlq"
DB = unique("test_dlq_")
BROKEN = {"on": True}  # the handler's bug, fixed by the test


class DlqTest:
    name = "dlqtest"
    store = Store()
    relay = OutboxRelay()

    @dummy
    def register(self, name):
        org_id = uuid.uuid4().hex

        def work(uow):
            uow.emit(EVENT, {"organization_id": org_id, "name": name, "credit_code": "91350100M000100Y43",
                             "kind": "enterprise", "region_code": "510100"}, subject=org_id)
            return org_id

        return self.store.transact(work, actor=Actor(sub="tester", role="admin"))

    @consume(EVENT)
    def on_registered(self, event):
        if BROKEN["on"] and event.data["name"].startswith("fragile"):
            raise ValueError("a bug in this handler")

        def work(uow):
            uow.db.seen.insert_one({"event_id": event.id, "name": event.data["name"]}, session=uow.session)

        self.store.transact(work, dedup=event)


@pytest.fixture(scope="module")
def container():
    with started(DlqTest, DB, PREFIX) as container:
        yield container


@pytest.fixture(scope="module")
def db():
    with database(DB) as db:
        yield db


def register(container, name):
    with entrypoint_hook(container, "register") as call:
        return call(name)


def seen(db, name):
    return list(db.seen.find({"name": name}))


def ttp_dlq(*args):
    """Run the CLI in-process; returns (exit code, stdout)."""
    out = io.StringIO()
    code = dlq.main(["--bootstrap", BOOTSTRAP, "--prefix", PREFIX, *args], out=out)
    return code, out.getvalue()


def dead_letter_of(org_id):
    [record] = read_topic(DLQ, lambda r: r.key == org_id.encode())
    return record


def on_topic(ce_id):
    """Records of the original topic carrying ``ce_id``, read to the end of the topic."""
    letters, _ = dlq.read_dead_letters(BOOTSTRAP, TOPIC)
    return [letter for letter in letters if letter.ce_id == ce_id]


def dedup_count():
    return metrics.EVENTS_DEDUPLICATED.labels("dlqtest", "on_registered")._value.get()


def processed_after(container, db):
    """Register a healthy event and wait until it is applied: everything before it on its partition
    was handled (and a re-driven record goes to the same partition only by key, so also wait a moment)."""
    name = unique("healthy-")
    register(container, name)
    wait_for(lambda: seen(db, name), message=f"{name} to be applied")


@pytest.fixture(scope="module")
def poisoned(container, db):
    """A dead-lettered event (handler_failed) and an undecodable record, while the handler is broken."""
    BROKEN["on"] = True
    org_id = register(container, "fragile one")
    record = dead_letter_of(org_id)
    produce_raw(TOPIC, b"\x00not avro at all", key=b"garbage-1")
    read_topic(DLQ, lambda r: r.key == b"garbage-1")
    return org_id, header(record, "ce_id")


def test_list_shows_what_was_dead_lettered_and_why(poisoned):
    org_id, ce_id = poisoned
    [original] = on_topic(ce_id)

    code, out = ttp_dlq("list", "ttp.registry.organization", "--json")
    rows = json.loads(out)
    assert code == 0
    [row] = [r for r in rows if r["ce_id"] == ce_id]
    assert row["topic"] == DLQ and isinstance(row["offset"], int) and row["dead_lettered_at"].endswith("Z")
    assert row["key"] == org_id
    assert row["ce_type"] == f"cn.gov.sc.ttp.{EVENT}" and row["ce_time"]
    assert row["reason"] == "handler_failed"
    assert row["error"] == "ValueError: a bug in this handler"
    assert row["handler"] == "dlqtest.on_registered"
    assert (row["original_topic"], row["original_partition"], row["original_offset"]) == (
        TOPIC, original.partition, original.offset)
    assert row["redriven_from"] is None
    [junk] = [r for r in rows if r["key"] == "garbage-1"]
    assert junk["reason"] == "undecodable" and junk["ce_id"] is None

    # filters: reason, event type (name or ce_type), and the text output
    _, out = ttp_dlq("list", DLQ.removeprefix(PREFIX), "--reason", "undecodable", "--json")
    assert [r["key"] for r in json.loads(out)] == ["garbage-1"]
    _, out = ttp_dlq("list", DLQ, "--type", EVENT, "--json")
    assert [r["ce_id"] for r in json.loads(out)] == [ce_id]
    _, out = ttp_dlq("list", "ttp.registry.organization", "--type", "talent.person.registered.v1", "--json")
    assert json.loads(out) == []
    _, out = ttp_dlq("list", "ttp.registry.organization", "--ce-id", ce_id, "--data")
    assert ce_id in out and "handler_failed" in out and "a bug in this handler" in out and "fragile one" in out


def test_a_dry_run_sends_nothing(poisoned, container, db):
    org_id, ce_id = poisoned
    BROKEN["on"] = False
    try:
        code, out = ttp_dlq("redrive", "ttp.registry.organization", "--ce-id", ce_id, "--dry-run")
        assert code == 0
        assert "would re-drive" in out and ce_id in out and "nothing sent" in out
        processed_after(container, db)
        assert len(on_topic(ce_id)) == 1  # only the original
        assert seen(db, "fragile one") == []
    finally:
        BROKEN["on"] = True


def test_a_fixed_handler_applies_a_redriven_event_once_even_when_redriven_twice(poisoned, container, db):
    org_id, ce_id = poisoned
    [dead] = [d for d in dlq.read_dead_letters(BOOTSTRAP, DLQ)[0] if d.ce_id == ce_id]
    BROKEN["on"] = False  # the fix is deployed
    try:
        code, out = ttp_dlq("redrive", "ttp.registry.organization", "--ce-id", ce_id)
        assert code == 0 and "re-drove" in out and "1 of 1" in out
        [applied] = wait_for(lambda: seen(db, "fragile one"), message="the re-driven event to be applied")
        assert applied["event_id"] == ce_id

        original, redriven = on_topic(ce_id)
        assert (redriven.key, redriven.value) == (original.key, original.value)
        ce_headers = lambda letter: [(k, v) for k, v in letter.headers if k.startswith("ce_")]  # noqa: E731
        assert ce_headers(redriven) == ce_headers(original)
        assert [k for k, _ in redriven.headers if k.startswith("dlq_")] == ["dlq_redriven_from"]
        assert redriven.header("dlq_redriven_from") == f"{DLQ}:{dead.partition}:{dead.offset}"

        # again, selecting every handler failure: consumers skip the ce_id they applied
        before = dedup_count()
        code, out = ttp_dlq("redrive", "ttp.registry.organization", "--all", "--reason", "handler_failed", "--json")
        assert code == 0
        assert [(r["ce_id"], r["status"]) for r in json.loads(out)] == [(ce_id, "redriven")]
        wait_for(lambda: dedup_count() == before + 1, message="the second re-drive to be deduplicated")
        processed_after(container, db)
        assert len(seen(db, "fragile one")) == 1
        assert len(on_topic(ce_id)) == 3
    finally:
        BROKEN["on"] = True


def test_redrive_by_offset_range_takes_only_that_range(container, db):
    BROKEN["on"] = True
    first, second = register(container, "fragile two"), register(container, "fragile three")
    dead = {org_id: dead_letter_of(org_id) for org_id in (first, second)}
    target = dead[first]

    with pytest.raises(SystemExit, match="give --partition"):
        ttp_dlq("redrive", "ttp.registry.organization", "--offsets", str(target.offset))
    with pytest.raises(SystemExit, match="say what to re-drive"):
        ttp_dlq("redrive", "ttp.registry.organization")

    BROKEN["on"] = False
    try:
        code, out = ttp_dlq("redrive", "ttp.registry.organization", "--partition", str(target.partition),
                            "--offsets", f"{target.offset}-{target.offset}", "--json")
        assert code == 0
        assert [r["key"] for r in json.loads(out)] == [first]
        wait_for(lambda: seen(db, "fragile two"), message="the re-driven event to be applied")
        processed_after(container, db)
        assert seen(db, "fragile three") == []
    finally:
        BROKEN["on"] = True


def test_redrive_refuses_dead_letters_older_than_the_dedup_retention(poisoned, monkeypatch):
    _, ce_id = poisoned
    monkeypatch.setenv("DEDUP_RETENTION_DAYS", "0.00001")  # under a second
    time.sleep(1)  # the dead letter is now older than the window, however soon after the fixture this runs
    with pytest.raises(SystemExit, match="older than DEDUP_RETENTION_DAYS"):
        ttp_dlq("redrive", "ttp.registry.organization", "--ce-id", ce_id, "--dry-run")
    code, out = ttp_dlq("redrive", "ttp.registry.organization", "--ce-id", ce_id, "--dry-run", "--allow-stale")
    assert code == 0 and ce_id in out


def test_topics_lists_the_dead_letter_topics_under_the_prefix(poisoned):
    code, out = ttp_dlq("topics", "--json")
    sizes = json.loads(out)
    assert code == 0 and list(sizes) == [DLQ] and sizes[DLQ] >= 2
