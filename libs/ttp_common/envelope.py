"""CloudEvents 1.0 envelope for Kafka messages: Kafka protocol binding, binary mode (DESIGN.md §3).

The CloudEvents attributes travel as ``ce_*`` headers (``content-type`` for
``datacontenttype``), the Avro payload (see :mod:`ttp_common.avro`) is the message value and
the aggregate id is the message key. Messages are built and read with the CloudEvents SDK's
supported API, ``cloudevents.core.bindings.kafka`` (``cloudevents.v1`` is the legacy 1.x API
kept for compatibility), so any standard CloudEvents subscriber can read them.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.v1.event import CloudEvent

from ttp_common.avro import (
    AvroCodec,
    EventCodecError,
    UndecodableEvent,
    UnknownEvent,
    event_name_from_type,
    event_topic,
    event_type,
)

SPECVERSION = "1.0"
CONTENT_TYPE = "application/avro"
REQUIRED_HEADERS = ("ce_specversion", "ce_id", "ce_source", "ce_type")
CORE_ATTRIBUTES = {"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "dataschema"}
# "data" is reserved by the spec; "partitionkey" is where the SDK puts the Kafka key.
RESERVED_EXTENSIONS = CORE_ATTRIBUTES | {"data", "partitionkey"}
EXTENSION_NAME_RE = re.compile(r"[a-z0-9]{1,20}")  # used with fullmatch


class EnvelopeError(EventCodecError, ValueError):
    """A message cannot be built from the given arguments."""


class InvalidEnvelope(UndecodableEvent):
    """A received message's CloudEvents headers are missing, invalid or disagree with its payload."""


def schema_uri(event_name: str) -> str:
    """The ``dataschema`` attribute: names the schema file ``schemas/<event_name>.avsc``."""
    return f"urn:ttp:schema:{event_name}"


class _AvroData:
    """CloudEvents SDK ``Format`` for binary mode: the data is already-encoded Avro bytes.

    The SDK's JSONFormat would turn bytes that happen to be valid UTF-8 into ``str``.
    Structured mode is not used on this platform.
    """

    def write_data(self, data: Any, datacontenttype: str | None) -> bytes:
        return bytes(data or b"")

    def read_data(self, body: bytes, datacontenttype: str | None) -> bytes:
        return bytes(body or b"")

    def get_content_type(self) -> str:
        return CONTENT_TYPE

    def read(self, event_factory: Any, data: Any) -> Any:
        raise NotImplementedError("structured mode is not used for TTP events")

    def write(self, event: Any) -> bytes:
        raise NotImplementedError("structured mode is not used for TTP events")


AVRO_DATA_FORMAT = _AvroData()


@dataclass
class OutgoingMessage:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass
class ReceivedEvent:
    id: str
    type: str
    source: str
    subject: str | None
    time: datetime | None
    event_name: str
    data: dict
    extensions: dict[str, str]
    topic: str
    partition: int | None
    offset: int | None
    key: bytes | None
    headers: list[tuple[str, bytes]] = field(repr=False)


def build_message(
    codec: AvroCodec,
    event_name: str,
    data: Mapping[str, Any],
    *,
    source: str,
    subject: str,
    key: bytes | str | None = None,
    event_id: str | None = None,
    time: datetime | None = None,
    extensions: Mapping[str, Any] | None = None,
    topic_prefix: str = "",
) -> OutgoingMessage:
    """Encode ``data`` and wrap it in a binary-mode CloudEvent for the event's topic.

    ``subject`` is the aggregate id and, unless ``key`` is given, the Kafka key (UTF-8).
    ``extensions`` (e.g. ``actor``, ``actorrole``, ``actororg``, ``actorip``, ``correlationid``)
    become ``ce_<name>`` headers; ``None`` values are left out.
    """
    if not isinstance(source, str) or not source:
        raise EnvelopeError("source must be a non-empty URI reference, e.g. /ttp/registry")
    if not isinstance(subject, str) or not subject:
        raise EnvelopeError("subject (the aggregate id) must be a non-empty string")
    if time is None:
        time = datetime.now(timezone.utc)
    elif not isinstance(time, datetime) or time.utcoffset() is None:
        raise EnvelopeError("time must be a timezone-aware datetime")
    key_bytes = (subject if key is None else key)
    key_bytes = key_bytes.encode("utf-8") if isinstance(key_bytes, str) else bytes(key_bytes)

    attributes: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": event_id or str(uuid.uuid4()),
        "source": source,
        "type": event_type(event_name),
        "time": time.astimezone(timezone.utc),
        "subject": subject,
        "datacontenttype": CONTENT_TYPE,
        "dataschema": schema_uri(event_name),
    }
    for name, value in (extensions or {}).items():
        if not isinstance(name, str) or not EXTENSION_NAME_RE.fullmatch(name) or name in RESERVED_EXTENSIONS:
            raise EnvelopeError(f"invalid CloudEvents extension name {name!r}: "
                                "1-20 lowercase letters/digits, not a reserved attribute")
        if value is None:
            continue
        if not isinstance(value, (str, int, bool)):
            raise EnvelopeError(f"extension {name} must be a string, integer or boolean")
        attributes[name] = str(value).lower() if isinstance(value, bool) else str(value)

    value = codec.encode(event_name, data)
    try:
        event = CloudEvent(attributes, value)
    except BaseCloudEventException as exc:
        raise EnvelopeError(str(exc)) from exc
    message = ce_kafka.to_binary(event, AVRO_DATA_FORMAT, key_mapper=lambda _event: key_bytes)
    return OutgoingMessage(
        topic=event_topic(event_name, prefix=topic_prefix),
        key=key_bytes,
        value=message.value,
        headers=list(message.headers.items()),
    )


