"""Consumer lag of every consumer group a service runs, and the depth of the dead-letter topics of what it
consumes, read from Kafka's offsets in the background while /metrics is scraped (``ConsumerLagExporter``,
one per service).

Lag of a partition: its end offset minus the group's committed offset; a partition the group has not
committed yet counts from the partition's first offset (the consumers start at ``earliest``).

Tansu, the development broker, reports as a partition's end offset the base offset of its last record
batch plus one, not the offset after its last record (STACK-NOTES 12): after a batch of 5 records at
offsets 11-15 it says 12, so lag read from it is short by up to a batch. Its Fetch answers carry the
right high watermark (16), so ``OffsetReader.offsets`` corrects the reported ends with one Fetch per
broker at the last batch; on Apache Kafka that high watermark equals the reported end.
"""
import logging
import threading
import time

import eventlet
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.protocol.fetch import FetchRequest
from nameko.extensions import DependencyProvider
from prometheus_client.core import REGISTRY, GaugeMetricFamily

from . import dlq, kafka
from .consumer import KafkaEventConsumer
from .settings import setting

log = logging.getLogger(__name__)
CACHE_SECONDS = 5.0  # Prometheus and /api/v1/pipeline may ask often; Kafka is asked at most this often
READ_SECONDS = 5.0  # the longest one read of all offsets may take (then: unavailable)
PROBE_SECONDS = 2.0  # the longest the Fetch that corrects the end offsets may take
PARTITIONS_SECONDS = 60.0  # a new topic or partition shows within a minute
PROBE_BYTES = 1024  # per partition: the answer's high watermark is what counts, not its records


def partition_lag(committed, beginning, end):
    """Records of a partition the group has not consumed yet (never negative)."""
    position = beginning if committed is None else max(committed, beginning)
    return max(0, end - position)


