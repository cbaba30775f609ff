"""End-to-end events/s, from HTTP writes to the metrics projection; prints figures, asserts nothing.

    make bench-e2e       (or: .venv/bin/python bench/bench_e2e.py [--contracts N] [--clients C])

Runs on a private copy of the platform (bench/private_stack.py: own SecantusDB, Tansu, RabbitMQ vhost,
the five services as `nameko run` processes), so the shared servers are not loaded.

What is measured: N technology contracts are submitted over HTTP (not timed), then C client threads
register them (POST /api/v1/contracts/{id}/register) as fast as the service answers. The clock starts
at the first registration request and stops when the metrics service's Prometheus gauge
ttp_indicator_value{indicator="contracts_registered"} (GET /metrics) shows all N: HTTP → transaction
with outbox row → relay → Kafka → metrics consumer → projection transaction → gauge. Figures: HTTP
registrations/s, end-to-end events/s, and the lag of the gauge behind the last HTTP answer.

Baseline, same run, same private broker: raw kafka-python producing N records of the same size as the
registered events (acks=all, batched) to a fresh 3-partition topic while an assigned consumer reads
them; the clock runs from the first send to the N-th record consumed. It runs before and after the
service run (interleaved); the ratio uses the mean of the two.
"""
import argparse
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_stack import PrivateStack, machine  # noqa: E402

from ttp_common import kafka  # noqa: E402
from ttp_testing import metric_sample  # noqa: E402
from ttp_testing.plans import IN_FORCE, plans_dir  # noqa: E402

SELLER, BUYER = "org-bench-seller", "org-bench-buyer"
# Registrations are dated today: they count only in a plan in force today, the tests' plan around today
# (ttp_testing.plans), given to the private metrics service as METRICS_PLANS_DIR.
PLAN = IN_FORCE


def gauge(stack):
    value = metric_sample(requests.get(f"{stack.url('metrics')}/metrics", timeout=30).text, "ttp_indicator_value",
                          plan=PLAN, indicator="contracts_registered", unit="count")
    if value is None:  # a renamed label or no plan in force would otherwise wait out the deadline on 0
        raise SystemExit(f"no ttp_indicator_value of contracts_registered in plan {PLAN} on the metrics /metrics")
    return value


def contract(i):
    return {"contract_type": "licence", "title": f"石墨烯导热膜技术许可合同 {i}", "contract_amount": "1200000.50",
            "technology_transaction_amount": "1000000.25", "seller_organization_id": SELLER,
            "buyer_organization_id": BUYER, "region_code": "510100"}


def run_pool(clients, fn, items):
    local = threading.local()

    def call(item):
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return fn(local.session, item)

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(call, items))


def service_run(stack, n, clients):
    seller = {"Authorization": f"Bearer {stack.token('institution', sub='bench-seller', org=SELLER)}"}
    registrar = {"Authorization": f"Bearer {stack.token('registrar', sub='bench-registrar', region='510100')}"}
    base = f"{stack.url('transactions')}/api/v1/contracts"
    statuses = {}

    def submit(session, i):
        r = session.post(base, json=contract(i), headers=seller, timeout=60)
        statuses[("submit", r.status_code)] = statuses.get(("submit", r.status_code), 0) + 1
        return r.json().get("id") if r.status_code == 201 else None

    def register(session, contract_id):
        r = session.post(f"{base}/{contract_id}/register", json={}, headers=registrar, timeout=60)
        statuses[("register", r.status_code)] = statuses.get(("register", r.status_code), 0) + 1
        return r.status_code == 200

    ids = [i for i in run_pool(clients, submit, range(n)) if i]
    before = gauge(stack)
    started = time.perf_counter()
    ok = sum(run_pool(clients, register, ids))
    http_done = time.perf_counter()
    deadline = http_done + 600
    while gauge(stack) < before + ok and time.perf_counter() < deadline:
        time.sleep(0.05)
    shown = gauge(stack) - before
    finished = time.perf_counter()
    return {"registered": ok, "shown": shown, "http_s": http_done - started, "e2e_s": finished - started,
            "lag_s": finished - http_done, "statuses": statuses}


def record_size(stack):
    """The size of one registered-contract record on the private broker (key + value + headers)."""
    consumer = KafkaConsumer(bootstrap_servers=stack.bootstrap, api_version=kafka.API_VERSION,
                             enable_auto_commit=False, consumer_timeout_ms=3000)
    topic = "ttp.transactions.contract"
    tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    for record in consumer:
        if dict(record.headers).get("ce_type", b"").endswith(b"registered.v1"):
            consumer.close()
            return len(record.value), len(record.key or b""), record.headers
    consumer.close()
    return 600, 32, []


def raw_kafka(stack, n, size):
    value_size, key_size, headers = size
    topic = f"bench-e2e-{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(stack.bootstrap, [topic], 3)
    consumer = KafkaConsumer(bootstrap_servers=stack.bootstrap, api_version=kafka.API_VERSION,
                             enable_auto_commit=False, fetch_max_wait_ms=10, max_poll_records=1000)
    tps = [TopicPartition(topic, p) for p in range(3)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    consumer.poll(timeout_ms=100)
    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, api_version=kafka.API_VERSION, acks="all", linger_ms=5)
    seen = [0]

    def consume():
        while seen[0] < n:
            for records in consumer.poll(timeout_ms=100).values():
                seen[0] += len(records)

    reader = threading.Thread(target=consume)
    started = time.perf_counter()
    reader.start()
    for i in range(n):
        producer.send(topic, key=f"{i:0{key_size}d}".encode()[:max(key_size, 1)], value=b"x" * value_size,
                      headers=headers)
    producer.flush(60)
    reader.join(120)
    elapsed = time.perf_counter() - started
    producer.close(5)
    consumer.close()
    return n / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contracts", type=int, default=300)
    parser.add_argument("--clients", type=int, default=10, help="concurrent HTTP clients")
    args = parser.parse_args()
    print(f"machine: {machine()}\n{args.contracts} contracts, {args.clients} concurrent HTTP clients")
    with PrivateStack(bare=False, extra_env={"METRICS_PLANS_DIR": str(plans_dir(in_force=True))}) as stack:
        warm = service_run(stack, 5, 2)  # consumer groups joined, topics and caches warm
        size = record_size(stack)
        raw_before = raw_kafka(stack, args.contracts, size)
        result = service_run(stack, args.contracts, args.clients)
        raw_after = raw_kafka(stack, args.contracts, size)
    raw = (raw_before + raw_after) / 2
    n = result["registered"]
    e2e_rate = n / result["e2e_s"]
    print(f"\nwarm-up: {warm['registered']} contracts shown on the gauge {warm['lag_s']:.1f} s after the last answer")
    print(f"\nend to end: HTTP register → outbox → Kafka → metrics projection → gauge ({n} registered, "
          f"gauge shows {result['shown']:.0f}; answers {dict(sorted(result['statuses'].items()))})")
    print(f"  service   HTTP registrations                      : {n / result['http_s']:9.1f} /s "
          f"({result['http_s']:.1f} s)")
    print(f"  service   HTTP write → gauge shows all N          : {e2e_rate:9.1f} events/s "
          f"({result['e2e_s']:.1f} s; gauge {result['lag_s']:.1f} s behind the last answer)")
    print(f"  baseline  raw kafka-python produce → consume      : {raw:9.1f} events/s "
          f"(before {raw_before:.0f}, after {raw_after:.0f}; records of {size[0]} B)")
    print(f"  ratio     end to end / raw Kafka                  : {e2e_rate / raw:9.4f}")


if __name__ == "__main__":
    main()
