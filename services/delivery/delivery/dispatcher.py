"""The dispatcher: sends each subscription's due deliveries (``ordering``) to its webhook, signed
(``messages``, ``signing``), and records the outcome (``retries``).

A managed thread wakes on new deliveries (``wake``) or every ``DELIVERY_POLL_SECONDS`` and gives each subscription
with due deliveries a green thread of its own, so a slow or dead receiver holds only its own subscription: its
requests wait at most ``DELIVERY_TIMEOUT_SECONDS`` each, the others go on. One subscription's deliveries are sent one
at a time. The lag gauges of every subscription are refreshed on each pass.

Only the holder of the dispatch lease (a document in the service's database, renewed while it lives) sends, so
several instances of the service can run: all of them consume and fan out, one delivers, and another takes over
within ``LEASE_SECONDS`` when it is gone.
"""
import datetime as dt
import logging
import os
import socket
import threading
import time
from urllib.parse import urlsplit

import requests
from eventlet.greenpool import GreenPool
from nameko.extensions import DependencyProvider
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from ttp_common.settings import setting

from . import handlers, messages, metrics, ordering, retries, sealing, subscriptions
from .documents import Delivery, Subscription

log = logging.getLogger(__name__)
BATCH = 200
ERROR_CHARS = 300
LEASE_SECONDS = 10
PRUNE_SECONDS = 600
LEASES = "dispatch_lease"


def _setting(config, key, default, kind=float):
    value = config.get(key)
    return kind(default if value is None or value == "" else value)


