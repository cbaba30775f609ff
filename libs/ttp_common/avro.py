"""Avro codec for the platform's events (DESIGN.md §3).

Event names look like ``registry.organization.registered.v1``
(``<service>.<aggregate>.<event>.v<N>``); each has one schema in ``schemas/<name>.avsc``.

Payload framing:

* default: Avro *single-object encoding* (``C3 01`` + 8-byte little-endian CRC-64-AVRO
  fingerprint of the schema's Parsing Canonical Form + Avro binary body), so the published
  ``.avsc`` files alone are enough to decode;
* with a schema registry: the Confluent wire format (``00`` + 4-byte big-endian schema id +
  body), registering schemas under the RecordNameStrategy subject (the record's full name),
  so several event types can share one topic.

``SchemaRegistryClient`` wraps Confluent's client library for the two standard
endpoints we need (``POST /subjects/{subject}/versions``, ``GET /schemas/ids/{id}``), which
Confluent Schema Registry, Karapace and Apicurio (ccompat API) all serve. No real registry is
run locally: the unit tests use a tiny in-process fake.
"""
from __future__ import annotations

import io
import json
import re
import struct
from datetime import datetime
from pathlib import Path
from typing import Any, Mapping

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form
from fastavro.validation import ValidationError, validate

from ttp_common import paths

EVENT_NAME_RE = re.compile(r"([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)\.v([1-9][0-9]*)")  # used with fullmatch
TYPE_PREFIX = "cn.gov.sc.ttp."
TOPIC_PREFIX = "ttp."

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = b"\x00"


class EventCodecError(Exception):
    """Base class of every error raised by the event codec and envelope."""


class UnknownEvent(EventCodecError, KeyError):
    """The event name (or schema) is not in the schema repository."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class EventValidationError(EventCodecError, ValueError):
    """The data does not match the event's schema; nothing was encoded."""

    def __init__(self, event_name: str, message: str):
        super().__init__(f"{event_name}: {message}")
        self.event_name = event_name
        self.message = message


class UndecodableEvent(EventCodecError, ValueError):
    """A payload (or message) cannot be decoded; consumers dead-letter it."""


