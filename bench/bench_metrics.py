"""Metrics projection benchmark against the real local servers; prints figures, asserts nothing.

    .venv/bin/python bench/bench_metrics.py [--events N] [--samples M]

Each figure comes with a baseline measured in the same run (these machines are shared and noisy):
  1. projection throughput: the metrics service (consumer entrypoint → transaction with dedup mark →
     read models) working off a backlog of N valid events, vs. a raw kafka-python consume of the
     same N records (and vs. the same consume plus CloudEvents/Avro decoding);
  2. end-to-end freshness: one event produced → its effect visible in the service's Prometheus
     gauge (GET /metrics), vs. a raw produce → consume round trip on an assigned consumer.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from decimal import Decimal  # noqa: E402

import requests  # noqa: E402
from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402

from ttp_common import envelope, kafka  # noqa: E402
from ttp_common.events import codec  # noqa: E402
from ttp_testing import BOOTSTRAP, event_message, metric_sample, running_service, unique, wait_for  # noqa: E402

REGIONS = ["510100", "510700", "511300", "510600", "513400"]
TYPES = ["development", "transfer", "licence", "consulting", "service"]
AT = dt.datetime(2019, 6, 1, tzinfo=dt.timezone.utc)


def event(i, prefix):
    """One of three kinds of events, round robin: a contract, an approval, an accreditation."""
    kind = i % 3
    if kind == 0:
        name, subject, data = "transactions.contract.registered.v1", f"c{i}", {
            "contract_id": f"c{i}", "registration_number": f"51010020190{i:05d}", "contract_type": TYPES[i % 5],
            "contract_amount": Decimal("1000.00"), "technology_transaction_amount": Decimal("800.50"),
            "seller_organization_id": "o", "region_code": REGIONS[i % 5], "registered_at": AT,
            "programme": i % 15 + 1}
    elif kind == 1:
        name, subject, data = "finance.transformation_project.approved.v1", f"p{i}", {
            "project_id": f"p{i}", "title": "项目", "category": "major" if i % 2 else "promoted",
            "programme": i % 15 + 1, "region_code": REGIONS[i % 5], "organization_id": "o",
            "responsible_department": "科技厅", "budget": Decimal("1.00"), "approved_at": AT}
    else:
        name, subject, data = "registry.organization.accredited.v1", f"o{i}", {
            "organization_id": f"o{i}", "region_code": REGIONS[i % 5], "accredited_at": AT}
    return event_message(prefix, name, data, subject, source="/ttp/bench")


def produce(messages):
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, acks="all", linger_ms=5)
    for i, m in enumerate(messages):
        producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
        if i % 500 == 0:
            eventlet.sleep(0)
    producer.flush(60)
    producer.close(5)


def raw_consume(topics, n, decode=False):
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, enable_auto_commit=False,
                             fetch_max_wait_ms=10, max_poll_records=1000, fetch_max_bytes=52428800,
                             receive_message_max_bytes=52428800 + 1024)
    tps = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    seen, started = 0, time.perf_counter()
    while seen < n:
        for records in consumer.poll(timeout_ms=100).values():
            for r in records:
                if decode:
                    envelope.parse_message(codec(), r.topic, r.partition, r.offset, r.key, r.value, r.headers)
                seen += 1
    elapsed = time.perf_counter() - started
    consumer.close()
    return n / elapsed


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


def summary(latencies):
    ordered = sorted(latencies)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--samples", type=int, default=30)
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


if __name__ == "__main__":
    main()
