"""Unit tests of ttp_common.envelope: CloudEvents 1.0, Kafka protocol binding, binary mode."""
import io
import json
from datetime import datetime, timedelta, timezone

import fastavro
import pytest
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.v1 import kafka as ce_kafka_v1

from ttp_common import paths
from ttp_common.avro import AvroCodec, EventCodecError, SchemaRepository, UndecodableEvent
from ttp_common.envelope import (
    EnvelopeError,
    InvalidEnvelope,
    OutgoingMessage,
    ReceivedEvent,
    build_message,
    parse_message,
)

EVENT = "registry.organization.registered.v1"
DATA = {
    "organization_id": "org-42", "name": "成都示范企业有限公司", "credit_code": "91510100MA61234567",
    "kind": "enterprise", "region_code": "510100", "supervising_department": None, "state_established": None,
}
TIME = datetime(2020, 12, 31, 16, 30, 0, 250000, tzinfo=timezone.utc)
EXTENSIONS = {"actor": "u-1", "actorrole": "admin", "actororg": "org-1", "actorip": "10.0.0.8",
              "correlationid": "req-9", "actorregion": None}


@pytest.fixture(scope="module")
def codec():
    return AvroCodec(SchemaRepository())


@pytest.fixture
def message(codec):
    return build_message(codec, EVENT, DATA, source="/ttp/registry", subject="org-42", event_id="e-1",
                         time=TIME, extensions=EXTENSIONS)


def parse(codec, message, **changes):
    fields = {"topic": message.topic, "partition": 2, "offset": 17, "key": message.key,
              "value": message.value, "headers": message.headers, **changes}
    return parse_message(codec, **fields)


def with_headers(message, drop=(), **replace):
    headers = [(k, v) for k, v in message.headers if k not in drop and k not in replace]
    return headers + [(k.replace("_dash_", "-"), v) for k, v in replace.items()]


class BytesFormat:
    """What any binary-mode subscriber supplies to the SDK: keep the data as bytes."""

    def read_data(self, body, datacontenttype):
        return body

    def write_data(self, data, datacontenttype):
        return data


# --------------------------------------------------------------------------- building


def test_build_message(message):
    assert isinstance(message, OutgoingMessage)
    assert message.topic == "ttp.registry.organization"
    assert message.key == b"org-42"
    assert message.headers == [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"e-1"),
        ("ce_source", b"/ttp/registry"),
        ("ce_type", b"cn.gov.sc.ttp.registry.organization.registered.v1"),
        ("ce_time", b"2020-12-31T16:30:00.250000Z"),
        ("ce_subject", b"org-42"),
        ("content-type", b"application/avro"),
        ("ce_dataschema", b"urn:ttp:schema:registry.organization.registered.v1"),
        ("ce_actor", b"u-1"),
        ("ce_actorrole", b"admin"),
        ("ce_actororg", b"org-1"),
        ("ce_actorip", b"10.0.0.8"),
        ("ce_correlationid", b"req-9"),
    ]
    assert message.value[:2] == b"\xc3\x01"


def test_build_message_defaults(codec):
    before = datetime.now(timezone.utc)
    message = build_message(codec, EVENT, DATA, source="/ttp/registry", subject="org-42", topic_prefix="t9.")
    headers = dict(message.headers)
    assert message.topic == "t9.ttp.registry.organization"
    assert len(headers["ce_id"]) == 36  # uuid4
    assert build_message(codec, EVENT, DATA, source="/ttp/registry", subject="org-42").headers != message.headers
    sent = datetime.fromisoformat(headers["ce_time"].decode().replace("Z", "+00:00"))
    assert sent.utcoffset() == timedelta(0) and before <= sent <= datetime.now(timezone.utc)


def test_build_message_key_and_local_time(codec):
    beijing = datetime(2021, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=8)))
    for key, expected in [("分区键", "分区键".encode()), (b"\x00raw", b"\x00raw")]:
        message = build_message(codec, EVENT, DATA, source="/ttp/registry", subject="org-42", key=key, time=beijing)
        assert message.key == expected
        assert dict(message.headers)["ce_time"] == b"2020-12-31T16:30:00Z"


@pytest.mark.parametrize("name", ["Actor", "actor-id", "actor_id", "", "type", "data", "partitionkey",
                                  "a" * 21, "演员", "actor\n"])
def test_build_message_rejects_bad_extension_names(codec, name):
    with pytest.raises(EnvelopeError):
        build_message(codec, EVENT, DATA, source="/ttp/registry", subject="org-42", extensions={name: "x"})


@pytest.mark.parametrize("kwargs", [
    {"source": ""}, {"subject": ""}, {"time": datetime(2020, 1, 1)}, {"extensions": {"actor": ["a"]}},
])
def test_build_message_rejects_bad_attributes(codec, kwargs):
    args = {"source": "/ttp/registry", "subject": "org-42", **kwargs}
    with pytest.raises(EnvelopeError) as info:
        build_message(codec, EVENT, DATA, **args)
    assert isinstance(info.value, EventCodecError)


def test_build_message_validates_data(codec):
    with pytest.raises(EventCodecError):
        build_message(codec, EVENT, {**DATA, "kind": 3}, source="/ttp/registry", subject="org-42")


# --------------------------------------------------------------------------- reading with the SDK


