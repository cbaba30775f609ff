"""The outbox relay: publishes committed events from the service's database to Kafka.

Shape (STACK-NOTES): read pending rows in ``_id`` order (up to ``BATCH`` rows and
``PASS_BYTES``), send them all, flush once, and mark the confirmed ones sent with one
update. The relay's producer sends only when flushed and a pass fits in one producer
batch per partition, so a partition's rows of a pass are appended whole or not at
all; a row is marked only if every earlier row of its aggregate in the pass was
confirmed too (``in_order``), so a failure delays its aggregate's later events
instead of letting them overtake it. Woken right after a commit, with a slow poll
as fallback. One relay per service at a time (a lease
in the service's database); consumers deduplicate because the relay is
at-least-once. Rows are kept after sending: the outbox is the service's event log,
and ``replay`` republishes it when the broker lost its data.
"""
import datetime as dt
import logging
import os
import socket
import threading
import uuid

import eventlet
from nameko.extensions import DependencyProvider
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from . import kafka, metrics
from .mongo import OUTBOX
from .settings import setting

log = logging.getLogger(__name__)

BATCH = 500
PASS_BYTES = kafka.BATCH_BYTES // 2  # a pass's payload: under one producer batch, with room for record overhead
LEASE_SECONDS = 10
LEASES = "relay_lease"