class OffsetReader:
    """Partitions, exact end offsets and committed offsets, without joining any group."""

    def __init__(self, bootstrap):
        self.bootstrap = bootstrap
        self._consumer = self._admin = None
        self._partitions = {}  # {topics: (looked up at, partitions)}

    def _clients(self):
        if self._consumer is None:
            self._consumer = KafkaConsumer(bootstrap_servers=self.bootstrap, api_version=kafka.API_VERSION,
                                           group_id=None, enable_auto_commit=False, request_timeout_ms=3000,
                                           **kafka.security())
        if self._admin is None:
            self._admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, api_version=(2, 1),
                                           request_timeout_ms=3000, **kafka.security())
        return self._consumer, self._admin

    def partitions(self, topics):
        """The partitions of those of ``topics`` that exist, looked up at most every PARTITIONS_SECONDS: listing
        the topics reads the metadata of every topic of the cluster (63-176 ms on the shared development broker
        with its ~1,700 test topics, measured 2026-12-04), and kafka-python decodes it in the service's process,
        holding up its other green threads (a freshness benchmark saw the projection stall for ~250 ms every 5 s
        while a dead-letter topic was missing and looked for again that way). Topics still missing (a
        dead-letter topic not yet created) are asked about alone (``_any_exist``, ~1 ms), and the list is read
        again as soon as one of them exists."""
        key = tuple(sorted(set(topics)))
        cached = self._partitions.get(key)
        if cached is not None and time.monotonic() - cached[0] < PARTITIONS_SECONDS:
            _, found, missing = cached
            if not missing or not self._any_exist(missing):
                return found
        consumer, _ = self._clients()
        existing = consumer.topics()
        found = [TopicPartition(t, p) for t in key if t in existing
                 for p in sorted(consumer.partitions_for_topic(t) or ())]
        self._partitions[key] = (time.monotonic(), found, [t for t in key if t not in existing])
        return found

    def _any_exist(self, topics):
        """Whether any of ``topics`` exists now, from a metadata request for those topics alone (it creates none)."""
        _, admin = self._clients()
        return any(answer["error_code"] == 0 for answer in admin.describe_topics(list(topics)))

    def offsets(self, partitions):
        """({partition: first offset}, {partition: offset after the last record})."""
        consumer, _ = self._clients()
        if not partitions:
            return {}, {}
        beginning, reported = consumer.beginning_offsets(partitions), consumer.end_offsets(partitions)
        return beginning, self._read_to_end(beginning, reported)

    def _read_to_end(self, beginning, reported):
        """The reported end offsets, corrected by the high watermark of one Fetch per leader at the last
        batch (Tansu's Fetch answers carry the right high watermark where its ListOffsets does not). Not a
        consumer read loop: with one here, the services' own consumers stalled in
        services/metrics/tests/test_dashboards.py (this reader's fetches timing out on Tansu); with one
        Fetch per broker they do not."""
        consumer, _ = self._clients()
        client = consumer._client  # the consumer's connections and metadata (kafka-python has no public Fetch)
        end = dict(reported)
        by_leader = {}
        for tp, offset in reported.items():
            if offset > beginning[tp]:
                by_leader.setdefault(client.cluster.leader_for_partition(tp), []).append(tp)
        for leader, partitions in by_leader.items():
            if leader is None or leader == -1:
                continue
            topics = {}
            for tp in partitions:
                topics.setdefault(tp.topic, []).append((tp.partition, reported[tp] - 1, PROBE_BYTES))
            request = FetchRequest[4](replica_id=-1, max_wait_time=10, min_bytes=1,
                                      max_bytes=PROBE_BYTES * len(partitions), isolation_level=0,
                                      topics=list(topics.items()))
            future = client.send(leader, request)
            client.poll(future=future, timeout_ms=PROBE_SECONDS * 1000)
            if not future.succeeded():
                raise future.exception or TimeoutError(f"no Fetch answer from broker {leader}")
            for topic, answers in future.value.topics:
                for partition, error_code, highwater, *_ in answers:
                    tp = TopicPartition(topic, partition)
                    if error_code == 0 and tp in end:
                        end[tp] = max(end[tp], highwater)
        return end

    def committed(self, group, partitions):
        """{partition: the group's committed offset, or None}; only the named partitions (Tansu does not
        answer the all-partitions form of OffsetFetch)."""
        _, admin = self._clients()
        if not partitions:
            return {}
        answer = admin.list_consumer_group_offsets(group, partitions=partitions)
        return {tp: (answer[tp].offset if tp in answer and answer[tp].offset >= 0 else None) for tp in partitions}

    def close(self):
        for client in (self._consumer, self._admin):
            try:
                if client is not None:
                    client.close()
            except Exception:  # pragma: no cover - best effort
                pass
        self._consumer = self._admin = None