def flag(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on")


class Dispatcher(DependencyProvider):
    """Delivers the pending deliveries of the service's ``Store`` (declared after it)."""

    def __init__(self, store_attr="store"):
        self.store_attr = store_attr
        self._wake = threading.Event()
        self._running = False
        self._thread = None
        self._busy = set()
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"

    def setup(self):
        config = self.container.config
        self.store = next(d for d in self.container.dependencies if d.attr_name == self.store_attr)
        self.store.add_before_stop(self.stop)  # dependencies stop together: finish before the client closes
        self.policy = retries.Policy(_setting(config, "DELIVERY_BACKOFF_BASE_SECONDS", 1.0),
                                     _setting(config, "DELIVERY_BACKOFF_MAX_SECONDS", 600.0),
                                     _setting(config, "DELIVERY_MAX_ATTEMPTS", 15, int))
        self.timeout = _setting(config, "DELIVERY_TIMEOUT_SECONDS", 10.0)
        self.poll_seconds = _setting(config, "DELIVERY_POLL_SECONDS", 1.0)
        self.secret_overlap_seconds = _setting(config, "DELIVERY_SECRET_OVERLAP_SECONDS", 86400.0)
        self.retention = dt.timedelta(days=_setting(config, "DELIVERY_RETENTION_DAYS", 30.0))
        self._pruned_at = 0.0
        self.allow_private = flag(config.get("DELIVERY_ALLOW_PRIVATE_URLS") or "false")
        self.box = sealing.Box.from_setting(setting(config, "DELIVERY_SECRETS_KEY"))
        self.pool = GreenPool(_setting(config, "DELIVERY_CONCURRENCY", 100, int))

    def start(self):
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._loop, identifier="delivery-dispatcher")

    def stop(self):
        self._running = False
        self.wake()
        if self._thread is not None:
            self._thread.wait()
        self.pool.waitall()
        try:
            self.store.db[LEASES].delete_one({"_id": "dispatcher", "owner": self.owner})
        except Exception:
            log.warning("could not release the dispatch lease", exc_info=True)

    def kill(self):
        self._running = False
        if self._thread is not None:
            self._thread.kill()

    def wake(self):
        self._wake.set()

    def get_dependency(self, worker_ctx):
        return self

    # -- the loop ---------------------------------------------------------------------------------------
    def _loop(self):
        self.store.ready.wait()
        while self._running:
            try:
                self.dispatch_pass()
            except Exception as exc:
                log.warning("delivery pass failed: %s: %s", type(exc).__name__, exc)
            # eventlet-patched Event.wait: the hub runs the senders meanwhile
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def hold_lease(self):
        """Take or renew the dispatch lease; True while this instance holds it."""
        now = dt.datetime.now(dt.timezone.utc)
        try:
            lease = self.store.db[LEASES].find_one_and_update(
                {"_id": "dispatcher", "$or": [{"owner": self.owner}, {"expires": {"$lt": now}}]},
                {"$set": {"owner": self.owner, "expires": now + dt.timedelta(seconds=LEASE_SECONDS)}},
                upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:
            return False  # another instance holds it
        return lease is not None and lease["owner"] == self.owner

    def dispatch_pass(self):
        db = self.store.db
        if not self.hold_lease():
            return
        subscriptions = [Subscription._from_son(raw) for raw in db[Subscription._get_collection_name()].find({})]
        metrics.SUBSCRIPTIONS.set(len(subscriptions))
        self._prune()
        now = dt.datetime.now(dt.timezone.utc)
        for subscription in subscriptions:
            self._refresh_gauges(subscription.id, now)
            if subscription.id not in self._busy:
                self._busy.add(subscription.id)
                self.pool.spawn_n(self._drain, subscription)

    def _prune(self):
        """Forget deliveries made longer ago than ``DELIVERY_RETENTION_DAYS`` (at most once a ``PRUNE_SECONDS``);
        those not delivered yet, parked ones included, are kept whatever their age."""
        if time.monotonic() - self._pruned_at < min(PRUNE_SECONDS, self.retention.total_seconds()):
            return
        self._pruned_at = time.monotonic()
        cutoff = dt.datetime.now(dt.timezone.utc) - self.retention
        self.store.db[Delivery._get_collection_name()].delete_many(
            {"status": "delivered", "delivered_at": {"$lt": cutoff}})

    def _refresh_gauges(self, subscription_id, now):
        for outcome in ("delivered", "failed", "parked"):
            metrics.ATTEMPTS.labels(subscription_id, outcome)  # every series from 0, so rate() sees the first
        deliveries = self.store.db[Delivery._get_collection_name()]
        waiting = {"subscription_id": subscription_id, "status": {"$in": ["pending", "parked"]}}
        metrics.PENDING.labels(subscription_id).set(deliveries.count_documents(waiting))
        metrics.PARKED.labels(subscription_id).set(
            deliveries.count_documents({"subscription_id": subscription_id, "status": "parked"}))
        oldest = deliveries.find_one(waiting, {"created_at": 1}, sort=[("seq", 1)])
        age = (now - oldest["created_at"]).total_seconds() if oldest else 0.0
        metrics.OLDEST_PENDING_AGE.labels(subscription_id).set(max(age, 0.0))

    def _due(self, subscription_id):
        deliveries = self.store.db[Delivery._get_collection_name()]
        held = deliveries.distinct("aggregate", {"subscription_id": subscription_id, "status": "parked"})
        pending = [Delivery._from_son(raw) for raw in
                   deliveries.find({"subscription_id": subscription_id, "status": "pending"}).sort("seq", 1).limit(BATCH)]
        return ordering.due(pending, held, dt.datetime.now(dt.timezone.utc))

    def _drain(self, subscription):
        """Send the subscription's due deliveries until none is due (or the service stops)."""
        try:
            while self._running:
                due = self._due(subscription.id)
                if not due:
                    break
                secrets = handlers.signing_secrets(subscription, self.box, dt.datetime.now(dt.timezone.utc))
                for delivery in due:
                    if not self._running:
                        break
                    self.attempt(subscription, secrets, delivery)
        except Exception as exc:
            log.warning("delivering to subscription %s failed: %s: %s", subscription.id, type(exc).__name__, exc)
        finally:
            self._busy.discard(subscription.id)

    def _address_refusal(self, url):
        if self.allow_private:
            return None
        parts = urlsplit(url)
        try:
            infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
        except OSError:
            infos = []
        return subscriptions.resolved_refusal(url, {info[4][0] for info in infos}, self.allow_private)

    def _post(self, subscription, headers, body):
        """(status code, error or None) of one POST; redirects are not followed (they could lead anywhere)."""
        started = time.monotonic()
        try:
            response = requests.post(subscription.url, data=body, headers=headers, timeout=self.timeout,
                                     allow_redirects=False)
        except requests.RequestException as exc:
            return None, f"{type(exc).__name__}: {str(exc)[:ERROR_CHARS]}"
        finally:
            metrics.DURATION.labels(subscription.id).observe(time.monotonic() - started)
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}: {response.text[:ERROR_CHARS]}"

    def attempt(self, subscription, secrets, delivery):
        """One POST of ``delivery``; records delivered, or the failure and the next attempt (or the parking)."""
        headers, body = messages.request(delivery.attributes, delivery.data, subscription.mode, secrets,
                                         time.time(), delivery.id)
        status_code, error = None, self._address_refusal(subscription.url)
        if error is None:
            status_code, error = self._post(subscription, headers, body)
        now = dt.datetime.now(dt.timezone.utc)
        collection = self.store.db[Delivery._get_collection_name()]
        where = {"_id": delivery.id, "status": "pending"}
        context = {"event_id": delivery.event_id, "subscription": subscription.id,
                   "host": urlsplit(subscription.url).hostname}
        if error is None:
            collection.update_one(where, {"$set": {"status": "delivered", "delivered_at": now,
                                                   "attempts": delivery.attempts + 1, "last_error": None,
                                                   "last_status_code": status_code}})
            metrics.ATTEMPTS.labels(subscription.id, "delivered").inc()
            log.info("delivered %s to subscription %s", delivery.event_id, subscription.id, extra=context)
            return True
        outcome = retries.after_failure(self.policy, delivery.attempts, now)
        update = {"attempts": outcome.attempts, "last_error": error, "last_status_code": status_code,
                  "next_attempt_at": outcome.next_attempt_at}
        if outcome.parked:
            update |= {"status": "parked", "parked_at": now}
        collection.update_one(where, {"$set": update})
        metrics.ATTEMPTS.labels(subscription.id, "parked" if outcome.parked else "failed").inc()
        log.warning("delivery of %s to subscription %s failed (attempt %d%s): %s", delivery.event_id,
                    subscription.id, outcome.attempts, ", parked" if outcome.parked else "", error, extra=context)
        return False
