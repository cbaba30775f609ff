"""Unit tests of ttp_common.avro: names, schema repository, codec framing, schema registry client.

The registry tests run against FakeSchemaRegistry, a tiny in-process HTTP server implementing
the two Confluent REST endpoints the client uses. No real registry is started.
"""
import io
import json
import random
import struct
import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import fastavro
import pytest

from ttp_common import paths
from ttp_common.avro import (
    AvroCodec,
    EventCodecError,
    EventValidationError,
    SchemaRegistryClient,
    SchemaRegistryError,
    SchemaRepository,
    UndecodableEvent,
    UnknownEvent,
    event_name_from_type,
    event_topic,
    event_type,
    record_full_name,
    schema_fingerprint,
)

UTC = timezone.utc

SAMPLES = {
    "registry.organization.registered.v1": {
        "organization_id": "org-1", "name": "四川大学", "credit_code": "12510000450752036X",
        "kind": "university", "region_code": "510100", "supervising_department": "教育厅",
        "state_established": True,
    },
    "transactions.contract.registered.v1": {
        "contract_id": "c-1", "registration_number": "2019510100000123", "contract_type": "licence",
        "contract_amount": Decimal("123456789012345678.99"), "technology_transaction_amount": Decimal("-0.01"),
        "seller_organization_id": "org-1", "region_code": "510100",
        "registered_at": datetime(2019, 6, 30, 8, 0, 0, 123000, tzinfo=UTC),
        "buyer_organization_id": "org-2", "achievement_id": None, "programme": 3, "listing_id": None,
        "auction_id": "a-1", "broker_person_ids": ["u-1", "u-2"], "effective_date": date(2019, 6, 30),
        "imported": True, "ip_right_ids": ["p-1"], "transfer_mode": "licence", "licence_kind": "sole",
    },
    "finance.transformation_project.approved.v1": {
        "project_id": "p-2", "title": "川芎道地药材成果推广", "category": "promoted", "programme": 9,
        "region_code": "510100", "organization_id": "org-1", "responsible_department": "省农业农村厅",
        "budget": Decimal("3500000.00"), "achievement_ids": ["a-1"],
        "approved_at": datetime(2018, 3, 1, 2, 0, 0, tzinfo=UTC), "effective_date": date(2018, 3, 1),
        "imported": True,
    },
    "finance.project.approved.v1": {
        "project_id": "p-1", "title": "高端装备成果转化", "category": "major", "programme": 15,
        "region_code": "510700", "organization_id": "org-1", "responsible_department": "省科技厅",
    },
    "talent.person.registered.v1": {"person_id": "u-1", "kinds": ["broker", "expert"], "organization_id": None},
    "metrics.task.updated.v1": {"task_id": "t-7", "status": "in_progress", "note": "已召开推进会", "updated_by": "u-2"},
}


@pytest.fixture(scope="module")
def repository():
    return SchemaRepository()


@pytest.fixture
def codec(repository):
    return AvroCodec(repository)


def rabin64(data: bytes) -> int:
    """CRC-64-AVRO, written out from the Avro specification, to check fastavro's independently."""
    empty = 0xC15D213AA4D7A795
    table = []
    for i in range(256):
        fp = i
        for _ in range(8):
            fp = (fp >> 1) ^ (empty & -(fp & 1))
        table.append(fp & 0xFFFFFFFFFFFFFFFF)
    fp = empty
    for byte in data:
        fp = (fp >> 8) ^ table[(fp ^ byte) & 0xFF]
    return fp


# --------------------------------------------------------------------------- names


def test_topic_and_type_names():
    name = "registry.organization.registered.v1"
    assert event_topic(name) == "ttp.registry.organization"
    assert event_topic(name, prefix="t123.") == "t123.ttp.registry.organization"
    assert event_type(name) == "cn.gov.sc.ttp.registry.organization.registered.v1"
    assert event_name_from_type(event_type(name)) == name
    assert record_full_name("registry.annual_report.submitted.v2") == \
        "cn.gov.sc.ttp.registry.annual_report.AnnualReportSubmittedV2"


@pytest.mark.parametrize("bad", ["registry.organization.registered", "Registry.org.x.v1", "a.b.c.v0", "a.b.v1",
                                 "a.b.c.v1\n", ""])
def test_malformed_event_names(bad):
    with pytest.raises(UnknownEvent):
        event_topic(bad)


@pytest.mark.parametrize("bad", ["com.example.registry.organization.registered.v1", "cn.gov.sc.ttp.nonsense", ""])
def test_event_name_from_foreign_type(bad):
    with pytest.raises(UnknownEvent):
        event_name_from_type(bad)