def test_a_standard_cloudevents_subscriber_reads_it(message):
    """The SDK's own Kafka binary-mode reader, then the .avsc file alone: no TTP code involved."""
    sdk_message = ce_kafka.KafkaMessage(headers=dict(message.headers), key=message.key, value=message.value)
    event = ce_kafka.from_kafka(sdk_message, BytesFormat())  # auto-detects binary mode
    assert event.get_specversion() == "1.0"
    assert event.get_id() == "e-1"
    assert event.get_type() == "cn.gov.sc.ttp.registry.organization.registered.v1"
    assert event.get_source() == "/ttp/registry"
    assert event.get_subject() == "org-42"
    assert event.get_time() == TIME
    assert event.get_datacontenttype() == "application/avro"
    assert event.get_dataschema() == "urn:ttp:schema:registry.organization.registered.v1"
    assert event.get_extension("actor") == "u-1" and event.get_extension("correlationid") == "req-9"
    assert event.get_extension("partitionkey") == "org-42"

    payload = event.get_data()
    with open(paths.SCHEMAS_DIR / f"{EVENT}.avsc", encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    fingerprint = fastavro.schema.fingerprint(fastavro.schema.to_parsing_canonical_form(schema), "CRC-64-AVRO")
    assert payload[:2] == b"\xc3\x01" and payload[2:10] == bytes.fromhex(fingerprint)
    assert fastavro.schemaless_reader(io.BytesIO(payload[10:]), schema) == DATA


def test_the_legacy_sdk_api_reads_it_too(message):
    sdk_message = ce_kafka_v1.KafkaMessage(headers=dict(message.headers), key=message.key, value=message.value)
    event = ce_kafka_v1.from_binary(sdk_message, data_unmarshaller=lambda body: body)
    assert event["type"] == "cn.gov.sc.ttp.registry.organization.registered.v1"
    assert event["id"] == "e-1" and event["subject"] == "org-42" and event["actor"] == "u-1"
    assert event.get_data() == message.value


# --------------------------------------------------------------------------- parsing


def test_parse_message_round_trip(codec, message):
    event = parse(codec, message)
    assert isinstance(event, ReceivedEvent)
    assert (event.id, event.type, event.source, event.subject) == (
        "e-1", "cn.gov.sc.ttp.registry.organization.registered.v1", "/ttp/registry", "org-42")
    assert event.time == TIME and event.time.tzinfo == timezone.utc
    assert event.event_name == EVENT and event.data == DATA
    assert event.extensions == {"actor": "u-1", "actorrole": "admin", "actororg": "org-1",
                                "actorip": "10.0.0.8", "correlationid": "req-9"}
    assert (event.topic, event.partition, event.offset, event.key) == ("ttp.registry.organization", 2, 17, b"org-42")
    assert event.headers == message.headers


def test_parse_message_tolerates_optional_and_foreign_headers(codec, message):
    headers = with_headers(message, drop=("ce_time", "ce_subject", "content-type", "ce_dataschema"))
    event = parse(codec, message, headers=headers + [("traceparent", b"00-abc-def-01"), ("x-other", None)],
                  key=None)
    assert event.time is None and event.subject is None and event.key is None and event.data == DATA


@pytest.mark.parametrize("header", ["ce_specversion", "ce_id", "ce_source", "ce_type"])
def test_parse_message_requires_the_cloudevents_attributes(codec, message, header):
    with pytest.raises(InvalidEnvelope, match=header):
        parse(codec, message, headers=with_headers(message, drop=(header,)))
    with pytest.raises(InvalidEnvelope, match=header):
        parse(codec, message, headers=with_headers(message, **{header: b""}))


@pytest.mark.parametrize("replace, match", [
    ({"ce_specversion": b"0.3"}, "specversion"),
    ({"content_dash_type": b"application/json"}, "content-type"),
    ({"ce_type": b"com.example.order.created.v1"}, "ce_type"),
    ({"ce_type": b"cn.gov.sc.ttp.metrics.task.updated.v1"}, "metrics.task.updated.v1"),  # payload is another event
    ({"ce_time": b"yesterday"}, "attributes"),
    ({"ce_time": b"2020-12-31T16:30:00"}, "attributes"),  # no offset
    ({"ce_id": b"\xff\xfe"}, "UTF-8"),
    ({"ce_source": None}, "no value"),
])
def test_parse_message_rejects_invalid_headers(codec, message, replace, match):
    with pytest.raises(InvalidEnvelope, match=match):
        parse(codec, message, headers=with_headers(message, **replace))


def test_parse_message_rejects_duplicate_headers(codec, message):
    with pytest.raises(InvalidEnvelope, match="duplicate"):
        parse(codec, message, headers=message.headers + [("ce_id", b"e-2")])


@pytest.mark.parametrize("value", [None, b"", b"\x00garbage", b"\xc3\x01" + b"\x00" * 8 + b"body"])
def test_parse_message_rejects_bad_payloads(codec, message, value):
    with pytest.raises(UndecodableEvent):
        parse(codec, message, value=value)


def test_parse_message_rejects_truncated_payload(codec, message):
    with pytest.raises(UndecodableEvent):
        parse(codec, message, value=message.value[:-3])
    assert issubclass(InvalidEnvelope, UndecodableEvent)