class ConsumerLagCollector:
    """``ttp_consumer_lag{service,group,topic,partition}``, ``ttp_consumer_lag_available{service,group}`` and
    ``ttp_dlq_depth{service,topic}`` (records in ``<topic>.dlq`` for each topic the service consumes)."""

    def __init__(self, service, bootstrap, groups):
        self.service, self.groups = service, {g: sorted(set(t)) for g, t in groups.items()}
        self.reader = OffsetReader(bootstrap)
        self._lock = threading.Lock()  # one read of Kafka at a time
        self._snapshot, self._at = None, 0.0
        self._refresh = None

    def snapshot(self):
        """{"lag": {group: {(topic, partition): n} or None}, "dlq": {topic: n} or None}.

        Read again in the background when older than CACHE_SECONDS, and meanwhile the previous answer is
        served: a scrape does not wait for Kafka (its timeout may be short), only the very first one does."""
        if self._snapshot is None or time.monotonic() - self._at > CACHE_SECONDS:
            if self._refresh is None or not self._refresh.is_alive():
                self._refresh = threading.Thread(target=self._update, name=f"consumer-lag:{self.service}",
                                                 daemon=True)
                self._refresh.start()
            if self._snapshot is None:
                self._refresh.join()
        return self._snapshot

    def _update(self):
        with self._lock:
            try:
                # kafka-python's metadata calls wait without a limit while the broker is unreachable
                with eventlet.Timeout(READ_SECONDS):
                    snapshot = self._read()
            except eventlet.Timeout:
                log.warning("offsets of %s's topics unavailable: no answer from Kafka in %s s", self.service,
                            READ_SECONDS)
                self.reader.close()
                snapshot = {"lag": {g: None for g in self.groups}, "dlq": None}
            self._snapshot, self._at = snapshot, time.monotonic()

    def lag_by_topic(self, group):
        """{topic: records not yet consumed by ``group``}, or None when Kafka could not tell."""
        lag = self.snapshot()["lag"].get(group)
        if lag is None:
            return None
        totals = {t: 0 for t in self.groups.get(group, ())}
        for (topic, _), n in lag.items():
            totals[topic] = totals.get(topic, 0) + n
        return totals

    def _read(self):
        lag, depth = {}, None
        try:
            topics = sorted({t for ts in self.groups.values() for t in ts})
            dead = [dlq.dead_letter_topic(t) for t in topics]
            partitions = self.reader.partitions(topics + dead)
            beginning, end = self.reader.offsets(partitions)
            depth = {t: 0 for t in dead}
            for tp in partitions:
                if tp.topic in depth:
                    depth[tp.topic] += end[tp] - beginning[tp]
        except Exception as exc:
            log.warning("offsets of %s's topics unavailable: %s: %s", self.service, type(exc).__name__, exc)
            self.reader.close()
            return {"lag": {g: None for g in self.groups}, "dlq": None}
        for group, group_topics in self.groups.items():
            own = [tp for tp in partitions if tp.topic in group_topics]
            try:
                committed = self.reader.committed(group, own)
            except Exception as exc:
                log.warning("committed offsets of %s unavailable: %s: %s", group, type(exc).__name__, exc)
                lag[group] = None
                continue
            lag[group] = {(tp.topic, tp.partition): partition_lag(committed[tp], beginning[tp], end[tp])
                          for tp in own}
        return {"lag": lag, "dlq": depth}

    def describe(self):
        return []  # read at scrape time only

    def collect(self):
        snap = self.snapshot()
        available = GaugeMetricFamily("ttp_consumer_lag_available",
                                      "1 when Kafka reported a consumer group's committed and end offsets",
                                      labels=["service", "group"])
        lag = GaugeMetricFamily("ttp_consumer_lag", "Records of a partition not yet consumed by a group "
                                "(end offset minus committed offset)",
                                labels=["service", "group", "topic", "partition"])
        for group in sorted(self.groups):
            partitions = snap["lag"].get(group)
            available.add_metric([self.service, group], 0 if partitions is None else 1)
            for (topic, partition), n in sorted((partitions or {}).items()):
                lag.add_metric([self.service, group, topic, str(partition)], n)
        yield available
        yield lag
        if snap["dlq"] is not None:
            depth = GaugeMetricFamily("ttp_dlq_depth", "Records kept in a dead-letter topic (<topic>.dlq)",
                                      labels=["service", "topic"])
            for topic, n in sorted(snap["dlq"].items()):
                depth.add_metric([self.service, topic], n)
            yield depth

    def close(self):
        """Close the clients once a read in progress is over (bounded by READ_SECONDS)."""
        got = self._lock.acquire(timeout=READ_SECONDS + 1)
        try:
            self.reader.close()
        finally:
            if got:
                self._lock.release()


def consumer_groups(container):
    """{group id: topics} of the service's Kafka consumers (``@consume`` entrypoints)."""
    groups = {}
    for entrypoint in container.entrypoints:
        if isinstance(entrypoint, KafkaEventConsumer) and entrypoint.active:
            groups.setdefault(entrypoint.group_id, set()).update(entrypoint.topics)
    return groups


class ConsumerLagExporter(DependencyProvider):
    """Exports the lag of the service's own consumer groups and its dead-letter depth on /metrics.
    Groups are read from the entrypoints in ``start`` (after their ``setup`` named them)."""

    collector = None

    def start(self):
        groups = consumer_groups(self.container)
        if groups:
            self.collector = ConsumerLagCollector(self.container.service_name,
                                                  setting(self.container.config, "KAFKA_BOOTSTRAP"), groups)
            REGISTRY.register(self.collector)

    def stop(self):
        if self.collector is not None:
            try:
                REGISTRY.unregister(self.collector)
            except KeyError:  # already stopped
                pass
            self.collector.close()
            self.collector = None

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.collector