# --------------------------------------------------------------------------- repository


def test_repository_loads_every_schema(repository):
    names = sorted(p.name[: -len(".avsc")] for p in paths.SCHEMAS_DIR.glob("*.avsc"))
    assert repository.names() == names
    assert set(SAMPLES) <= set(names)
    for name in names:
        assert repository.raw(name) == json.loads((paths.SCHEMAS_DIR / f"{name}.avsc").read_text("utf-8"))
        assert repository.schema(name)["name"] == record_full_name(name)
        assert repository.by_fingerprint(repository.fingerprint(name)) == name


def test_fingerprint_is_crc64_avro_of_canonical_form_little_endian(repository):
    assert rabin64(b'"null"') == 7195948357588979594  # test vector of the Avro implementations
    for name in repository.names():
        canonical = fastavro.schema.to_parsing_canonical_form(repository.raw(name))
        assert repository.fingerprint(name) == rabin64(canonical.encode("utf-8")).to_bytes(8, "little")


def test_unknown_event(repository):
    with pytest.raises(UnknownEvent) as info:
        repository.schema("registry.nothing.happened.v1")
    assert isinstance(info.value, KeyError) and isinstance(info.value, EventCodecError)
    assert "registry.nothing.happened.v1" in str(info.value)
    with pytest.raises(UnknownEvent):
        repository.by_fingerprint(b"\0" * 8)


def test_repository_rejects_misnamed_schema(tmp_path):
    raw = json.loads((paths.SCHEMAS_DIR / "metrics.task.updated.v1.avsc").read_text("utf-8"))
    (tmp_path / "metrics.task.changed.v1.avsc").write_text(json.dumps(raw), "utf-8")
    with pytest.raises(EventCodecError, match="TaskChangedV1"):
        SchemaRepository(tmp_path)


# --------------------------------------------------------------------------- codec


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_round_trip(codec, name):
    payload = codec.encode(name, SAMPLES[name])
    assert codec.decode(payload) == (name, SAMPLES[name])


def test_single_object_encoding_is_readable_from_the_avsc_file_alone(codec):
    name = "transactions.contract.registered.v1"
    payload = codec.encode(name, SAMPLES[name])
    schema = fastavro.parse_schema(json.loads((paths.SCHEMAS_DIR / f"{name}.avsc").read_text("utf-8")))
    canonical = fastavro.schema.to_parsing_canonical_form(schema).encode("utf-8")
    assert payload[:2] == b"\xc3\x01"
    assert payload[2:10] == struct.pack("<Q", rabin64(canonical))
    assert fastavro.schemaless_reader(io.BytesIO(payload[10:]), schema) == SAMPLES[name]


def test_optional_fields_default(codec):
    data = {"task_id": "t-1", "status": "done", "updated_by": "u-1"}
    assert codec.decode(codec.encode("metrics.task.updated.v1", data))[1] == {**data, "note": None}


@pytest.mark.parametrize("change, message", [
    ({"programme": "15"}, "programme"),
    ({"title": None}, "title"),
    ({"programme": 2**31}, "programme"),
    ({"unexpected": 1}, "unknown field"),
])
def test_encode_rejects_bad_data(codec, change, message):
    data = {**SAMPLES["finance.project.approved.v1"], **change}
    with pytest.raises(EventValidationError, match=message) as info:
        codec.encode("finance.project.approved.v1", data)
    assert info.value.event_name == "finance.project.approved.v1"
    assert isinstance(info.value, EventCodecError)


def test_encode_rejects_missing_required_field(codec):
    data = dict(SAMPLES["registry.organization.registered.v1"])
    del data["credit_code"]
    with pytest.raises(EventValidationError, match="credit_code"):
        codec.encode("registry.organization.registered.v1", data)


@pytest.mark.parametrize("change", [
    {"contract_amount": Decimal("1.005")},  # more decimals than the scale
    {"contract_amount": 10.5},  # floats are not money
    {"contract_amount": Decimal("1" * 19 + ".00")},  # more digits than the precision
    {"registered_at": datetime(2019, 6, 30, 8, 0)},  # naive: would silently be taken as UTC
    {"registered_at": "2019-06-30"},
])
def test_encode_rejects_bad_money_and_time(codec, change):
    data = {**SAMPLES["transactions.contract.registered.v1"], **change}
    with pytest.raises(EventValidationError):
        codec.encode("transactions.contract.registered.v1", data)


def test_encode_accepts_aware_non_utc_time(codec):
    beijing = timezone(timedelta(hours=8))
    data = {**SAMPLES["transactions.contract.registered.v1"],
            "registered_at": datetime(2019, 6, 30, 16, 0, tzinfo=beijing)}
    decoded = codec.decode(codec.encode("transactions.contract.registered.v1", data))[1]
    assert decoded["registered_at"] == datetime(2019, 6, 30, 8, 0, tzinfo=UTC)


