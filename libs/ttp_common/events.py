"""Glue between the codec/envelope and the services: actors, the outbox row."""
import functools
from dataclasses import dataclass

from . import avro, envelope


@dataclass(frozen=True)
class Actor:
    """Who caused a state change, carried in CloudEvents extension attributes."""

    sub: str
    role: str
    org: str | None = None
    region: str | None = None
    ip: str | None = None
    client: str | None = None  # the client system that acted as ``role`` (ttp_common.client_access)

    @classmethod
    def from_principal(cls, principal, ip=None):
        client = principal.client_id if getattr(principal, "via_client", False) else None
        return cls(sub=principal.sub, role=principal.role, org=principal.org, region=principal.region, ip=ip,
                   client=client)

    def extensions(self):
        ext = {"actor": self.sub, "actorrole": self.role}
        if self.org:
            ext["actororg"] = self.org
        if self.region:
            ext["actorregion"] = self.region
        if self.ip:
            ext["actorip"] = self.ip
        if self.client:
            ext["actorclient"] = self.client
        return ext


@functools.lru_cache(maxsize=None)
def repository():
    return avro.SchemaRepository()


@functools.lru_cache(maxsize=None)
def codec(schema_registry_url=None):
    return avro.AvroCodec(repository(), schema_registry_url=schema_registry_url)


def build(codec_, event_name, data, *, source, subject, actor=None, causation_id=None, correlation_id=None,
          topic_prefix=""):
    extensions = actor.extensions() if actor is not None else {}
    if correlation_id:
        extensions["correlationid"] = correlation_id
    if causation_id:
        extensions["causationid"] = causation_id
    return envelope.build_message(
        codec_, event_name, data, source=source, subject=subject,
        extensions=extensions, topic_prefix=topic_prefix,
    )


def outbox_document(message, created):
    """The outbox row: the exact bytes to publish, so a replay sends the same event (same ``ce_id``)."""
    headers = dict(message.headers)
    return {
        "event_id": headers["ce_id"].decode(),
        "type": headers["ce_type"].decode(),
        "topic": message.topic,
        "key": message.key,
        "value": message.value,
        "headers": [[k, v] for k, v in message.headers],
        "created_at": created,
        "sent": False,
    }
