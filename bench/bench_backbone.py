"""Backbone benchmarks against the real local servers; prints figures, asserts nothing.

    make bench            (or: .venv/bin/python bench/bench_backbone.py [--events N])

Each figure comes with a baseline measured in the same run, since these machines are
shared and noisy:
  1. publish throughput: outbox (transaction + relay) vs. a bare KafkaProducer and vs. bare
     pymongo transactions doing the same two inserts
     and the relay alone draining a backlog: the same N events marked for republishing (``replay``)
  2. end-to-end latency: transact() → relay → Kafka → consumer entrypoint → handler,
     vs. a bare produce → consume round trip: one event after another, then each after a quiet
     spell (``--idle-gap`` seconds), when the consumer's fetch wait has backed off (ttp_common.fetch_wait).
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402

import pymongo  # noqa: E402
from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from nameko.containers import ServiceContainer  # noqa: E402
from nameko.testing.services import dummy, entrypoint_hook  # noqa: E402

from ttp_common import kafka  # noqa: E402
from ttp_common.consumer import consume  # noqa: E402
from ttp_common.events import Actor  # noqa: E402
from ttp_common.mongo import OUTBOX, Store  # noqa: E402
from ttp_common.observability import Observability  # noqa: E402
from ttp_common.outbox import OutboxRelay, replay  # noqa: E402
from ttp_testing import BOOTSTRAP, MONGO_URI, unique, wait_for  # noqa: E402

EVENT = "registry.organization.registered.v1"
RECEIVED = {}


class Bench:
    name = "bench"
    store = Store()
    relay = OutboxRelay()
    observability = Observability()

    @dummy
    def write(self, count):
        ids = []
        for _ in range(count):
            org_id = uuid.uuid4().hex

            def work(uow, org_id=org_id):
                uow.db.orgs.insert_one({"_id": org_id}, session=uow.session)
                uow.emit(EVENT, {"organization_id": org_id, "name": "bench", "credit_code": "91350100M000100Y43",
                                 "kind": "enterprise", "region_code": "510100"}, subject=org_id)

            self.store.transact(work, actor=Actor(sub="bench", role="admin"))
            ids.append((org_id, time.perf_counter()))
        return ids

    @consume(EVENT)
    def on_event(self, event):
        RECEIVED[event.data["organization_id"]] = time.perf_counter()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def ms(seconds):
    return f"{seconds * 1000:.1f} ms"


def bare_producer_throughput(n):
    topic = f"{unique('bench')}.raw"
    kafka.ensure_topics(BOOTSTRAP, [topic], 3)
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, acks="all",
                             max_in_flight_requests_per_connection=1, linger_ms=2)
    value = b"x" * 300
    start = time.perf_counter()
    futures = []
    for i in range(n):
        futures.append(producer.send(topic, key=str(i).encode(), value=value))
        if i % 200 == 0:
            eventlet.sleep(0)
    producer.flush()
    for f in futures:
        f.get()
    elapsed = time.perf_counter() - start
    producer.close()
    return n / elapsed


def bare_transactions(n):
    """The same two writes (state + outbox row) as one pymongo transaction each, without our plumbing."""
    from pymongo.read_concern import ReadConcern
    from pymongo.write_concern import WriteConcern

    client = pymongo.MongoClient(MONGO_URI)
    db = client[unique("bench_raw_")]
    start = time.perf_counter()
    for i in range(n):
        def work(session, i=i):
            db.orgs.insert_one({"_id": i}, session=session)
            db.outbox.insert_one({"value": b"x" * 300, "sent": False}, session=session)
        with client.start_session() as session:
            session.with_transaction(work, read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority"))
    elapsed = time.perf_counter() - start
    client.drop_database(db.name)
    client.close()
    return n / elapsed


def bare_round_trip(samples):
    topic = f"{unique('bench')}.rtt"
    kafka.ensure_topics(BOOTSTRAP, [topic], 1)
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, acks="all")
    consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, fetch_max_wait_ms=10,
                             enable_auto_commit=False)
    tp = TopicPartition(topic, 0)
    consumer.assign([tp])
    latencies = []
    for _ in range(samples):
        start = time.perf_counter()
        offset = producer.send(topic, value=b"ping").get().offset
        consumer.seek(tp, offset)  # Tansu's "latest" offset is unreliable (STACK-NOTES 12)
        while not any(r.offset == offset for rs in consumer.poll(timeout_ms=100).values() for r in rs):
            if time.perf_counter() - start > 10:
                raise RuntimeError("bare round trip: record not read back within 10 s")
        latencies.append(time.perf_counter() - start)
    producer.close()
    consumer.close()
    return latencies


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--latency-samples", type=int, default=100)
    parser.add_argument("--idle-samples", type=int, default=10)
    parser.add_argument("--idle-gap", type=float, default=3.0)
    args = parser.parse_args()
    db_name = unique("bench_")
    config = {"MONGO_URI": MONGO_URI, "MONGO_DB": db_name, "KAFKA_BOOTSTRAP": BOOTSTRAP,
              "KAFKA_TOPIC_PREFIX": f"{unique('bench')}.", "OUTBOX_POLL_SECONDS": 1.0}
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"servers: Kafka protocol {BOOTSTRAP} (Tansu), MongoDB protocol {MONGO_URI} (SecantusDB)")

    baseline_rate = bare_producer_throughput(args.events)
    baseline_txn_rate = bare_transactions(args.events)
    rtt = bare_round_trip(args.latency_samples)

    container = ServiceContainer(Bench, config)
    container.start()
    client = pymongo.MongoClient(MONGO_URI)
    try:
        outbox = client[db_name][OUTBOX]
        # warm-up: topic creation and the consumer's group join
        with entrypoint_hook(container, "write") as write:
            [(warm, _)] = write(1)
        wait_for(lambda: warm in RECEIVED, timeout=30, message="warm-up")

        # 1. throughput: N transactions (state + event), then until the relay confirmed all
        start = time.perf_counter()
        with entrypoint_hook(container, "write", timeout=600) as write:
            ids = write(args.events)
        committed = time.perf_counter() - start
        wait_for(lambda: outbox.count_documents({"sent": False}) == 0, timeout=300, interval=0.05,
                 message="the relay")
        published = time.perf_counter() - start
        wait_for(lambda: all(i in RECEIVED for i, _ in ids), timeout=300, interval=0.05, message="the consumer")
        consumed = time.perf_counter() - start

        # the relay alone: republish the N events (+ warm-up) as one backlog
        relay = next(d for d in container.dependencies if isinstance(d, OutboxRelay))
        start = time.perf_counter()
        backlog = replay(client[db_name])
        relay.wake()
        wait_for(lambda: outbox.count_documents({"sent": False}) == 0, timeout=300, interval=0.05,
                 message="the relay (backlog)")
        drained = time.perf_counter() - start

        # 2. latency: one event at a time, commit → handler; then each after a quiet spell
        def one():
            with entrypoint_hook(container, "write") as write:
                [(org_id, t0)] = write(1)
            wait_for(lambda: org_id in RECEIVED, timeout=30, interval=0.001, message="the event")
            return RECEIVED[org_id] - t0

        latencies = [one() for _ in range(args.latency_samples)]
        after_idle = []
        for _ in range(args.idle_samples):
            time.sleep(args.idle_gap)
            after_idle.append(one())
    finally:
        container.stop()
        client.drop_database(db_name)
        client.close()

    n = args.events
    print()
    print(f"publish throughput ({n} events)")
    print(f"  baseline  bare KafkaProducer, batched, acks=all : {baseline_rate:8.0f} msg/s")
    print(f"  baseline  bare pymongo transactions (2 inserts)   : {baseline_txn_rate:8.0f} txn/s")
    print(f"  outbox    transactions committed                : {n / committed:8.0f} events/s")
    print(f"  outbox    committed → confirmed by Kafka        : {n / published:8.0f} events/s")
    print(f"  outbox    committed → handled by the consumer   : {n / consumed:8.0f} events/s")
    print(f"  outbox    relay draining a backlog of {backlog}         : {backlog / drained:8.0f} events/s")
    print(f"end-to-end latency ({args.latency_samples} samples, one at a time)")
    print(f"  baseline  bare produce → consume   median {ms(statistics.median(rtt))}, p95 {ms(pct(rtt, 0.95))}")
    print(f"  backbone  commit → handler         median {ms(statistics.median(latencies))}, "
          f"p95 {ms(pct(latencies, 0.95))}")
    if after_idle:
        print(f"  backbone  commit → handler after {args.idle_gap:.0f} s quiet ({len(after_idle)} samples)  "
              f"median {ms(statistics.median(after_idle))}, max {ms(max(after_idle))}")


if __name__ == "__main__":
    main()
