"""A nameko entrypoint that consumes Kafka topics in a consumer group.

    class Metrics:
        @consume("registry.organization.registered.v1")
        def on_organization(self, event):   # event: envelope.ReceivedEvent
            ...

Shape (STACK-NOTES): a managed thread runs the poll loop; each record is handled
in a nameko worker and the loop waits for its result, so records of a partition
are handled in order. Offsets are committed explicitly after handling. A record
that cannot be decoded goes to ``<topic>.dlq`` at once; a handler failure is
retried with back-off, then dead-lettered with the error in headers; a handler that
failed because the database is unreachable keeps its record, pauses and tries again. Either way
the partition moves on. Deduplication on ``ce_id`` happens in the handler's
transaction (``StoreHandle.transact(..., dedup=event)``), so it is atomic with
the handler's effect. The wait of each fetch at the broker adapts to the traffic (``fetch_wait``):
short while records flow, long when idle, so an idle consumer does not keep a core busy polling.

Batches (opt in): ``@consume(..., batch=True)`` hands the handler a list of events, in offset order, of one
partition: up to ``CONSUMER_BATCH_MAX_RECORDS``, gathered for at most ``CONSUMER_BATCH_MAX_WAIT_MS`` after the
first of them came, and handed over at once when the partition has nothing newer (caught up). The handler
applies them in one transaction (``StoreHandle.transact_batch``: the dedup marks together); the offsets are
committed after it. Undecodable records are dead-lettered before the batch is handed over. When the batch
fails, its events are handled again one by one in order, each as a list of one, through the per-record retry
and dead-letter path: the record that fails alone is isolated and the rest commit. Handlers without ``batch``
get one event per call, as before.
"""
import logging
import time

import eventlet
from eventlet.event import Event
from kafka import KafkaConsumer, OffsetAndMetadata
from nameko.extensions import Entrypoint

from . import avro, dlq, envelope, events, kafka, metrics
from .fetch_wait import FetchWait
from .mongo import UNAVAILABLE_ERRORS
from .settings import setting

log = logging.getLogger(__name__)
CLOSE_TIMEOUT_MS = 5000  # leaving the group at stop or reconnect (best effort)
OUTCOMES = ("processed", "ignored", "deferred", "retried", "dead_lettered")  # of ttp_events_consumed_total