def test_encode_unknown_event_and_non_mapping(codec):
    with pytest.raises(UnknownEvent):
        codec.encode("registry.nothing.happened.v1", {})
    with pytest.raises(EventValidationError):
        codec.encode("metrics.task.updated.v1", ["t-1"])


@pytest.mark.parametrize("payload, message", [
    (b"", "framing"),
    (b"{\"json\": true}", "framing"),
    (b"\xc3\x01\x00", "truncated"),
    (b"\xc3\x01" + b"\x00" * 8 + b"\x02a", "fingerprint"),
    (b"\x00\x00\x00", "truncated"),
    (b"\x00\x00\x00\x00\x01\x02a", "registry"),
])
def test_decode_rejects_foreign_payloads(codec, payload, message):
    with pytest.raises(UndecodableEvent, match=message):
        codec.decode(payload)


def test_decode_rejects_truncated_and_padded_bodies(codec):
    for name, data in SAMPLES.items():
        payload = codec.encode(name, data)
        for cut in range(10, len(payload)):
            with pytest.raises(UndecodableEvent):
                codec.decode(payload[:cut])
        with pytest.raises(UndecodableEvent, match="trailing"):
            codec.decode(payload + b"\x00")


def whole_body(body, schema):
    """The record ``body`` is, read with fastavro alone, if it is exactly one valid body of ``schema``; else None."""
    stream = io.BytesIO(body)
    try:
        record = fastavro.schemaless_reader(stream, schema)
    except Exception:  # EOFError, IndexError, UnicodeDecodeError, ...: not a body of this schema
        return None
    return record if stream.tell() == len(body) else None


def test_decode_refuses_garbage_and_raises_nothing_but_undecodable(codec, repository):
    """Random bytes behind a known fingerprint: refused with UndecodableEvent (any other exception fails the
    test), unless they happen to be one whole valid body of that schema (checked with fastavro alone), and then
    decoded as exactly that record. A decoder that let garbage through (a default, a partial record, junk
    left unread) fails here."""
    rng = random.Random(71)
    refused = tried = 0
    for name in repository.names():
        header = b"\xc3\x01" + repository.fingerprint(name)
        for _ in range(300):
            body = rng.randbytes(rng.randint(0, 40))
            tried += 1
            try:
                decoded = codec.decode(header + body)
            except UndecodableEvent:
                refused += 1
                continue
            record = whole_body(body, repository.schema(name))
            assert record is not None, f"{name}: accepted {body!r}, which is not a body of its schema"
            assert decoded == (name, record)
    assert refused > tried * 0.9  # the bytes really are garbage nearly always (all 21,600 of them today)


# --------------------------------------------------------------------------- schema registry


