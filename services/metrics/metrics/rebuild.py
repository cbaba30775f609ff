"""Rebuild the metrics read models from scratch by replaying every consumed topic.

    ttp-metrics-rebuild [--config services/metrics/config.yaml]

Stop the metrics service first (``make rebuild-metrics`` does): the read models, the traces and the
projection consumer's deduplication marks are wiped, then every record of every consumed topic is read
from the beginning and applied with the same code as live consumption, in batches of
``BATCH`` events (each batch one transaction with the batch's dedup marks, as the live
consumer's batches; the trace entries, one per ``ce_id``, written whole beside them). When the service starts again it resumes from its consumer
group's committed offsets; records it meets again are recognised as applied.
"""
import argparse
import logging
import sys
import time

import pymongo
import yaml
from kafka import KafkaConsumer, TopicPartition

from ttp_common import avro, clock, envelope, events, kafka
from ttp_common.mongo import PROCESSED, Repository, ensure_marks_index, mark_processed, save_whole
from ttp_common.paths import REPO_ROOT
from ttp_common.settings import setting

from . import plan as plans, read_models
from . import trace
from .handlers import projection
from .handlers.projection import CONSUMED_EVENTS

log = logging.getLogger(__name__)
DEFAULT_CONFIG = REPO_ROOT / "services" / "metrics" / "config.yaml"
BATCH = 500  # events per transaction (the live consumer's CONSUMER_BATCH_MAX_RECORDS default)


def load_config(path):
    from nameko.cli.main import setup_yaml_parser

    setup_yaml_parser()
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def wipe(db):
    for name in (*read_models.COLLECTIONS, trace.TRACE):
        db[name].delete_many({})
    db[PROCESSED].delete_many({"handler": projection.HANDLER})


def read_all(bootstrap, topics, idle_ms=1500):
    """Every record of ``topics`` from the beginning, in offset order per partition, up to the end."""
    # 100 ms: a broker keeping its log in the local S3 server needs longer than 10 ms to read it (ttp_tools.servers.
    # service_environment); with records waiting, either broker answers at once.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, api_version=kafka.API_VERSION, enable_auto_commit=False,
                             fetch_max_wait_ms=100, max_poll_records=1000, fetch_max_bytes=52428800,
                             receive_message_max_bytes=52428800 + 1024, **kafka.security())
    try:
        existing = consumer.topics()
        tps = [TopicPartition(t, p) for t in topics if t in existing
               for p in sorted(consumer.partitions_for_topic(t) or ())]
        if not tps:
            return
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        idle_since = time.time()
        while time.time() - idle_since < idle_ms / 1000:
            batches = consumer.poll(timeout_ms=100)
            for records in batches.values():
                yield from records
            if batches:
                idle_since = time.time()
    finally:
        consumer.close()


def rebuild(config, progress=None):
    """Wipe and replay; returns {"records": n, "applied": n, "skipped": n, "undecodable": n, "traced": n}."""
    all_plans, _ = plans.configured_plans(config)
    prefix = setting(config, "KAFKA_TOPIC_PREFIX")
    topics = sorted({avro.event_topic(name, prefix) for name in (*CONSUMED_EVENTS, *trace.EVENTS)})
    client = pymongo.MongoClient(setting(config, "MONGO_URI"), tz_aware=True)
    db = client[config.get("MONGO_DB") or "ttp_metrics"]
    codec = events.codec(setting(config, "SCHEMA_REGISTRY_URL") or None)
    stats = {"records": 0, "applied": 0, "skipped": 0, "undecodable": 0, "traced": 0}
    batch, traced = [], []

    def apply_batch():
        applied = _apply(client, db, all_plans, batch)
        stats["applied"] += applied
        stats["skipped"] += len(batch) - applied  # the same event twice on the topic (an at-least-once relay)
        batch.clear()

    try:
        wipe(db)
        ensure_marks_index(db)  # as the service creates it at start: the replay's marks are looked up by it
        for record in read_all(setting(config, "KAFKA_BOOTSTRAP"), topics):
            stats["records"] += 1
            try:
                event = envelope.parse_message(codec, record.topic, record.partition, record.offset, record.key,
                                               record.value, record.headers or [])
            except avro.UndecodableEvent:
                stats["undecodable"] += 1  # dead-lettered by the live consumer: not part of the figures
                continue
            entry = trace.entry(event.event_name, event.data, event.id, event.time)
            if entry is not None:
                traced.append(entry)
                if len(traced) >= BATCH:
                    stats["traced"] += _write_trace(db, traced)
            if event.event_name not in CONSUMED_EVENTS:
                stats["skipped"] += entry is None
                continue
            batch.append(event)  # in the order read: offset order per partition, so per key
            if len(batch) >= BATCH:
                apply_batch()
            if progress and stats["records"] % 10000 == 0:
                progress(stats)
        if batch:
            apply_batch()
        if traced:
            stats["traced"] += _write_trace(db, traced)
    finally:
        client.close()
    return stats


def _write_trace(db, entries):
    """The trace entries of a batch: each written whole under its ce_id, so a second copy rewrites it."""
    count = save_whole(db[trace.TRACE], entries)
    entries.clear()
    return count


def _apply(client, db, all_plans, batch):
    """Apply a batch of events in one transaction with their dedup marks; how many were new."""

    def callback(session):
        fresh = mark_processed(db, session, projection.HANDLER, batch)
        projection.project_all(Repository.of(db, session), all_plans,
                               [(e.event_name, e.data, e.id, e.time) for e in fresh], clock.now_ms())
        return len(fresh)

    with client.start_session() as session:
        return session.with_transaction(callback)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", default=str(DEFAULT_CONFIG), help="the metrics service's nameko config")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = load_config(args.config)
    started = time.time()
    stats = rebuild(config, progress=lambda s: log.info("... %d records", s["records"]))
    log.info("rebuilt metrics read models in %.1f s: %d records, %d applied, %d skipped, %d undecodable",
             time.time() - started, stats["records"], stats["applied"], stats["skipped"], stats["undecodable"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