class OutboxRelay(DependencyProvider):
    """Publishes the outbox of the service's ``Store``; declare it after the store."""

    def __init__(self, store_attr="store"):
        self.store_attr = store_attr
        self._wake = threading.Event()
        self._running = False
        self._thread = None
        self._lease_until = None
        self.more_pending = False
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.bootstrap = setting(config, "KAFKA_BOOTSTRAP")
        kafka.security()  # contradictory Kafka security settings stop the service here, not at its first publish
        self.partitions = setting(config, "KAFKA_PARTITIONS")
        self.poll_seconds = setting(config, "OUTBOX_POLL_SECONDS")
        self.store = next(d for d in self.container.dependencies if d.attr_name == self.store_attr)
        self.store.add_commit_listener(self.wake)
        self.store.add_before_stop(self.stop)
        self._topics_ready = set()

    def start(self):
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._loop, identifier="outbox-relay")

    def stop(self):
        # Dependencies stop after the workers finished: publish what they committed, then leave.
        self._running = False
        self.wake()
        if self._thread is not None:
            self._thread.wait()  # both nameko and the store's before-stop hook may wait here
        try:
            kafka.producer(self.bootstrap, batches=True).flush(5)
        except Exception:
            log.warning("flush at stop failed", exc_info=True)

    def wake(self):
        self._wake.set()

    def _loop(self):
        while True:
            self._wake.wait(self.poll_seconds)
            self._wake.clear()
            stopping = not self._running
            try:
                if not self._hold_lease():
                    # another instance publishes: its gauges count, ours must not linger
                    metrics.OUTBOX_PENDING.labels(self.service).set(0)
                    metrics.OUTBOX_OLDEST_PENDING_AGE.labels(self.service).set(0)
                while self._hold_lease() and self.publish_pending() and self.more_pending:
                    eventlet.sleep(0)  # a long backlog must not freeze other greenlets
            except Exception:
                log.warning("outbox relay pass failed; retrying", exc_info=True)
                eventlet.sleep(min(self.poll_seconds, 1.0))
            if stopping:
                return

    def _hold_lease(self):
        """Take or renew the relay lease; only its holder publishes.

        A held lease is renewed only in the second half of its term, so a busy relay does not
        add a database write to every pass."""
        now = dt.datetime.now(dt.timezone.utc)
        if self._lease_until is not None and now < self._lease_until - dt.timedelta(seconds=LEASE_SECONDS / 2):
            return True
        self._lease_until = None
        leases = self.store.db[LEASES]
        try:
            lease = leases.find_one_and_update(
                {"_id": "relay", "$or": [{"owner": self.owner}, {"expires": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "expires": now + dt.timedelta(seconds=LEASE_SECONDS)}},
                upsert=True, return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return False  # another instance holds an unexpired lease
        if lease is None or lease["owner"] != self.owner:
            return False
        self._lease_until = now + dt.timedelta(seconds=LEASE_SECONDS)
        return True

    def release_lease(self):
        self.store.db[LEASES].delete_one({"_id": "relay", "owner": self.owner})

    def publish_pending(self):
        """One pass: returns how many rows were confirmed by Kafka and marked sent."""
        outbox = self.store.db[OUTBOX]
        rows = within_budget(outbox.find({"sent": False}).sort("_id", 1).limit(BATCH), PASS_BYTES)
        self._report_backlog(outbox, rows)
        self.more_pending = len(rows) == BATCH or rows.cut
        if not rows:
            return 0
        producer = kafka.producer(self.bootstrap, batches=True)
        self._ensure_topics({row["topic"] for row in rows})
        futures = [
            producer.send(row["topic"], key=row["key"], value=row["value"],
                          headers=[(k, bytes(v)) for k, v in row["headers"]])
            for row in rows
        ]
        producer.flush(timeout=15)
        outcomes = []
        for row, future in zip(rows, futures):
            try:
                future.get(timeout=0)
                outcomes.append(True)
            except Exception as exc:
                log.warning("publishing %s failed: %s; will retry", row["event_id"], exc)
                outcomes.append(False)
        if not all(outcomes):
            self._topics_ready.clear()  # a restarted broker may have lost them: ensure them again
        confirmed = in_order(rows, outcomes)
        if confirmed:
            outbox.update_many(
                {"_id": {"$in": [row["_id"] for row in confirmed]}},
                {"$set": {"sent": True, "sent_at": dt.datetime.now(dt.timezone.utc)}},
            )
            for row in confirmed:
                metrics.EVENTS_PUBLISHED.labels(self.service, row["topic"]).inc()
                log.debug("published", extra={"event_id": row["event_id"], "topic": row["topic"]})
        return len(confirmed)

    def _ensure_topics(self, topics):
        missing = topics - self._topics_ready
        if missing:
            kafka.ensure_topics(self.bootstrap, sorted(missing), self.partitions)
            self._topics_ready |= missing

    def _report_backlog(self, outbox, rows):
        try:
            pending = len(rows) if len(rows) < BATCH and not rows.cut else outbox.count_documents({"sent": False})
            metrics.OUTBOX_PENDING.labels(self.service).set(pending)
            age = 0.0
            if rows:
                age = (dt.datetime.now(dt.timezone.utc) - rows[0]["created_at"].replace(
                    tzinfo=dt.timezone.utc)).total_seconds()
            metrics.OUTBOX_OLDEST_PENDING_AGE.labels(self.service).set(max(age, 0.0))
        except PyMongoError:
            pass


class Pass(list):
    """The rows of one relay pass; ``cut``: more were pending than the pass could take."""
    cut = False


def row_bytes(row):
    return len(row["value"]) + len(row["key"] or b"") + sum(len(k) + len(v) for k, v in row["headers"])


def within_budget(rows, budget):
    """The leading rows whose payload fits ``budget`` bytes (at least one, however large)."""
    taken, size = Pass(), 0
    for row in rows:
        size += row_bytes(row)
        if taken and size > budget:
            taken.cut = True
            break
        taken.append(row)
    return taken


def in_order(rows, outcomes):
    """The rows to mark sent: confirmed, and after no unconfirmed row of the same aggregate (topic and
    key) in the pass. The others stay pending and go again, after their aggregate's earlier event."""
    blocked, marked = set(), []
    for row, ok in zip(rows, outcomes):
        aggregate = (row["topic"], row["key"])
        if not ok or aggregate in blocked:
            blocked.add(aggregate)
        else:
            marked.append(row)
    return marked


def replay(db, since=None):
    """Mark the outbox (from ``since``, a datetime) for republishing; returns the row count.

    Used after the development broker (memory storage) lost its log: the relay then
    sends every event again with its original ``ce_id``, and consumers deduplicate.
    """
    query = {} if since is None else {"created_at": {"$gte": since}}
    return db[OUTBOX].update_many(query, {"$set": {"sent": False}}).modified_count