def parse_message(
    codec: AvroCodec,
    topic: str,
    partition: int | None,
    offset: int | None,
    key: bytes | None,
    value: bytes | None,
    headers: Iterable[tuple[str, bytes | None]] | None,
) -> ReceivedEvent:
    """Read a binary-mode CloudEvent from a Kafka record (the fields kafka-python's ConsumerRecord has).

    Raises :class:`InvalidEnvelope` (an ``UndecodableEvent``) for missing/invalid CloudEvents
    headers or a payload of another event type than ``ce_type``, and ``UndecodableEvent`` for a
    payload that cannot be decoded. ``SchemaRegistryError`` (registry unreachable) propagates:
    it is transient, not the message's fault.
    """
    header_list = list(headers or [])
    ce_headers = _ce_headers(header_list)
    missing = [name for name in REQUIRED_HEADERS if not ce_headers.get(name)]
    if missing:  # checked here: the SDK would silently invent an id and a time
        raise InvalidEnvelope(f"missing CloudEvents header(s) {', '.join(missing)}")
    if ce_headers["ce_specversion"] != SPECVERSION:
        raise InvalidEnvelope(f"unsupported ce_specversion {ce_headers['ce_specversion']!r} (expected {SPECVERSION})")
    content_type = ce_headers.get("content-type")
    if content_type is not None and content_type.split(";")[0].strip().lower() != CONTENT_TYPE:
        raise InvalidEnvelope(f"content-type {content_type!r} is not {CONTENT_TYPE}")
    try:
        expected_event = event_name_from_type(ce_headers["ce_type"])
    except UnknownEvent as exc:
        raise InvalidEnvelope(f"ce_type: {exc}") from None
    if value is None:
        raise InvalidEnvelope("message has no value (tombstone)")

    sdk_message = ce_kafka.KafkaMessage(
        headers={name: raw.encode("utf-8") for name, raw in ce_headers.items()}, key=None, value=bytes(value))
    try:
        event = ce_kafka.from_binary(sdk_message, AVRO_DATA_FORMAT, CloudEvent)
    except (BaseCloudEventException, ValueError, TypeError, OverflowError) as exc:
        raise InvalidEnvelope(f"invalid CloudEvents attributes: {exc}") from exc

    event_name, data = codec.decode(event.get_data())
    if event_name != expected_event:
        raise InvalidEnvelope(f"payload is a {event_name} but ce_type says {ce_headers['ce_type']}")
    attributes = event.get_attributes()
    time = event.get_time() if "ce_time" in ce_headers else None  # the SDK fills in "now" when absent
    return ReceivedEvent(
        id=event.get_id(),
        type=event.get_type(),
        source=event.get_source(),
        subject=event.get_subject(),
        time=None if time is None else time.astimezone(timezone.utc),
        event_name=event_name,
        data=data,
        extensions={k: v for k, v in attributes.items() if k not in CORE_ATTRIBUTES},
        topic=topic,
        partition=partition,
        offset=offset,
        key=None if key is None else bytes(key),
        headers=header_list,
    )


def _ce_headers(headers: list[tuple[str, bytes | None]]) -> dict[str, str]:
    """The ``ce_*`` and ``content-type`` headers, lower-cased names, UTF-8 values; others are ignored."""
    result: dict[str, str] = {}
    for name, raw in headers:
        name = name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
        lowered = name.lower()
        if not (lowered.startswith("ce_") or lowered == "content-type"):
            continue
        if lowered in result:
            raise InvalidEnvelope(f"duplicate header {name}")
        if raw is None:
            raise InvalidEnvelope(f"header {name} has no value")
        try:
            result[lowered] = raw if isinstance(raw, str) else bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidEnvelope(f"header {name} is not UTF-8") from None
    return result
