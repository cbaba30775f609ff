"""The event backbone against the real local servers: outbox → Kafka → consumer, dedup, DLQ.

One nameko container (real MongoDB protocol server, real Kafka protocol broker) both
publishes through its outbox and consumes its own topic, under a unique topic prefix
and database so runs never see each other's data.
"""
import io
import json
import sys
import uuid
from pathlib import Path

import fastavro
import pytest
from cloudevents.v1.kafka import KafkaMessage, from_binary
from nameko.testing.services import dummy, entrypoint_hook

from ttp_common import metrics
from ttp_common.consumer import consume
from ttp_common.events import codec
from ttp_common.events import Actor
from ttp_common.avro import EventCodecError, event_type
from ttp_common.mongo import OUTBOX, Store
from ttp_common.observability import Observability
from ttp_common.outbox import OutboxRelay, replay
from ttp_common.paths import SCHEMAS_DIR
from ttp_testing import header, produce_raw, read_topic, unique, wait_for

sys.path.insert(0, str(Path(__file__).parent))
from _services import database, started  # noqa: E402

pytestmark = pytest.mark.integration

EVENT = "registry.organization.registered.v1"
PREFIX = f"{unique()}."
TOPIC = f"{PREFIX}ttp.registry.organization"
DB = unique("test_backbone_")


class Backbone:
    name = "backbone"
    store = Store()
    relay = OutboxRelay()
    observability = Observability()

    @dummy
    def register(self, name, fail_after_write=False):
        org_id = uuid.uuid4().hex

        def work(uow):
            uow.db.orgs.insert_one({"_id": org_id, "name": name}, session=uow.session)
            uow.emit(EVENT, {"organization_id": org_id, "name": name, "credit_code": "91350100M000100Y43",
                             "kind": "enterprise", "region_code": "510100"}, subject=org_id)
            if fail_after_write:
                raise RuntimeError("failed after writing")
            return org_id

        return self.store.transact(work, actor=Actor(sub="tester", role="admin", ip="127.0.0.1"))

    @consume(EVENT)
    def on_registered(self, event):
        if event.data["name"].startswith("poison"):
            raise ValueError("this handler cannot take it")

        def work(uow):
            uow.db.seen.insert_one({"event_id": event.id, "name": event.data["name"]}, session=uow.session)

        self.store.transact(work, dedup=event)


@pytest.fixture(scope="module")
def container():
    with started(Backbone, DB, PREFIX) as container:
        yield container


@pytest.fixture(scope="module")
def db():
    with database(DB) as db:
        yield db


def register(container, name, **kwargs):
    with entrypoint_hook(container, "register") as call:
        return call(name, **kwargs)


def seen(db, name):
    return list(db.seen.find({"name": name}))


def test_published_event_decodes_with_only_the_avsc_and_a_cloudevents_sdk(container):
    org_id = register(container, "成都示范企业")
    [record] = read_topic(TOPIC, lambda r: r.key == org_id.encode())

    # CloudEvents SDK, Kafka protocol binding, binary mode
    message = KafkaMessage(headers={k: v for k, v in record.headers}, key=record.key, value=record.value)
    event = from_binary(message, data_unmarshaller=lambda raw: raw)
    assert event["specversion"] == "1.0"
    assert event["type"] == f"cn.gov.sc.ttp.{EVENT}"
    assert event["source"] == "/ttp/backbone"
    assert event["subject"] == org_id
    assert event["actor"] == "tester" and event["actorrole"] == "admin"

    # Avro single-object encoding: C3 01 + CRC-64-AVRO fingerprint, then the body
    with open(SCHEMAS_DIR / f"{EVENT}.avsc") as f:
        schema = fastavro.parse_schema(json.load(f))
    payload = event.get_data()
    assert payload[:2] == b"\xc3\x01"
    # fastavro gives the CRC-64-AVRO fingerprint as the hex of its 8 little-endian bytes
    canonical = fastavro.schema.to_parsing_canonical_form(schema)
    assert payload[2:10] == bytes.fromhex(fastavro.schema.fingerprint(canonical, "CRC-64-AVRO"))
    data = fastavro.schemaless_reader(io.BytesIO(payload[10:]), schema)
    assert data["organization_id"] == org_id and data["name"] == "成都示范企业"


def test_a_failed_transaction_leaves_neither_state_nor_event(container, db):
    with pytest.raises(RuntimeError):
        register(container, "rolled-back", fail_after_write=True)
    assert db.orgs.count_documents({"name": "rolled-back"}) == 0
    assert db[OUTBOX].count_documents({}) == db.orgs.count_documents({})


