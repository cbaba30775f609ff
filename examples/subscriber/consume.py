#!/usr/bin/env python3
"""Subscribe to the TTP platform's events: a complete, standalone example for other systems.

Needs only kafka-python and fastavro (see requirements.txt beside this file) and the published
schema files (`schemas/*.avsc` of the platform, plus `schemas/revisions/` for older revisions).
It does not use any of the platform's own code.

    python consume.py --bootstrap kafka.example:9092 --schemas ./schemas \
        --group my-department.ttp-reader --topic ttp.registry.organization --topic ttp.transactions.contract

Each event is printed as one JSON line:
    {"id": ..., "type": ..., "source": ..., "subject": ..., "time": ..., "topic": ..., "partition": ...,
     "offset": ..., "extensions": {"actor": ...}, "event": "registry.organization.registered.v1", "data": {...}}

What it shows:
* CloudEvents 1.0, Kafka binding, binary mode: the attributes are the `ce_*` headers;
* payload framing: Avro single-object encoding (C3 01 + CRC-64-AVRO fingerprint), or the
  Confluent wire format (00 + schema id) when the platform runs with a schema registry;
* at-least-once delivery: offsets are committed only after the events were handled, and the
  handler skips a `ce_id` it has seen before (here in memory or in a small SQLite file);
* starting late (`--from-state`): the latest state of every aggregate read from the platform's
  compacted state topics (`<topic>.state`), then the events followed from where those states end,
  with no gap and no double (docs/subscribers, section 7). `--state-out FILE` writes the states
  this subscriber holds at the end (the same fold as the platform's state keeper).
"""
import argparse
import base64
import datetime
import decimal
import io
import json
import os
import sqlite3
import struct
import sys
import time
import urllib.request
from pathlib import Path

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form
from kafka import KafkaConsumer

TYPE_PREFIX = "cn.gov.sc.ttp."


class Schemas:
    """The published .avsc files, indexed by their single-object fingerprint."""

    def __init__(self, directory, registry_url=None):
        self.by_fingerprint = {}  # 8-byte fingerprint -> (event name, writer schema)
        self.current = {}  # event name -> the newest schema (what this reader reads with)
        self.registry_url = registry_url.rstrip("/") if registry_url else None
        self.by_id = {}
        directory = Path(directory)
        for path in sorted(directory.glob("*.avsc")):
            name = path.name[: -len(".avsc")]
            schema = fastavro.parse_schema(json.loads(path.read_text(encoding="utf-8")))
            self.current[name] = schema
            self.by_fingerprint[self._fingerprint(schema)] = (name, schema)
            for revision in sorted((directory / "revisions" / name).glob("*.avsc")):
                old = fastavro.parse_schema(json.loads(revision.read_text(encoding="utf-8")))
                self.by_fingerprint.setdefault(self._fingerprint(old), (name, old))
        self.by_record_name = {schema["name"]: name for name, schema in self.current.items()}
        if not self.current:
            raise SystemExit(f"no .avsc files in {directory}")

    @staticmethod
    def _fingerprint(schema):
        return bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))

    def decode(self, payload):
        """(event name, data) of an Avro payload in either framing."""
        if payload[:2] == b"\xc3\x01":  # Avro single-object encoding
            try:
                name, writer = self.by_fingerprint[payload[2:10]]
            except KeyError:
                raise ValueError(f"unknown schema fingerprint {payload[2:10].hex()}: update your schema files")
            body = payload[10:]
        elif payload[:1] == b"\x00":  # Confluent wire format
            if not self.registry_url:
                raise ValueError("Confluent-framed payload: pass --schema-registry")
            (schema_id,) = struct.unpack(">I", payload[1:5])
            if schema_id not in self.by_id:
                with urllib.request.urlopen(f"{self.registry_url}/schemas/ids/{schema_id}", timeout=10) as r:
                    self.by_id[schema_id] = fastavro.parse_schema(json.loads(json.load(r)["schema"]))
            writer = self.by_id[schema_id]
            name = self.by_record_name[writer["name"]]
            body = payload[5:]
        else:
            raise ValueError(f"unknown payload framing {payload[:2].hex()}")
        # Read with our own (newest) schema: fields added later get their defaults, and so on.
        return name, fastavro.schemaless_reader(io.BytesIO(body), writer, self.current[name])


class SeenEvents:
    """ce_id of handled events: a redelivered event is skipped (exactly-once effect)."""

    def __init__(self, path=None):
        self.db = sqlite3.connect(path or ":memory:")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY)")

    def first_time(self, event_id):
        """True the first time; records the id. Do your own writes in the same SQLite
        transaction (or your database's) so the effect and the mark commit together."""
        with self.db:
            return self.db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (event_id,)).rowcount == 1


