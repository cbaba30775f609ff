"""Metrics projection benchmark against the real local servers; prints figures, asserts nothing.

    .venv/bin/python bench/bench_metrics.py [--events N] [--samples M] [--rate R --seconds S]

Each figure comes with a baseline measured in the same run (these machines are shared and noisy):
  1. projection throughput: the metrics service (consumer entrypoint → transaction with dedup mark →
     read models) working off a backlog of N valid events, vs. a raw kafka-python consume of the
     same N records (and vs. the same consume plus CloudEvents/Avro decoding);
  2. end-to-end freshness: one event produced → its effect visible in the service's Prometheus
     gauge (GET /metrics), vs. a raw produce → consume round trip on an assigned consumer;
  3. the same under a steady stream (``--rate`` events/s for ``--seconds``; goal: p99 ≤ 200 ms at 50/s).
The projection consumes in batches (``CONSUMER_BATCH_MAX_RECORDS``, ``CONSUMER_BATCH_MAX_WAIT_MS``).
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import requests  # noqa: E402
from kafka import KafkaConsumer, TopicPartition  # noqa: E402

from ttp_common import kafka  # noqa: E402
from ttp_testing import BOOTSTRAP, metric_sample, running_service, unique, wait_for  # noqa: E402

from bench_events import event, produce, raw_consume  # noqa: E402

def applied(api):
    return requests.get(f"{api.url}/api/v1/pipeline", timeout=10).json()["events_applied"]


PLAN = "sichuan-2016-2020"  # the events are of 2019 (AT): they count in the packaged 2016-2020 plan


def gauge(api):
    value = metric_sample(requests.get(f"{api.url}/metrics", timeout=10).text, "ttp_indicator_value",
                          plan=PLAN, indicator="contracts_registered", unit="count")
    if value is None:
        raise SystemExit(f"no ttp_indicator_value of contracts_registered in plan {PLAN} on /metrics")
    return value


def freshness(api, prefix, samples):
    latencies = []
    for i in range(samples):
        before = gauge(api)
        m = event(3 * (10_000_000 + i), prefix)  # a contract
        producer = kafka.producer(BOOTSTRAP)
        started = time.perf_counter()
        producer.send(m.topic, key=m.key, value=m.value, headers=m.headers).get(timeout=10)
        while gauge(api) == before:
            eventlet.sleep(0.002)
        latencies.append(time.perf_counter() - started)
    return latencies


def freshness_at_rate(api, prefix, rate, seconds):
    """Contracts produced at ``rate`` per second for ``seconds``, all with one key (one partition, so applied in
    order) while GET /metrics is read as fast as it answers. The i-th contract's latency runs from its send to the
    end of the first read showing the gauge at its value before + i + 1; so it includes up to one read's duration
    (the median read is returned too)."""
    n = int(rate * seconds)
    base = gauge(api)
    messages = [event(3 * (20_000_000 + i), prefix, subject="bench-freshness") for i in range(n)]
    producer = kafka.producer(BOOTSTRAP)
    sent = [None] * n

    def send_all():
        start = time.perf_counter()
        for i, m in enumerate(messages):
            eventlet.sleep(max(0.0, start + i / rate - time.perf_counter()))
            sent[i] = time.perf_counter()
            producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
            producer.flush(10)  # each on its own, as events come at this rate
    sender = eventlet.spawn(send_all)
    reads, deadline = [], time.perf_counter() + seconds + 120
    while time.perf_counter() < deadline:
        started = time.perf_counter()
        value = gauge(api)
        reads.append((started, time.perf_counter(), value))
        if value >= base + n:
            break
        eventlet.sleep(0.001)
    sender.wait()
    latencies, r = [], 0
    for i in range(n):
        while r < len(reads) and reads[r][2] < base + i + 1:
            r += 1
        if r == len(reads):
            break  # not shown before the deadline
        latencies.append(reads[r][1] - sent[i])
    return latencies, n, statistics.median(end - start for start, end, _ in reads)


def raw_round_trip(samples):
    topic = unique("bench-rt-")
    kafka.ensure_topics(BOOTSTRAP, [topic], 1)
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, enable_auto_commit=False,
                             fetch_max_wait_ms=10)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    consumer.seek_to_end(tp)
    consumer.poll(timeout_ms=100)
    producer = kafka.producer(BOOTSTRAP)
    latencies = []
    for _ in range(samples):
        value = uuid.uuid4().bytes
        started = time.perf_counter()
        producer.send(topic, value=value).get(timeout=10)
        found = False
        while not found:
            for records in consumer.poll(timeout_ms=50).values():
                found = found or any(r.value == value for r in records)
        latencies.append(time.perf_counter() - started)
    consumer.close()
    return latencies


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def summary(latencies, q=0.95):
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[int(q * (len(ordered) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--rate", type=float, default=50.0, help="events/s of the freshness-under-load run")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the freshness-under-load run")
    args = parser.parse_args()
    n = args.events - args.events % 3
    print(f"machine: {platform.node()} ({os.cpu_count()} cores), python {platform.python_version()}; "
          f"{n} events (contracts, approvals, accreditations), {args.samples} freshness samples")

    prefix = f"{unique('bench')}."
    messages = [event(i, prefix) for i in range(n)]
    topics = sorted({m.topic for m in messages})
    kafka.ensure_topics(BOOTSTRAP, topics, 3)
    produce(messages)

    raw = raw_consume(topics, n)
    raw_decoded = raw_consume(topics, n, decode=True)

    with running_service(__import__("metrics.service", fromlist=["MetricsService"]).MetricsService,
                         KAFKA_TOPIC_PREFIX=prefix, OUTBOX_POLL_SECONDS=1.0) as api:
        wait_for(lambda: applied(api) > 0, timeout=60, interval=0.01, message="the first projected event")
        first, started = applied(api), time.perf_counter()
        wait_for(lambda: applied(api) >= n, timeout=1800, interval=0.05, message="the backlog to be projected")
        projected = (n - first) / (time.perf_counter() - started)
        fresh = freshness(api, prefix, args.samples)
        loaded, sent, read_ms = freshness_at_rate(api, prefix, args.rate, args.seconds)
    rt = raw_round_trip(args.samples)

    print("\n1. projection throughput (backlog of events, after the consumer group joined)")
    print(f"   metrics service projection : {projected:8.0f} events/s")
    print(f"   raw kafka-python consume   : {raw:8.0f} events/s   (service = {projected / raw:.3f} x raw)")
    print(f"   raw consume + decode       : {raw_decoded:8.0f} events/s   (service = {projected / raw_decoded:.3f} x)")
    fm, fp = summary(fresh)
    rm, rp = summary(rt)
    print("\n2. freshness: produce → gauge changed on GET /metrics")
    print(f"   metrics service            : median {ms(fm)}, p95 {ms(fp)}")
    print(f"   raw produce → consume      : median {ms(rm)}, p95 {ms(rp)}   (service = {fm / rm:.1f} x raw, median)")
    lm, lp99 = summary(loaded, 0.99)
    print(f"\n3. freshness at {args.rate:.0f} events/s for {args.seconds:.0f} s (one key): produce → gauge shows it")
    print(f"   metrics service            : median {ms(lm)}, p99 {ms(lp99)}, max {ms(max(loaded))} "
          f"({len(loaded)} of {sent} shown; one GET /metrics takes {ms(read_ms)}, median, and is included)")
    print(f"   raw produce → consume      : p99 {ms(summary(rt, 0.99)[1])} (section 2's round trips)")


if __name__ == "__main__":
    main()