class SchemaRegistryError(EventCodecError):
    """The schema registry could not be reached or refused a request (``status``: HTTP status, if any)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


# --------------------------------------------------------------------------- names


def parse_event_name(event_name: str) -> tuple[str, str, str, int]:
    """Split ``service.aggregate.event.vN`` into its parts; ``UnknownEvent`` if malformed."""
    match = EVENT_NAME_RE.fullmatch(event_name or "")
    if not match:
        raise UnknownEvent(f"malformed event name {event_name!r} (expected <service>.<aggregate>.<event>.v<N>)")
    service, aggregate, event, version = match.groups()
    return service, aggregate, event, int(version)


def event_topic(event_name: str, prefix: str = "") -> str:
    """``registry.organization.registered.v1`` -> ``ttp.registry.organization`` (``prefix`` prepended verbatim)."""
    service, aggregate, _, _ = parse_event_name(event_name)
    return f"{prefix}{TOPIC_PREFIX}{service}.{aggregate}"


def event_type(event_name: str) -> str:
    """CloudEvents ``type``: ``cn.gov.sc.ttp.registry.organization.registered.v1``."""
    parse_event_name(event_name)
    return TYPE_PREFIX + event_name


def event_name_from_type(ce_type: str) -> str:
    """Inverse of :func:`event_type`; ``UnknownEvent`` for a type outside the platform."""
    if not ce_type or not ce_type.startswith(TYPE_PREFIX):
        raise UnknownEvent(f"not a TTP event type: {ce_type!r}")
    name = ce_type[len(TYPE_PREFIX):]
    parse_event_name(name)
    return name


def record_full_name(event_name: str) -> str:
    """The Avro record full name the schema of ``event_name`` must have.

    ``registry.organization.registered.v1`` -> ``cn.gov.sc.ttp.registry.organization.OrganizationRegisteredV1``
    """
    service, aggregate, event, version = parse_event_name(event_name)
    camel = "".join(part.capitalize() for part in f"{aggregate}_{event}".split("_"))
    return f"{TYPE_PREFIX}{service}.{aggregate}.{camel}V{version}"


def schema_fingerprint(schema: Any) -> bytes:
    """CRC-64-AVRO (Rabin) fingerprint of the Parsing Canonical Form, as the 8 little-endian bytes
    that single-object encoding puts on the wire (fastavro returns exactly those bytes in hex)."""
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))


# --------------------------------------------------------------------------- schemas


class SchemaRepository:
    """The event schemas of a directory of ``<event name>.avsc`` files, loaded once."""

    def __init__(self, directory: str | Path = paths.SCHEMAS_DIR):
        self.directory = Path(directory)
        self._raw: dict[str, dict] = {}
        self._parsed: dict[str, Any] = {}
        self._by_fingerprint: dict[bytes, str] = {}
        self._by_full_name: dict[str, str] = {}
        self._writers: dict[bytes, Any] = {}  # fingerprint -> the revision that wrote it
        if not self.directory.is_dir():
            raise EventCodecError(f"schema directory {self.directory} does not exist")
        for path in sorted(self.directory.glob("*.avsc")):
            name = path.name[: -len(".avsc")]
            try:
                raw = json.loads(path.read_text(encoding="utf-8"))
                parsed = fastavro.parse_schema(raw)
            except Exception as exc:
                raise EventCodecError(f"invalid Avro schema {path}: {exc}") from exc
            # Decoding maps registry schemas back to event names by record full name.
            expected = record_full_name(name) if EVENT_NAME_RE.fullmatch(name) else None
            if parsed.get("name") != expected:
                raise EventCodecError(f"{path}: the file must be named <service>.<aggregate>.<event>.v<N>.avsc "
                                      f"and hold the record {expected or '<namespace>.<AggregateEventVN>'}, "
                                      f"not {parsed.get('name')!r}")
            self._raw[name] = raw
            self._parsed[name] = parsed
            self._by_fingerprint[schema_fingerprint(parsed)] = name
            self._by_full_name[parsed["name"]] = name
            self._writers[schema_fingerprint(parsed)] = parsed
            # Older published revisions stay decodable: their fingerprints name their own writer schema.
            for revision in sorted((self.directory / "revisions" / name).glob("r*.avsc")):
                try:
                    writer = fastavro.parse_schema(json.loads(revision.read_text(encoding="utf-8")))
                except Exception as exc:
                    raise EventCodecError(f"invalid Avro schema {revision}: {exc}") from exc
                self._by_fingerprint.setdefault(schema_fingerprint(writer), name)
                self._writers.setdefault(schema_fingerprint(writer), writer)

    def names(self) -> list[str]:
        return sorted(self._raw)

    def __contains__(self, event_name: str) -> bool:
        return event_name in self._raw

    def schema(self, event_name: str) -> Any:
        """The parsed schema (for fastavro)."""
        return self._parsed[self._check(event_name)]

    def raw(self, event_name: str) -> dict:
        """The schema as written in the file (with docs)."""
        return self._raw[self._check(event_name)]

    def fingerprint(self, event_name: str) -> bytes:
        return schema_fingerprint(self.schema(event_name))

    def by_fingerprint(self, fp: bytes) -> str:
        """Event name of the schema with this 8-byte CRC-64-AVRO fingerprint."""
        try:
            return self._by_fingerprint[bytes(fp)]
        except KeyError:
            raise UnknownEvent(f"no schema with fingerprint {bytes(fp).hex()} in {self.directory}") from None

    def writer(self, fp: bytes) -> Any:
        """The schema revision (current or frozen in ``revisions/``) with this fingerprint."""
        self.by_fingerprint(fp)
        return self._writers[bytes(fp)]

    def by_full_name(self, full_name: str) -> str:
        """Event name of the schema whose record has this full name."""
        try:
            return self._by_full_name[full_name]
        except KeyError:
            raise UnknownEvent(f"no schema for record {full_name!r} in {self.directory}") from None

    def _check(self, event_name: str) -> str:
        if event_name not in self._raw:
            raise UnknownEvent(f"unknown event {event_name!r}: no {event_name}.avsc in {self.directory}")
        return event_name


# --------------------------------------------------------------------------- registry client


class SchemaRegistryClient:
    """Our two registry calls, over Confluent's own client (``confluent-kafka[schemaregistry]``).

    The library speaks the Confluent REST API (also served by Karapace and Apicurio) and caches
    ids and schemas; this adapter maps its errors to ``SchemaRegistryError`` and parses schemas
    with fastavro.
    """

    def __init__(self, url: str, timeout: float = 10.0):
        from confluent_kafka.schema_registry import SchemaRegistryClient as ConfluentClient

        self.url = url.rstrip("/")
        # Few quick retries: the consumer backs off on its own when the registry is unreachable.
        self._client = ConfluentClient({"url": self.url, "timeout": int(timeout), "max.retries": 1,
                                        "retries.wait.ms": 200, "retries.max.wait.ms": 1000})
        self._schemas: dict[int, Any] = {}

    def register(self, subject: str, schema: Mapping) -> int:
        """Register ``schema`` under ``subject`` (idempotent: returns the existing id if known)."""
        from confluent_kafka.schema_registry import Schema

        return self._call(f"register {subject}", self._client.register_schema,
                          subject, Schema(json.dumps(schema, ensure_ascii=False), "AVRO"))

    def get_schema(self, schema_id: int) -> Any:
        """The parsed Avro schema with this id."""
        if schema_id not in self._schemas:
            found = self._call(f"schema {schema_id}", self._client.get_schema, schema_id)
            if (found.schema_type or "AVRO") != "AVRO":
                raise SchemaRegistryError(f"schema {schema_id} is {found.schema_type}, not Avro")
            try:
                self._schemas[schema_id] = fastavro.parse_schema(json.loads(found.schema_str))
            except Exception as exc:
                raise SchemaRegistryError(f"schema {schema_id} from the registry is not valid Avro: {exc}") from exc
        return self._schemas[schema_id]

    def _call(self, what, method, *args):
        from confluent_kafka.schema_registry.error import SchemaRegistryError as ConfluentError

        try:
            return method(*args)
        except ConfluentError as exc:
            status = exc.http_status_code if exc.http_status_code and exc.http_status_code > 0 else None
            raise SchemaRegistryError(f"schema registry {self.url}: {what} -> {exc}", status=status) from exc
        except Exception as exc:  # connection refused, timeouts: the registry is unreachable
            raise SchemaRegistryError(f"schema registry {self.url} unreachable ({what}): {exc}") from exc


# --------------------------------------------------------------------------- codec


class AvroCodec:
    """Encode/decode event payloads (see the module docstring for the framing)."""

    def __init__(self, repository: SchemaRepository, schema_registry_url: str | None = None,
                 registry_client: SchemaRegistryClient | None = None):
        self.repository = repository
        self.registry = registry_client or (SchemaRegistryClient(schema_registry_url) if schema_registry_url else None)

    # -- encode

    def encode(self, event_name: str, data: Mapping[str, Any]) -> bytes:
        """Validate ``data`` strictly against the event's schema and encode it."""
        schema = self.repository.schema(event_name)
        record = self._checked_record(event_name, schema, data)
        body = io.BytesIO()
        fastavro.schemaless_writer(body, schema, record)
        if self.registry is None:
            header = SINGLE_OBJECT_MAGIC + self.repository.fingerprint(event_name)
        else:
            schema_id = self.registry.register(schema["name"], self.repository.raw(event_name))
            header = CONFLUENT_MAGIC + struct.pack(">I", schema_id)
        return header + body.getvalue()

    @staticmethod
    def _checked_record(event_name: str, schema: Any, data: Mapping[str, Any]) -> dict:
        if not isinstance(data, Mapping):
            raise EventValidationError(event_name, f"data must be a mapping, not {type(data).__name__}")
        fields = {f["name"]: f for f in schema["fields"]}
        unknown = sorted(set(data) - set(fields))
        if unknown:  # fastavro silently drops unknown keys; a typo must not lose data
            raise EventValidationError(event_name, f"unknown field(s) {', '.join(map(str, unknown))}")
        record = _plain(data)
        for name, field in fields.items():
            if name not in record:
                if "default" not in field:
                    raise EventValidationError(event_name, f"missing required field {name}")
                record[name] = field["default"]
        naive = _find_naive_datetime(record)
        if naive:  # fastavro would silently read a naive datetime as UTC
            raise EventValidationError(event_name, f"{naive} is a naive datetime; use a timezone-aware one")
        try:
            validate(record, schema, raise_errors=True, strict=True)
        except ValidationError as exc:
            raise EventValidationError(event_name, "; ".join(str(e) for e in exc.errors) or str(exc)) from exc
        except (ValueError, TypeError) as exc:  # e.g. decimal scale/precision mismatch
            raise EventValidationError(event_name, str(exc)) from exc
        return record

    # -- decode

    def decode(self, payload: bytes) -> tuple[str, dict]:
        """Return ``(event_name, data)``; ``UndecodableEvent`` for anything not ours or broken."""
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            raise UndecodableEvent(f"payload must be bytes, not {type(payload).__name__}")
        payload = bytes(payload)
        if payload[:2] == SINGLE_OBJECT_MAGIC:
            if len(payload) < 10:
                raise UndecodableEvent("truncated single-object header (needs 10 bytes)")
            try:
                event_name = self.repository.by_fingerprint(payload[2:10])
            except UnknownEvent as exc:
                raise UndecodableEvent(f"unknown schema fingerprint: {exc}") from None
            writer = self.repository.writer(payload[2:10])
            return event_name, _read_body(event_name, payload[10:], writer, self.repository.schema(event_name))
        if payload[:1] == CONFLUENT_MAGIC:
            if len(payload) < 5:
                raise UndecodableEvent("truncated Confluent wire-format header (needs 5 bytes)")
            if self.registry is None:
                raise UndecodableEvent("Confluent wire-format payload but no schema registry is configured")
            (schema_id,) = struct.unpack(">I", payload[1:5])
            try:
                writer = self.registry.get_schema(schema_id)
            except SchemaRegistryError as exc:
                # An unreachable registry is not the message's fault: let it propagate so the
                # consumer retries instead of dead-lettering a good message.
                if exc.status == 404:
                    raise UndecodableEvent(f"schema id {schema_id} unknown to the registry") from exc
                raise
            try:
                event_name = self.repository.by_full_name(writer.get("name", "") if isinstance(writer, dict) else "")
            except UnknownEvent as exc:
                raise UndecodableEvent(f"schema id {schema_id}: {exc}") from None
            # Resolve the writer's revision to ours (they differ during a schema rollout).
            return event_name, _read_body(event_name, payload[5:], writer, self.repository.schema(event_name))
        raise UndecodableEvent(
            f"unknown payload framing (first bytes {payload[:2].hex() or 'empty'}; expected c301 single-object "
            "encoding or 00 Confluent wire format)")


def _plain(value: Any) -> Any:
    """Plain dicts and lists: fastavro refuses their subclasses (e.g. mongoengine's BaseList)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


def _read_body(event_name: str, body: bytes, writer: Any, reader: Any = None) -> dict:
    buf = io.BytesIO(body)
    try:
        data = fastavro.schemaless_reader(buf, writer, reader)
    except Exception as exc:  # fastavro raises EOFError, IndexError, UnicodeDecodeError, ... on garbage
        raise UndecodableEvent(f"{event_name}: corrupt or truncated Avro body ({type(exc).__name__}: {exc})") from exc
    if buf.tell() != len(body):
        raise UndecodableEvent(f"{event_name}: {len(body) - buf.tell()} unexpected trailing byte(s) after the Avro body")
    return data


def _find_naive_datetime(value: Any, path: str = "") -> str | None:
    if isinstance(value, datetime):
        return path if value.tzinfo is None or value.utcoffset() is None else None
    if isinstance(value, Mapping):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        found = _find_naive_datetime(item, f"{path}.{key}" if path else str(key))
        if found:
            return found
    return None