class FakeSchemaRegistry:
    """FAKE schema registry for tests: the two Confluent REST endpoints, in memory, in-process.

    POST /subjects/{subject}/versions -> {"id": n} (same schema text, same id)
    GET  /schemas/ids/{id}            -> {"schema": "..."} or 404
    """

    def __init__(self):
        self.ids: dict[str, int] = {}
        self.subjects: dict[str, list[int]] = {}
        self.requests: list[tuple[str, str]] = []
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/vnd.schemaregistry.v1+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                path = self.path.split("?")[0]  # clients may add ?normalize=...
                registry.requests.append(("POST", path))
                parts = path.strip("/").split("/")
                if len(parts) != 3 or parts[0] != "subjects" or parts[2] != "versions":
                    return self._reply(404, {"error_code": 404, "message": "not found"})
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                schema_id = registry.add(parts[1], body["schema"])
                self._reply(200, {"id": schema_id})

            def do_GET(self):
                path = self.path.split("?")[0]
                registry.requests.append(("GET", path))
                parts = path.strip("/").split("/")
                by_id = {v: k for k, v in registry.ids.items()}
                if len(parts) == 3 and parts[:2] == ["schemas", "ids"] and int(parts[2]) in by_id:
                    return self._reply(200, {"schema": by_id[int(parts[2])]})
                self._reply(404, {"error_code": 40403, "message": "Schema not found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def add(self, subject: str, schema_text: str) -> int:
        schema_id = self.ids.setdefault(schema_text, len(self.ids) + 1)
        self.subjects.setdefault(subject, []).append(schema_id)
        return schema_id


@pytest.fixture
def fake_registry():
    registry = FakeSchemaRegistry()
    registry.thread.start()
    yield registry
    registry.server.shutdown()
    registry.server.server_close()


def test_confluent_wire_format_with_registry(repository, fake_registry):
    producer = AvroCodec(repository, schema_registry_url=fake_registry.url)
    name = "transactions.contract.registered.v1"
    payload = producer.encode(name, SAMPLES[name])
    producer.encode(name, SAMPLES[name])

    subject = "cn.gov.sc.ttp.transactions.contract.ContractRegisteredV1"  # RecordNameStrategy
    assert fake_registry.subjects == {subject: [1]}
    assert fake_registry.requests == [("POST", f"/subjects/{subject}/versions")]  # cached afterwards
    assert payload[:5] == b"\x00\x00\x00\x00\x01"

    consumer = AvroCodec(repository, schema_registry_url=fake_registry.url)
    assert consumer.decode(payload) == (name, SAMPLES[name])
    assert consumer.decode(payload) == (name, SAMPLES[name])
    assert fake_registry.requests[1:] == [("GET", "/schemas/ids/1")]
    # A registry consumer still reads single-object payloads from producers without one.
    assert consumer.decode(AvroCodec(repository).encode(name, SAMPLES[name])) == (name, SAMPLES[name])


def test_registry_payload_of_an_older_revision_is_resolved_to_the_local_schema(repository, fake_registry):
    older = json.loads(json.dumps(repository.raw("metrics.task.updated.v1")))
    older["fields"] = [f for f in older["fields"] if f["name"] != "note"]
    schema_id = fake_registry.add("cn.gov.sc.ttp.metrics.task.TaskUpdatedV1", json.dumps(older))
    body = io.BytesIO()
    fastavro.schemaless_writer(body, fastavro.parse_schema(older),
                               {"task_id": "t-1", "status": "done", "updated_by": "u-1"})
    payload = b"\x00" + struct.pack(">I", schema_id) + body.getvalue()

    name, data = AvroCodec(repository, schema_registry_url=fake_registry.url).decode(payload)
    assert (name, data) == ("metrics.task.updated.v1",
                            {"task_id": "t-1", "status": "done", "note": None, "updated_by": "u-1"})


def test_registry_unknown_id_and_foreign_schema(repository, fake_registry):
    codec = AvroCodec(repository, schema_registry_url=fake_registry.url)
    with pytest.raises(UndecodableEvent, match="unknown to the registry"):
        codec.decode(b"\x00\x00\x00\x00\x63\x02a")
    foreign = fake_registry.add("com.example.Thing", json.dumps(
        {"type": "record", "name": "Thing", "namespace": "com.example", "fields": []}))
    with pytest.raises(UndecodableEvent, match="com.example.Thing"):
        codec.decode(b"\x00" + struct.pack(">I", foreign))


def test_registry_unreachable_is_not_an_undecodable_message(repository):
    client = SchemaRegistryClient("http://127.0.0.1:9", timeout=2)
    codec = AvroCodec(repository, registry_client=client)
    with pytest.raises(SchemaRegistryError):
        codec.encode("metrics.task.updated.v1", SAMPLES["metrics.task.updated.v1"])
    with pytest.raises(SchemaRegistryError) as info:
        codec.decode(b"\x00\x00\x00\x00\x01\x02a")
    assert not isinstance(info.value, UndecodableEvent)  # transient: retry, don't dead-letter


def test_a_payload_written_with_an_older_frozen_revision_still_decodes(repository):
    """During a rollout (or after `make replay`) consumers meet payloads of earlier revisions."""
    name = "registry.organization.registered.v1"
    r1 = fastavro.parse_schema(json.loads(
        (paths.SCHEMAS_DIR / "revisions" / name / "r1.avsc").read_text(encoding="utf-8")))
    record = {"organization_id": "org-1", "name": "四川大学", "credit_code": "91350100M000100Y43",
              "kind": "university", "region_code": "510100"}
    body = io.BytesIO()
    fastavro.schemaless_writer(body, r1, record)
    payload = b"\xc3\x01" + schema_fingerprint(r1) + body.getvalue()
    assert schema_fingerprint(r1) != repository.fingerprint(name)  # really the older revision

    assert AvroCodec(repository).decode(payload) == (name, {**record, "supervising_department": None,
                                                            "state_established": None})


def test_list_and_dict_subclasses_encode_like_plain_ones(repository):
    """Documents hand over their own list types (mongoengine's BaseList); the payload is the same."""
    class MyList(list):
        pass

    codec = AvroCodec(repository)
    name = "talent.person.registered.v1"
    plain = {"person_id": "p-1", "kinds": ["broker"], "organization_id": None}
    assert codec.encode(name, {**plain, "kinds": MyList(["broker"])}) == codec.encode(name, plain)