def test_consumer_applies_each_event_once_even_when_redelivered(container, db):
    register(container, "once")
    [first] = wait_for(lambda: seen(db, "once"), message="the consumer to apply the event")
    [record] = read_topic(TOPIC, lambda r: header(r, "ce_id") == first["event_id"])
    before = metrics.EVENTS_DEDUPLICATED.labels("backbone", "on_registered")._value.get()

    produce_raw(TOPIC, record.value, key=record.key, headers=record.headers)  # same ce_id again
    register(container, "after-redelivery")
    wait_for(lambda: seen(db, "after-redelivery"), message="the next event")

    assert len(seen(db, "once")) == 1
    assert metrics.EVENTS_DEDUPLICATED.labels("backbone", "on_registered")._value.get() == before + 1


def test_garbage_goes_to_the_dlq_and_the_next_event_is_still_processed(container, db):
    produce_raw(TOPIC, b"\x00garbage that is not avro", key=b"junk-1")
    produce_raw(TOPIC, b"\xc3\x01" + b"\x00" * 8 + b"body", key=b"junk-2",
                headers=[("ce_specversion", b"1.0"), ("ce_id", b"x"), ("ce_source", b"/x"),
                         ("ce_type", f"cn.gov.sc.ttp.{EVENT}".encode())])
    register(container, "after-garbage")
    wait_for(lambda: seen(db, "after-garbage"), message="the event after the garbage")

    dead = read_topic(f"{TOPIC}.dlq", lambda r: r.key in (b"junk-1", b"junk-2"), count=2)
    assert sorted(r.key for r in dead) == [b"junk-1", b"junk-2"]
    for record in dead:
        assert header(record, "dlq_reason") == "undecodable"
        assert header(record, "dlq_original_topic") == TOPIC
        assert header(record, "dlq_error")


def test_a_handler_that_keeps_failing_is_retried_then_dead_lettered(container, db):
    poison_id = register(container, "poison pill")
    register(container, "after-poison")
    wait_for(lambda: seen(db, "after-poison"), message="the event after the poison one")

    [dead] = read_topic(f"{TOPIC}.dlq", lambda r: r.key == poison_id.encode())
    assert header(dead, "dlq_reason") == "handler_failed"
    assert "this handler cannot take it" in header(dead, "dlq_error")
    assert header(dead, "ce_id")  # the original CloudEvents headers travel with it
    assert seen(db, "poison pill") == []


def test_replaying_the_outbox_republishes_without_double_effects(container, db):
    register(container, "replayed")
    wait_for(lambda: seen(db, "replayed"), message="the first delivery")
    sent = db[OUTBOX].count_documents({"sent": True})

    assert replay(db) >= sent
    wait_for(lambda: db[OUTBOX].count_documents({"sent": False}) == 0, message="the relay to republish")
    register(container, "after-replay")
    wait_for(lambda: seen(db, "after-replay"), message="the event after the replay")
    assert len(seen(db, "replayed")) == 1


def dead_lettered_count():
    return metrics.EVENTS_CONSUMED.labels("backbone", "on_registered", TOPIC, "dead_lettered")._value.get()


def is_genuine(record):
    """A record the platform itself published: full CloudEvents headers and a decodable body."""
    if header(record, "ce_type") != event_type(EVENT) or not header(record, "ce_source"):
        return False
    try:
        codec().decode(record.value)
    except EventCodecError:
        return False
    return True


@pytest.mark.parametrize("case", ["missing CloudEvents headers", "a valid payload of another event type"])
def test_a_record_that_lies_about_itself_is_dead_lettered_and_counted(container, db, case):
    # a real, decodable record to tamper with (earlier tests also put poison on this topic)
    good = read_topic(TOPIC, is_genuine)[0]
    key = unique("liar-").encode()
    if case == "missing CloudEvents headers":
        headers = [(k, v) for k, v in good.headers if k not in ("ce_id", "ce_source")]
        value = good.value
    else:  # the headers say organization.registered; the Avro payload is a talent event
        headers = [(k, v) for k, v in good.headers if k != "ce_id"] + [("ce_id", unique().encode())]
        value = codec().encode("talent.person.registered.v1",
                               {"person_id": "p-1", "kinds": ["broker"], "organization_id": None})
    before = dead_lettered_count()

    produce_raw(TOPIC, value, key=key, headers=headers)
    name = unique("after-liar-")
    register(container, name)
    wait_for(lambda: seen(db, name), message="the event after the lying record")

    [dead] = read_topic(f"{TOPIC}.dlq", lambda r: r.key == key)
    assert header(dead, "dlq_reason") == "undecodable"
    expected = "missing CloudEvents header" if case.startswith("missing") else "but ce_type says"
    assert expected in header(dead, "dlq_error")
    assert dead_lettered_count() == before + 1