def plain(value):
    """JSON-friendly data: Avro decimals as strings (exact money), timestamps as ISO 8601."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):  # UTC, as the platform's JSON (webhooks, state topics) writes it
        return value.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return value


# -- the latest state of each aggregate (the platform's fold: services/delivery/delivery/states.py) -------------
STATE_SUFFIX = ".state"
RECENT_IDS = 16


def covers(state, event):
    """True when the state already holds the event: at or before its last offset of the partition, or a ce_id
    folded in already (an event published twice)."""
    if state is None:
        return False
    source = state["source"]
    if (source["topic"], source["partition"]) == (event["topic"], event["partition"]) \
            and event["offset"] <= source["offset"]:
        return True
    return event["id"] in state["event_ids"]


def fold(state, event):
    """The aggregate's state after the event: the last event's type, id and time, the count, the latest value of
    every data field, the event's topic, partition and offset."""
    source = {"topic": event["topic"], "partition": event["partition"], "offset": event["offset"]}
    if covers(state, event):
        if state["source"]["partition"] == event["partition"] and event["offset"] > state["source"]["offset"]:
            return {**state, "source": source}
        return state
    previous = state or {"data": {}, "events": 0, "event_ids": []}
    return {
        "aggregate": ".".join(event["event"].split(".")[:2]), "id": event["key"], "type": event["event"],
        "event_id": event["id"], "time": event["time"], "events": previous["events"] + 1,
        "event_ids": (previous["event_ids"] + [event["id"]])[-RECENT_IDS:],
        "data": {**previous["data"], **event["data"]}, "source": source,
    }


def read_states(topics, **options):
    """Each state topic read to its end (no consumer group): ({(topic, id): state}, {(topic, partition): the
    highest `through` of its records}). Per key the state with the highest source offset counts (on a topic not
    compacted yet, older ones are still there). Every event of a partition up to `through` is in the states."""
    from kafka import TopicPartition

    reader = KafkaConsumer(bootstrap_servers=options.pop("bootstrap_servers"), group_id=None,
                           enable_auto_commit=False, **options)
    states, through = {}, {}
    try:
        partitions = [TopicPartition(t + STATE_SUFFIX, p) for t in topics
                      for p in sorted(reader.partitions_for_topic(t + STATE_SUFFIX) or ())]
        if not partitions:
            return states, through
        reader.assign(partitions)
        reader.seek_to_beginning(*partitions)
        ends = reader.end_offsets(partitions)
        waiting = {tp for tp in partitions if ends[tp] > reader.position(tp)}
        while waiting:
            for tp, records in reader.poll(timeout_ms=1000).items():
                for record in records:
                    state = json.loads(record.value.decode("utf-8"))
                    covered = state.pop("through")  # of the record's place in the partition, not of the state
                    source, key = state["source"], (state["source"]["topic"], state["id"])
                    if key not in states or states[key]["source"]["offset"] <= source["offset"]:
                        states[key] = state
                    at = (source["topic"], source["partition"])
                    through[at] = max(through.get(at, -1), covered)
            # a partition read up to its end offset as the broker told it is done (any prefix is consistent)
            waiting = {tp for tp in waiting if reader.position(tp) < ends[tp]}
    finally:
        reader.close()
    return states, through