class KafkaEventConsumer(Entrypoint):
    def __init__(self, *event_names, group=None, max_attempts=None, batch=False, batch_max_records=None,
                 batch_max_wait_ms=None, enabled=None, **kwargs):
        """``group``: the group's name (default ``ttp.<service>.<method>``), or a function of the service's
        config giving it (a consumer whose state is local to one process needs a group of its own).
        ``enabled``: a function of the config; when it is false the consumer does not run at all."""
        self.event_names = set(event_names)
        self.group = group
        self.enabled = enabled
        self.active = True
        self.max_attempts = max_attempts
        self.batch = batch
        self.batch_max_records, self.batch_max_wait_ms = batch_max_records, batch_max_wait_ms
        self._pending = {}  # batch mode: {TopicPartition: (monotonic time of the first, [records])}
        self._consumer = None
        self._running = False
        self._thread = None
        super().__init__(**kwargs)

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        self.active = self.enabled is None or bool(self.enabled(config))
        if not self.active:
            self.topics, self.group_id = [], None
            return
        self.bootstrap = setting(config, "KAFKA_BOOTSTRAP")
        self.prefix = setting(config, "KAFKA_TOPIC_PREFIX")
        self.partitions = setting(config, "KAFKA_PARTITIONS")
        self.max_attempts = self.max_attempts or setting(config, "CONSUMER_MAX_ATTEMPTS")
        self.backoff = setting(config, "CONSUMER_RETRY_BACKOFF_SECONDS")
        self.topics = sorted({avro.event_topic(name, self.prefix) for name in self.event_names})
        group = self.group(config) if callable(self.group) else self.group
        group = group or f"ttp.{self.service}.{self.method_name}"
        self.group_id = f"{self.prefix}{group}{setting(config, 'CONSUMER_GROUP_SUFFIX')}"
        self.codec = events.codec(setting(config, "SCHEMA_REGISTRY_URL") or None)
        self.fetch_wait = FetchWait(setting(config, "CONSUMER_FETCH_WAIT_MIN_MS"),
                                    setting(config, "CONSUMER_FETCH_WAIT_MAX_MS"))
        self.batch_max_records = int(self.batch_max_records or setting(config, "CONSUMER_BATCH_MAX_RECORDS"))
        wait_ms = self.batch_max_wait_ms
        self.batch_max_wait = float(setting(config, "CONSUMER_BATCH_MAX_WAIT_MS") if wait_ms is None else wait_ms) / 1000
        if self.batch_max_records < 1 or self.batch_max_wait < 0:
            raise ValueError(f"batch bounds must be at least 1 record and 0 ms, got {self.batch_max_records}, "
                             f"{self.batch_max_wait * 1000} ms")

    def start(self):
        if not self.active:
            return
        self._zero_series()
        self._running = True
        self._thread = self.container.spawn_managed_thread(self._run, identifier=f"kafka-consumer:{self.method_name}")

    def stop(self):
        self._running = False
        if self._thread is not None:
            self._thread.wait()

    def kill(self):
        self._running = False
        if self._thread is not None:
            self._thread.kill()

    def _zero_series(self):
        """Export every series this consumer may count, at 0, from the start. Prometheus's increase()
        and rate() see nothing in a series whose first sample is already 1, so without this the first
        dead letter (or duplicate) of a handler and topic never showed: not on the dashboards, not in
        TTPEventsDeadLettered."""
        for topic in self.topics:
            for outcome in OUTCOMES:
                metrics.EVENTS_CONSUMED.labels(self.service, self.method_name, topic, outcome)
        metrics.EVENTS_DEDUPLICATED.labels(self.service, self.method_name)

    # -- the poll loop ---------------------------------------------------
    def _connect(self):
        kafka.ensure_topics(self.bootstrap, self.topics, self.partitions)
        consumer = KafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=6000,
            heartbeat_interval_ms=1000,
            fetch_max_wait_ms=self.fetch_wait.ms,
            max_poll_records=max(200, self.batch_max_records) if self.batch else 200,
            fetch_max_bytes=52428800,
            receive_message_max_bytes=52428800 + 1024,  # 2.3.x default is below a backlog fetch
            api_version=kafka.API_VERSION,
            **kafka.security(),
        )
        consumer.subscribe(self.topics)
        return consumer

    def _run(self):
        """Poll until stopped. Any Kafka trouble (broker gone, rebalance during a commit) closes the
        consumer without committing and starts a new one: it resumes from the committed offsets,
        and records handled since are deduplicated by their handlers."""
        while self._running:
            try:
                if self._consumer is None:
                    self._consumer = self._connect()
                    self._pending = {}  # a new member resumes from the committed offsets
                # a poll no shorter than the fetch's wait: an idle loop does not spin around a waiting fetch
                timeout_ms = max(200, self.fetch_wait.ms)
                if self._pending:  # no longer than the oldest gathered batch may still wait
                    due = min(first for first, _ in self._pending.values()) + self.batch_max_wait
                    timeout_ms = min(timeout_ms, max(0, int((due - time.monotonic()) * 1000)))
                batches = self._consumer.poll(timeout_ms=timeout_ms)
                self._set_fetch_wait(self.fetch_wait.after_poll(bool(batches)))
                if self.batch:
                    self._gather(batches)
                    continue
                for tp, records in batches.items():
                    self._handle_partition(tp, records)
                    if not self._running:
                        break
            except Exception as exc:
                log.warning("kafka consumer %s: %s: %s; reconnecting", self.group_id, type(exc).__name__, exc,
                            exc_info=True)
                self._close()
                eventlet.sleep(2)
        self._close()

    def _gather(self, batches):
        """Batch mode: add what a poll returned to each partition's gathered records, and hand over those of
        the partitions whose batch is full or has waited long enough (records of a partition this member
        no longer owns are dropped: its new owner resumes from the committed offset)."""
        now = time.monotonic()
        for tp, records in batches.items():
            self._pending.setdefault(tp, (now, []))[1].extend(records)
        assigned = self._consumer.assignment()
        for tp, (first, records) in list(self._pending.items()):
            if tp not in assigned:
                del self._pending[tp]
            elif (len(records) >= self.batch_max_records or now - first >= self.batch_max_wait
                  or self._caught_up(tp, records[-1])):
                del self._pending[tp]
                self._handle_batches(tp, records)
            if not self._running:
                return

    def _caught_up(self, tp, last):
        """True when ``last`` is the partition's newest record as of the latest fetch (its high watermark):
        nothing more is there to gather, so waiting out the batch's time would only delay what is gathered.
        A steady trickle is handed over at once; a backlog still fills batches. (A fetch's high watermark is
        exact on Tansu too; Tansu's ListOffsets answer is not, see consumer_lag.)"""
        highwater = self._consumer.highwater(tp)
        return highwater is not None and last.offset + 1 >= highwater

    def _set_fetch_wait(self, ms):
        # KafkaConsumer has no setter; kafka-python 2.3.3 (pinned) reads the wait from its fetcher's
        # config for every fetch request it builds (Fetcher._create_fetch_requests).
        self._consumer._fetcher.config["fetch_max_wait_ms"] = ms

    def _close(self):
        if self._consumer is not None:
            try:
                # Bounded: without timeout_ms kafka-python waits for the LeaveGroup answer up to its
                # request_timeout_ms (305 s), so a broker that does not answer could hold container.stop()
                # for five minutes. Leaving is best effort: the broker drops a silent member after
                # session_timeout_ms anyway.
                self._consumer.close(autocommit=False, timeout_ms=CLOSE_TIMEOUT_MS)
            except Exception:
                log.warning("closing kafka consumer %s failed", self.group_id, exc_info=True)
            self._consumer = None

    def _handle_partition(self, tp, records):
        done = None
        for record in records:
            if not self._running:
                break
            if not self._handle_record(record):
                break  # not done with it (database down, or dead-lettering failed): poll it again
            done = record.offset
        if done is not None:
            self._consumer.commit({tp: OffsetAndMetadata(done + 1, "", -1)})
        if done is None or done != records[-1].offset:
            # stopped or failed midway: the next poll (or the next owner) resumes after `done`
            self._consumer.seek(tp, (done + 1) if done is not None else records[0].offset)

    def _handle_batches(self, tp, records):
        """Batch mode: ``records`` of one partition in batches of at most the batch size, committing after
        each; as ``_handle_partition``, a batch not done with stops the partition and is polled again."""
        done = None
        for start in range(0, len(records), self.batch_max_records):
            if not self._running:
                break
            chunk = records[start:start + self.batch_max_records]
            last = self._handle_batch(chunk)
            if last is not None:
                done = last
                self._consumer.commit({tp: OffsetAndMetadata(done + 1, "", -1)})
            if last != chunk[-1].offset:
                break
        if done is None or done != records[-1].offset:
            self._consumer.seek(tp, (done + 1) if done is not None else records[0].offset)

    def _handle_batch(self, chunk):
        """Handle one batch of records of a partition; the offset of the last record done with, or None."""
        decoded = []  # (index in chunk, record, event) to hand over, in offset order
        for index, record in enumerate(chunk):
            done, event = self._decode(record)
            if not done:
                chunk = chunk[:index]  # keep it (registry down, dead letter not written): hand over those before
                break
            if event is not None:
                decoded.append((index, record, event))

        def done_before(index):
            return chunk[index - 1].offset if index > 0 else None

        if not chunk:
            return None
        if not decoded:
            return chunk[-1].offset  # all ignored or dead-lettered
        exc_info = self._run_worker([event for _, _, event in decoded], decoded[0][2])
        if exc_info is None:
            for _, record, event in decoded:
                self._processed(record, event)
            return chunk[-1].offset
        if isinstance(exc_info[1], UNAVAILABLE_ERRORS):
            self._defer(decoded[0][2], exc_info[1], len(decoded))
            return done_before(decoded[0][0])
        log.warning("batch handler %s failed on %d events from %s; handling them one by one: %s: %s",
                    self.method_name, len(decoded), decoded[0][2].id, exc_info[0].__name__, exc_info[1],
                    extra={"event_id": decoded[0][2].id}, exc_info=exc_info)
        for index, record, event in decoded:
            if not self._handle_event(record, event, [event]):
                return done_before(index)
        return chunk[-1].offset

    def _decode(self, record):
        """(done, event): the record's event to handle, or (True, None) once it is ignored or dead-lettered,
        or (False, None) to keep it for the next poll."""
        try:
            event = envelope.parse_message(
                self.codec, record.topic, record.partition, record.offset,
                record.key, record.value, record.headers or [],
            )
        except avro.SchemaRegistryError as exc:
            # The registry is unreachable: the record may be fine, so keep it and try again later.
            log.warning("schema registry unavailable, pausing %s: %s", self.group_id, exc)
            eventlet.sleep(max(self.backoff * 10, 1.0))
            return False, None
        except avro.UndecodableEvent as exc:
            return self._dead_letter(record, "undecodable", exc), None
        if event.event_name not in self.event_names:
            metrics.EVENTS_CONSUMED.labels(self.service, self.method_name, record.topic, "ignored").inc()
            return True, None
        return True, event

    def _processed(self, record, event):
        metrics.EVENTS_CONSUMED.labels(self.service, self.method_name, record.topic, "processed").inc()
        if event.time is not None:
            metrics.CONSUMER_LAST_EVENT.labels(self.service, self.method_name).set(event_timestamp(event))

    def _defer(self, event, exc, count=1):
        # The database is down, not the event: keep the record (no attempt spent, no dead
        # letter) and come back to it after a pause.
        log.warning("database unavailable in %s on %s, pausing: %s", self.method_name, event.id, exc,
                    extra={"event_id": event.id})
        metrics.EVENTS_CONSUMED.labels(self.service, self.method_name, event.topic, "deferred").inc(count)
        eventlet.sleep(max(self.backoff * 10, 1.0))

    def _handle_record(self, record):
        """Handle one record; True once it is done with (processed, ignored or dead-lettered)."""
        done, event = self._decode(record)
        if event is None:
            return done
        return self._handle_event(record, event, event)

    def _handle_event(self, record, event, argument):
        """Run the handler on ``argument`` (the event, or a batch of it alone) with retries, then dead-letter;
        True once done with the record, False to keep it (the database is unavailable)."""
        topic = record.topic
        for attempt in range(1, self.max_attempts + 1):
            exc_info = self._run_worker(argument, event)
            if exc_info is None:
                self._processed(record, event)
                return True
            if isinstance(exc_info[1], UNAVAILABLE_ERRORS):
                self._defer(event, exc_info[1])
                return False
            log.warning("handler %s failed on %s (attempt %d/%d): %s: %s", self.method_name, event.id,
                        attempt, self.max_attempts, exc_info[0].__name__, exc_info[1],
                        extra={"event_id": event.id}, exc_info=exc_info)
            if attempt < self.max_attempts:
                metrics.EVENTS_CONSUMED.labels(self.service, self.method_name, topic, "retried").inc()
                eventlet.sleep(self.backoff * 2 ** (attempt - 1))
        return self._dead_letter(record, "handler_failed", exc_info[1])

    def _run_worker(self, argument, event):
        """The handler run in a nameko worker on ``argument``; its exc_info, None on success. ``event`` (the
        first of a batch) gives the worker's correlation id."""
        done = Event()

        def handle_result(worker_ctx, result, exc_info):
            done.send(exc_info)
            return result, exc_info

        context = {"correlation_id": event.extensions.get("correlationid") or event.id}
        self.container.spawn_worker(self, (argument,), {}, context_data=context, handle_result=handle_result)
        # Under load this greenlet was seen resumed by a stray wake-up from an earlier green
        # select() in kafka-python's poll (wait() returned ([fd], [], [])): wait for the real result.
        while not done.ready():
            done.wait()
        return done.wait()

    def _dead_letter(self, record, reason, exc):
        headers = dlq.dead_letter_headers(record, reason, exc, consumer_group=self.group_id,
                                          handler=f"{self.service}.{self.method_name}")
        try:
            dlq.dead_letter(self.bootstrap, record, headers, self.partitions)
        except Exception:
            log.exception("could not dead-letter %s:%s@%s", record.topic, record.partition, record.offset)
            eventlet.sleep(1)
            return False
        log.error("dead-lettered %s:%s@%s (%s): %s", record.topic, record.partition, record.offset, reason, exc)
        metrics.EVENTS_CONSUMED.labels(self.service, self.method_name, record.topic, "dead_lettered").inc()
        return True


def event_timestamp(event):
    t = event.time
    return t.timestamp() if hasattr(t, "timestamp") else time.time()


consume = KafkaEventConsumer.decorator
