"""Dead letters: look at them and re-drive them (``ttp-dlq``).

    ttp-dlq topics                               the ``.dlq`` topics (under KAFKA_TOPIC_PREFIX) and their sizes
    ttp-dlq list TOPIC [filters] [--json] [--data]
    ttp-dlq redrive TOPIC (--all | --partition P --offsets A-B | --ce-id ID ...) [filters] [--dry-run] [--json]

TOPIC is the original topic or its dead-letter topic, with or without the prefix:
``ttp.registry.organization``, ``ttp.registry.organization.dlq`` and, under ``KAFKA_TOPIC_PREFIX=staging.``,
``staging.ttp.registry.organization.dlq`` all name ``staging.ttp.registry.organization.dlq``.
Filters: ``--reason undecodable|handler_failed``, ``--type`` (event name or full ``ce_type``),
``--handler <service>.<method>``, ``--ce-id`` (repeatable), ``--partition``, ``--offsets A-B``.

A consumer dead-letters a record it cannot handle by copying it to ``<topic>.dlq`` with its key,
value and headers plus ``dlq_*`` headers (see ``ttp_common.dlq``). ``redrive`` sends the selected dead
letters back to ``dlq_original_topic`` with the same key, value and CloudEvents headers, minus every
``dlq_*`` header, plus ``dlq_redriven_from: <dlq topic>:<partition>:<offset>`` (a record of what was
re-driven; consumers ignore headers that are not ``ce_*``). The ``ce_id`` is unchanged, so every
consumer group of the original topic sees the event again and deduplicates it on ``ce_id``: the
group that dead-lettered it applies it now, the groups that had applied it skip it, and re-driving
the same dead letter twice is harmless. That holds while the other groups still have their markers:
``processed_events`` keeps them forever unless ``DEDUP_RETENTION_DAYS`` is set (ttp_common.mongo); then a dead letter older than that
is refused unless ``--allow-stale``.

A re-driven event is appended to its partition: it arrives after any later event of the same key.
The DLQ itself is left as it is (Kafka has no delete of single records); ``list`` shows the
``dlq_redriven_from`` of dead letters that failed again after a re-drive.

Settings from the environment like the services: ``KAFKA_BOOTSTRAP``, ``KAFKA_TOPIC_PREFIX``,
``KAFKA_PARTITIONS``, ``DEDUP_RETENTION_DAYS`` (``--bootstrap`` and ``--prefix`` override the first two).
"""
import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass, field

from kafka import KafkaConsumer, TopicPartition

from ttp_common import kafka
from ttp_common.avro import TOPIC_PREFIX, TYPE_PREFIX
from ttp_common.dlq import DLQ_HEADER_PREFIX, DLQ_SUFFIX, REASONS
from ttp_common.settings import setting

REDRIVEN_FROM = "dlq_redriven_from"


class DlqError(SystemExit):
    def __init__(self, message):
        super().__init__(f"ttp-dlq: {message}")


# -- pure logic ------------------------------------------------------------------
def dlq_topic(name, prefix=""):
    """The dead-letter topic ``name`` designates (see the module docstring)."""
    name = name.strip()
    if not name:
        raise ValueError("empty topic name")
    if prefix and not name.startswith(prefix):
        name = prefix + name
    if not name.endswith(DLQ_SUFFIX):
        name += DLQ_SUFFIX
    return name


def parse_offsets(text):
    """``"12"`` → (12, 12); ``"10-20"`` → (10, 20), inclusive; ``"10-"`` → (10, None): to the end."""
    first, dash, last = text.strip().partition("-")
    try:
        start = int(first)
        end = (int(last) if last else None) if dash else start
    except ValueError:
        raise ValueError(f"offsets must be N, A-B or A-, not {text!r}") from None
    if start < 0 or (end is not None and end < start):
        raise ValueError(f"not an offset range: {text!r}")
    return start, end


def _text(raw):
    if raw is None:
        return None
    return bytes(raw).decode("utf-8", "replace")