def cloudevent(record, schemas):
    """The CloudEvent in a Kafka record (binary mode), with its decoded data."""
    headers = {k.lower(): v.decode("utf-8") for k, v in record.headers or [] if v is not None}
    if headers.get("ce_specversion") != "1.0" or not headers.get("ce_type", "").startswith(TYPE_PREFIX):
        raise ValueError("not a TTP CloudEvent")
    event, data = schemas.decode(record.value)
    if TYPE_PREFIX + event != headers["ce_type"]:
        raise ValueError(f"payload is {event} but ce_type is {headers['ce_type']}")
    core = {"ce_id", "ce_type", "ce_source", "ce_subject", "ce_time", "ce_specversion", "ce_dataschema"}
    return {
        "id": headers["ce_id"], "type": headers["ce_type"], "source": headers["ce_source"],
        "subject": headers.get("ce_subject"), "time": headers.get("ce_time"),
        "key": record.key.decode("utf-8") if record.key else headers.get("ce_subject"),
        "topic": record.topic, "partition": record.partition, "offset": record.offset,
        "extensions": {k[3:]: v for k, v in headers.items() if k.startswith("ce_") and k not in core},
        "event": event, "data": plain(data),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bootstrap", default="127.0.0.1:9092", help="Kafka bootstrap servers")
    parser.add_argument("--topic", action="append", required=True, help="ttp.<service>.<aggregate>; repeatable")
    parser.add_argument("--schemas", required=True, help="directory of the published .avsc files")
    parser.add_argument("--group", default="example.ttp-subscriber", help="your consumer group id")
    parser.add_argument("--schema-registry", help="schema registry URL (only if the platform uses one)")
    parser.add_argument("--seen-db", help="SQLite file remembering handled ce_id values (default: memory)")
    parser.add_argument("--max-events", type=int, help="stop after this many events")
    parser.add_argument("--idle-timeout", type=float, help="stop after this many seconds without events")
    parser.add_argument("--api-version", help="Kafka API version to assume, e.g. 2.5 (default: ask the broker)")
    parser.add_argument("--username", help="your Kafka user (SCRAM-SHA-512 over TLS); its password is read from "
                                           "the environment variable KAFKA_PASSWORD, never from the command line")
    parser.add_argument("--ca-file", help="the platform's Kafka cluster CA certificate (PEM), with --username")
    parser.add_argument("--from-state", action="store_true",
                        help="start late: load every aggregate's latest state from <topic>.state, then follow the "
                             "events from where the states end (a new consumer group's first start)")
    parser.add_argument("--state-out", help="write the states held at the end to this JSON file")
    args = parser.parse_args(argv)

    schemas = Schemas(args.schemas, args.schema_registry)
    seen = SeenEvents(args.seen_db)
    options = {}
    if args.api_version:
        options["api_version"] = tuple(int(p) for p in args.api_version.split("."))
    if args.username:  # the platform's deployed cluster: every listener authenticates (docs/subscribers 1)
        if not os.environ.get("KAFKA_PASSWORD"):
            parser.error("--username needs the password in the environment variable KAFKA_PASSWORD")
        options.update(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                       sasl_plain_username=args.username, sasl_plain_password=os.environ["KAFKA_PASSWORD"],
                       **({"ssl_cafile": args.ca_file} if args.ca_file else {}))
    states = {}  # (topic, aggregate id) -> latest state
    through = {}
    if args.from_state:
        states, through = read_states(args.topic, bootstrap_servers=args.bootstrap, **options)
        for state in states.values():
            print(json.dumps({"state": state}, ensure_ascii=False), flush=True)  # your loading goes here
    consumer = KafkaConsumer(
        bootstrap_servers=args.bootstrap, group_id=args.group,
        enable_auto_commit=False,        # commit only what was handled
        auto_offset_reset="earliest",    # a new group starts from the oldest retained event
        **options,
    )
    if args.from_state:
        # Follow each partition from just after the highest `through` of its states (from the start where none);
        # an event a state holds already is skipped below.
        from kafka import TopicPartition

        partitions = [TopicPartition(t, p) for t in args.topic for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        for tp in partitions:
            if (tp.topic, tp.partition) in through:
                consumer.seek(tp, through[tp.topic, tp.partition] + 1)
            else:
                consumer.seek_to_beginning(tp)
    else:
        consumer.subscribe(args.topic)
    handled, last_event = 0, time.monotonic()
    try:
        while args.max_events is None or handled < args.max_events:
            batches = consumer.poll(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    try:
                        event = cloudevent(record, schemas)
                    except ValueError as exc:
                        # Not decodable with your schema files: log and park it, never stall on it.
                        print(json.dumps({"skipped": f"{record.topic}:{record.partition}@{record.offset}",
                                          "reason": str(exc)}, ensure_ascii=False), file=sys.stderr)
                        continue
                    last_event = time.monotonic()
                    key = (event["topic"], event["key"])
                    held = states.get(key)
                    states[key] = fold(held, event)  # a copy of an event folded in moves only the position on
                    if covers(held, event):
                        continue  # already in the state it started from
                    if seen.first_time(event["id"]):
                        print(json.dumps(event, ensure_ascii=False), flush=True)  # your handling goes here
                        handled += 1
                    last_event = time.monotonic()
            if batches:
                consumer.commit()  # after handling: a crash before this re-delivers, never loses
            if args.idle_timeout and time.monotonic() - last_event > args.idle_timeout:
                break
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close(autocommit=False)
        if args.state_out:
            Path(args.state_out).write_text(json.dumps(
                {f"{topic}|{key}": state for (topic, key), state in sorted(states.items())},
                ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
