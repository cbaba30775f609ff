"""The outbox relay: publishes committed events from the service's database to Kafka.

Shape (STACK-NOTES): read pending rows in ``_id`` order, send, flush, confirm each
future, stop at the first failure, mark the confirmed ones sent. Woken right after
a commit, with a slow poll as fallback. One relay per service at a time (a lease
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
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.bootstrap = setting(config, "KAFKA_BOOTSTRAP")
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
            kafka.producer(self.bootstrap).flush(5)
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
                while self._hold_lease() and self.publish_pending() == BATCH:
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
        """One batch: returns how many rows were confirmed by Kafka."""
        outbox = self.store.db[OUTBOX]
        rows = list(outbox.find({"sent": False}).sort("_id", 1).limit(BATCH))
        self._report_backlog(outbox, rows)
        if not rows:
            return 0
        producer = kafka.producer(self.bootstrap)
        self._ensure_topics({row["topic"] for row in rows})
        futures = [
            (row, producer.send(row["topic"], key=row["key"], value=row["value"],
                                headers=[(k, bytes(v)) for k, v in row["headers"]]))
            for row in rows
        ]
        producer.flush(timeout=15)
        confirmed = []
        for row, future in futures:
            try:
                future.get(timeout=0)
            except Exception as exc:
                log.warning("publishing %s failed: %s; will retry", row["event_id"], exc)
                self._topics_ready.clear()  # a restarted broker may have lost them: ensure them again
                break
            confirmed.append(row)
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
            pending = len(rows) if len(rows) < BATCH else outbox.count_documents({"sent": False})
            metrics.OUTBOX_PENDING.labels(self.service).set(pending)
            age = 0.0
            if rows:
                age = (dt.datetime.now(dt.timezone.utc) - rows[0]["created_at"].replace(
                    tzinfo=dt.timezone.utc)).total_seconds()
            metrics.OUTBOX_OLDEST_PENDING_AGE.labels(self.service).set(max(age, 0.0))
        except PyMongoError:
            pass


def replay(db, since=None):
    """Mark the outbox (from ``since``, a datetime) for republishing; returns the row count.

    Used after the development broker (memory storage) lost its log: the relay then
    sends every event again with its original ``ce_id``, and consumers deduplicate.
    """
    query = {} if since is None else {"created_at": {"$gte": since}}
    return db[OUTBOX].update_many(query, {"$set": {"sent": False}}).modified_count
