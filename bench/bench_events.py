"""The events the metrics benchmarks produce, and the raw kafka-python baseline that reads them back
(bench_metrics.py, bench_rebuild.py). Plain kafka-python: works with or without eventlet's patching."""
import datetime as dt
import time
from decimal import Decimal

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from ttp_common import envelope, kafka
from ttp_common.events import codec
from ttp_testing import BOOTSTRAP, event_message

REGIONS = ["510100", "510700", "511300", "510600", "513400"]
TYPES = ["development", "transfer", "licence", "consulting", "service"]
AT = dt.datetime(2019, 6, 1, tzinfo=dt.timezone.utc)


def event(i, prefix, subject=None):
    """One of three kinds of events, round robin: a contract, an approval, an accreditation; keyed by their
    aggregate's id unless ``subject`` is given."""
    kind = i % 3
    if kind == 0:
        name, key, data = "transactions.contract.registered.v1", f"c{i}", {
            "contract_id": f"c{i}", "registration_number": f"51010020190{i:05d}", "contract_type": TYPES[i % 5],
            "contract_amount": Decimal("1000.00"), "technology_transaction_amount": Decimal("800.50"),
            "seller_organization_id": "o", "region_code": REGIONS[i % 5], "registered_at": AT,
            "programme": i % 15 + 1}
    elif kind == 1:
        name, key, data = "finance.transformation_project.approved.v1", f"p{i}", {
            "project_id": f"p{i}", "title": "项目", "category": "major" if i % 2 else "promoted",
            "programme": i % 15 + 1, "region_code": REGIONS[i % 5], "organization_id": "o",
            "responsible_department": "科技厅", "budget": Decimal("1.00"), "approved_at": AT}
    else:
        name, key, data = "registry.organization.accredited.v1", f"o{i}", {
            "organization_id": f"o{i}", "region_code": REGIONS[i % 5], "accredited_at": AT}
    return event_message(prefix, name, data, key if subject is None else subject, source="/ttp/bench")


def produce(messages):
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, acks="all", linger_ms=5)
    for i, m in enumerate(messages):
        producer.send(m.topic, key=m.key, value=m.value, headers=m.headers)
        if i % 500 == 0:
            time.sleep(0)  # eventlet's when patched: other greenlets run
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