@dataclass
class DeadLetter:
    """One record of a ``.dlq`` topic."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None
    headers: list = field(repr=False)

    @classmethod
    def from_record(cls, record):
        return cls(record.topic, record.partition, record.offset, record.timestamp,
                   record.key, record.value, [(k, bytes(v) if v is not None else None) for k, v in record.headers or []])

    def header(self, name):
        """The last value of header ``name`` (a dead letter re-driven and failed again carries both rounds)."""
        found = None
        for key, value in self.headers:
            if key == name:
                found = _text(value)
        return found

    @property
    def ce_id(self):
        return self.header("ce_id")

    @property
    def ce_type(self):
        return self.header("ce_type")

    @property
    def reason(self):
        return self.header("dlq_reason")

    @property
    def handler(self):
        return self.header("dlq_handler")

    @property
    def original_topic(self):
        return self.header("dlq_original_topic") or (
            self.topic[: -len(DLQ_SUFFIX)] if self.topic.endswith(DLQ_SUFFIX) else None)

    @property
    def position(self):
        return f"{self.topic}:{self.partition}:{self.offset}"

    @property
    def dead_lettered_at(self):
        if self.timestamp_ms is None or self.timestamp_ms < 0:
            return None
        return dt.datetime.fromtimestamp(self.timestamp_ms / 1000, dt.timezone.utc)

    def summary(self):
        """What ``list`` shows, JSON-ready."""
        at = self.dead_lettered_at

        def as_int(text):
            try:
                return int(text)
            except (TypeError, ValueError):
                return None

        return {
            "topic": self.topic, "partition": self.partition, "offset": self.offset,
            "dead_lettered_at": at.isoformat().replace("+00:00", "Z") if at else None,
            "key": _text(self.key),
            "ce_id": self.ce_id, "ce_type": self.ce_type, "ce_time": self.header("ce_time"),
            "ce_subject": self.header("ce_subject"),
            "reason": self.reason, "error": self.header("dlq_error"),
            "handler": self.handler, "consumer_group": self.header("dlq_consumer_group"),
            "original_topic": self.original_topic,
            "original_partition": as_int(self.header("dlq_original_partition")),
            "original_offset": as_int(self.header("dlq_original_offset")),
            "redriven_from": self.header(REDRIVEN_FROM),
        }


def matches_type(ce_type, wanted):
    """``wanted`` is an event name (``registry.organization.registered.v1``) or a full ``ce_type``."""
    return ce_type is not None and ce_type in (wanted, TYPE_PREFIX + wanted)


def select(letters, *, reasons=None, types=None, handlers=None, ce_ids=None, partition=None, offsets=None):
    """The dead letters that pass every given filter (each filter is a set of accepted values)."""
    chosen = []
    for letter in letters:
        if reasons and letter.reason not in reasons:
            continue
        if types and not any(matches_type(letter.ce_type, t) for t in types):
            continue
        if handlers and letter.handler not in handlers:
            continue
        if ce_ids and letter.ce_id not in ce_ids:
            continue
        if partition is not None and letter.partition != partition:
            continue
        if offsets is not None:
            start, end = offsets
            if letter.offset < start or (end is not None and letter.offset > end):
                continue
        chosen.append(letter)
    return chosen


def redrive_headers(letter):
    """The original headers (CloudEvents included) without any ``dlq_*``, plus ``dlq_redriven_from``."""
    kept = [(k, v) for k, v in letter.headers if not k.startswith(DLQ_HEADER_PREFIX)]
    return kept + [(REDRIVEN_FROM, letter.position.encode())]


def is_stale(letter, retention_days, now=None):
    """Older than the dedup retention: groups that applied the original may have forgotten its ``ce_id``."""
    at = letter.dead_lettered_at
    if not retention_days or at is None:
        return False
    now = now or dt.datetime.now(dt.timezone.utc)
    return now - at > dt.timedelta(days=retention_days)


# -- Kafka -------------------------------------------------------------------------
def _consumer(bootstrap):
    return KafkaConsumer(bootstrap_servers=bootstrap, api_version=kafka.API_VERSION, enable_auto_commit=False,
                         group_id=None, fetch_max_wait_ms=10, consumer_timeout_ms=1000, **kafka.security())


def dlq_topics(bootstrap, prefix=""):
    """``{dlq topic: records held}`` of every ``<prefix>ttp.*.dlq`` topic."""
    consumer = _consumer(bootstrap)
    try:
        names = sorted(t for t in consumer.topics()
                       if t.startswith(prefix + TOPIC_PREFIX) and t.endswith(DLQ_SUFFIX))
        sizes = {}
        for name in names:
            tps = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
            begin, end = consumer.beginning_offsets(tps), consumer.end_offsets(tps)
            sizes[name] = sum(end[tp] - begin[tp] for tp in tps)
        return sizes
    finally:
        consumer.close()


def read_dead_letters(bootstrap, topic, timeout=60):
    """Every record of ``topic`` from the beginning to its current end (no consumer group, no commit)."""
    consumer = _consumer(bootstrap)
    try:
        if topic not in consumer.topics():
            raise DlqError(f"no topic {topic} on {bootstrap} (nothing was dead-lettered there, or a wrong prefix)")
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        letters = []
        deadline = time.monotonic() + timeout
        while any(consumer.position(tp) < end[tp] for tp in tps):
            if time.monotonic() > deadline:
                raise DlqError(f"could not read {topic} to its end within {timeout} s")
            for tp, records in consumer.poll(timeout_ms=500).items():
                letters.extend(DeadLetter.from_record(r) for r in records if r.offset < end[tp])
        return sorted(letters, key=lambda d: (d.partition, d.offset)), len(tps)
    finally:
        consumer.close()


def redrive(bootstrap, letters, partitions=3):
    """Send ``letters`` back to their original topics, in order; returns ``(letter, target, error)`` rows."""
    targets = sorted({letter.original_topic for letter in letters})
    if targets:
        kafka.ensure_topics(bootstrap, targets, partitions)
    producer = kafka.producer(bootstrap)
    sent = [(letter, producer.send(letter.original_topic, key=letter.key, value=letter.value,
                                   headers=redrive_headers(letter)))
            for letter in letters]
    producer.flush(timeout=30)
    results = []
    for letter, future in sent:
        try:
            metadata = future.get(timeout=0)
            results.append((letter, f"{metadata.topic}:{metadata.partition}:{metadata.offset}", None))
        except Exception as exc:
            results.append((letter, letter.original_topic, f"{type(exc).__name__}: {exc}"))
    return results


# -- the command line -----------------------------------------------------------------
def _print_table(rows, out):
    if not rows:
        print("no dead letters match", file=out)
        return
    for row in rows:
        print(f"{row['partition']}:{row['offset']}  {row['dead_lettered_at'] or '-'}  {row['reason'] or '-'}  "
              f"{row['ce_type'] or '-'}  ce_id={row['ce_id'] or '-'}  key={row['key'] or '-'}", file=out)
        print(f"    from {row['original_topic']}:{row['original_partition']}:{row['original_offset']}"
              f"  handler={row['handler'] or '-'}  ce_time={row['ce_time'] or '-'}"
              + (f"  redriven_from={row['redriven_from']}" if row["redriven_from"] else ""), file=out)
        print(f"    error: {row['error'] or '-'}", file=out)
        if "data" in row:
            print(f"    data: {json.dumps(row['data'], ensure_ascii=False, default=str)}", file=out)


def _with_data(letter, row):
    from ttp_common.events import codec  # loads the schemas: only when asked

    try:
        name, data = codec(setting({}, "SCHEMA_REGISTRY_URL") or None).decode(letter.value)
        row["data"] = {"event": name, **data}
    except Exception as exc:
        row["data"] = {"undecodable": f"{type(exc).__name__}: {exc}"}
    return row


def parser():
    p = argparse.ArgumentParser(prog="ttp-dlq", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bootstrap", help="Kafka bootstrap servers (default: KAFKA_BOOTSTRAP)")
    p.add_argument("--prefix", help="topic prefix (default: KAFKA_TOPIC_PREFIX)")
    sub = p.add_subparsers(dest="command", required=True)
    topics = sub.add_parser("topics", help="the dead-letter topics and how many records each holds")
    topics.add_argument("--json", action="store_true")
    for name in ("list", "redrive"):
        c = sub.add_parser(name, help="show dead letters" if name == "list" else "republish dead letters to their original topic")
        c.add_argument("topic", help="original or .dlq topic, with or without the prefix")
        c.add_argument("--reason", action="append", choices=REASONS)
        c.add_argument("--type", action="append", dest="types", metavar="EVENT", help="event name or ce_type")
        c.add_argument("--handler", action="append", metavar="SERVICE.METHOD")
        c.add_argument("--ce-id", action="append", dest="ce_ids", metavar="ID")
        c.add_argument("--partition", type=int, help="partition of the .dlq topic")
        c.add_argument("--offsets", help="offsets of the .dlq topic: N, A-B (inclusive) or A- ; needs --partition "
                                         "when the topic has several partitions")
        c.add_argument("--json", action="store_true", help="JSON output")
        c.add_argument("--timeout", type=float, default=60, help="seconds to read the topic to its end")
    lst = sub.choices["list"]
    lst.add_argument("--data", action="store_true", help="decode the Avro payloads")
    red = sub.choices["redrive"]
    red.add_argument("--all", action="store_true", help="every dead letter passing the filters")
    red.add_argument("--dry-run", action="store_true", help="show what would be re-driven; send nothing")
    red.add_argument("--allow-stale", action="store_true",
                     help="also re-drive dead letters older than DEDUP_RETENTION_DAYS (see the docstring)")
    return p


def main(argv=None, out=None):
    out = out or sys.stdout
    args = parser().parse_args(argv)
    bootstrap = args.bootstrap or setting({}, "KAFKA_BOOTSTRAP")
    prefix = args.prefix if args.prefix is not None else setting({}, "KAFKA_TOPIC_PREFIX")
    try:
        if args.command == "topics":
            sizes = dlq_topics(bootstrap, prefix)
            if args.json:
                print(json.dumps(sizes, indent=2), file=out)
            else:
                for name, size in sizes.items():
                    print(f"{size:8d}  {name}", file=out)
                if not sizes:
                    print("no dead-letter topics", file=out)
            return 0
        return _list_or_redrive(args, bootstrap, prefix, out)
    finally:
        kafka.close_producers()


def _list_or_redrive(args, bootstrap, prefix, out):
    try:
        topic = dlq_topic(args.topic, prefix)
        offsets = parse_offsets(args.offsets) if args.offsets else None
    except ValueError as exc:
        raise DlqError(str(exc)) from None
    if args.command == "redrive" and not (args.all or offsets or args.ce_ids):
        raise DlqError("say what to re-drive: --all, --partition P --offsets A-B, or --ce-id ID")
    letters, partitions = read_dead_letters(bootstrap, topic, args.timeout)
    if offsets is not None and args.partition is None and partitions > 1:
        raise DlqError(f"{topic} has {partitions} partitions: give --partition with --offsets")
    chosen = select(letters, reasons=set(args.reason or ()), types=set(args.types or ()),
                    handlers=set(args.handler or ()), ce_ids=set(args.ce_ids or ()),
                    partition=args.partition, offsets=offsets)
    missing = sorted(set(args.ce_ids or ()) - {letter.ce_id for letter in chosen})
    if args.command == "list":
        rows = [letter.summary() for letter in chosen]
        if args.data:
            rows = [_with_data(letter, row) for letter, row in zip(chosen, rows)]
        if args.json:
            print(json.dumps(rows, indent=2, ensure_ascii=False, default=str), file=out)
        else:
            _print_table(rows, out)
        return 0
    return _redrive(args, bootstrap, topic, chosen, missing, out)


def _redrive(args, bootstrap, topic, chosen, missing, out):
    retention = setting({}, "DEDUP_RETENTION_DAYS")
    stale = [letter for letter in chosen if is_stale(letter, retention)]
    if stale and not args.allow_stale:
        raise DlqError(
            f"{len(stale)} selected dead letter(s) are older than DEDUP_RETENTION_DAYS={retention:g} (first: "
            f"{stale[0].position}): consumers that applied the original may have pruned its ce_id and would "
            "apply it twice. Narrow the selection, or pass --allow-stale if every consumer of the topic is "
            "idempotent without its dedup marker.")
    if missing:
        print(f"ttp-dlq: no dead letter with ce_id {', '.join(missing)} in {topic} (after the filters)", file=sys.stderr)
    if args.dry_run or not chosen:
        rows = [{**letter.summary(), "target": letter.original_topic, "status": "dry-run"} for letter in chosen]
    else:
        rows = []
        for letter, target, error in redrive(bootstrap, chosen, setting({}, "KAFKA_PARTITIONS")):
            rows.append({**letter.summary(), "target": target, "status": "failed" if error else "redriven",
                         "failure": error})
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False, default=str), file=out)
    else:
        verb = "would re-drive" if args.dry_run else "re-drove"
        for row in rows:
            if row["status"] == "failed":
                print(f"FAILED {row['topic']}:{row['partition']}:{row['offset']} -> {row['target']}: {row['failure']}",
                      file=out)
            else:
                print(f"{verb} {row['topic']}:{row['partition']}:{row['offset']} -> {row['target']}  "
                      f"ce_id={row['ce_id']}  {row['ce_type'] or '-'}  key={row['key'] or '-'}", file=out)
        done = sum(row["status"] != "failed" for row in rows)
        print(f"{done} of {len(rows)} dead letter(s) {'selected (dry run: nothing sent)' if args.dry_run else 're-driven'}"
              + ("" if args.dry_run or not rows else "; consumers deduplicate on ce_id, so re-driving again is harmless"),
              file=out)
    failed = any(row["status"] == "failed" for row in rows)
    return 1 if failed or missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
