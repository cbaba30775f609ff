"""Webhook delivery benchmark against the real local servers; prints figures, asserts nothing.

    make bench-delivery   (or: .venv/bin/python bench/bench_delivery.py [--events N] [--burst M])

An event published on Kafka as its owning service would, until a webhook receiver (a local HTTP server checking
the signature) has it, through the delivery service (consumer → fan-out transaction → dispatcher → signed POST),
beside a baseline measured in the same run on the same events: a bare kafka-python consumer of the same topic.
  1. latency, one event after another (median, p95);
  2. a burst of M events: time until the last arrived, and deliveries per second.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import http.server  # noqa: E402
import statistics  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
import datetime as dt  # noqa: E402

import requests  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from kafka import KafkaConsumer, KafkaProducer  # noqa: E402
from nameko.testing.utils import find_free_port  # noqa: E402

from delivery import signing  # noqa: E402
from ttp_common import kafka  # noqa: E402
from ttp_common.avro import event_topic  # noqa: E402
from ttp_testing import BOOTSTRAP, event_message, running_service, wait_for  # noqa: E402

EVENT = "finance.transformation_project.stage_advanced.v1"
ARRIVED = {}  # subject -> (webhook arrival, bare consumer arrival)


def receiver(port, secret_of):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            signing.verify(secret_of(), self.headers[signing.TIMESTAMP_HEADER], self.headers[signing.SIGNATURE_HEADER],
                           body, now=time.time())
            ARRIVED.setdefault(self.headers["ce-subject"], [None, None])[0] = time.perf_counter()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def bare_consumer(topic, stop):
    consumer = KafkaConsumer(topic, bootstrap_servers=BOOTSTRAP, group_id=f"bench-bare-{uuid.uuid4().hex[:6]}",
                             auto_offset_reset="earliest", fetch_max_wait_ms=10, api_version=kafka.API_VERSION)
    while not stop.is_set():
        for records in consumer.poll(timeout_ms=100).values():
            for record in records:
                ARRIVED.setdefault(record.key.decode(), [None, None])[1] = time.perf_counter()
    consumer.close()


PRODUCER = []


def publish(api, subject, wait=True):
    """Send one event with the run's one producer (confirmed before returning unless ``wait`` is false)."""
    if not PRODUCER:
        PRODUCER.append(KafkaProducer(bootstrap_servers=BOOTSTRAP, api_version=kafka.API_VERSION, linger_ms=0))
    data = {"project_id": subject, "organization_id": "org-bench", "region_code": "510104", "from_stage": "a",
            "stage": "b", "advanced_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0)}
    message = event_message(api, EVENT, data, subject)
    sent = time.perf_counter()
    future = PRODUCER[0].send(message.topic, message.value, key=message.key, headers=list(message.headers))
    if wait:
        future.get(timeout=10)
    return sent


def summary(values):
    values = sorted(values)
    return f"median {statistics.median(values) * 1000:7.1f} ms   p95 {values[int(len(values) * 0.95) - 1] * 1000:7.1f} ms"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50)
    parser.add_argument("--burst", type=int, default=300)
    args = parser.parse_args()
    config = dict(DELIVERY_ALLOW_PRIVATE_URLS="true", DELIVERY_SECRETS_KEY=Fernet.generate_key().decode(),
                  LOG_LEVEL="WARNING")
    with running_service("delivery", **config) as api:
        port, secret = find_free_port(), {}
        server = receiver(port, lambda: secret["value"])
        token = api.token("client", "bench", scope="delivery:subscriptions:write", client_id="bench")
        answer = api.post("/api/v1/subscriptions", {"url": f"http://127.0.0.1:{port}/hook", "event_types": [EVENT]},
                          token=token)
        secret["value"] = answer.json()["secret"]
        stop = threading.Event()
        threading.Thread(target=bare_consumer, args=(api.config["KAFKA_TOPIC_PREFIX"] + event_topic(EVENT), stop),
                         daemon=True).start()
        warm = publish(api, "warm-up")
        wait_for(lambda: all(ARRIVED.get("warm-up", [None, None])), timeout=60, message="the warm-up event")
        print(f"first event (consumer group join included): {ARRIVED['warm-up'][0] - warm:.2f} s")

        webhook, bare = [], []
        for n in range(args.events):
            subject = f"one-{n}"
            sent = publish(api, subject)
            wait_for(lambda: all(ARRIVED.get(subject, [None, None])), timeout=30, interval=0.002)
            webhook.append(ARRIVED[subject][0] - sent)
            bare.append(ARRIVED[subject][1] - sent)
        print(f"1. one event at a time ({args.events}):")
        print(f"   webhook (delivery service)   {summary(webhook)}")
        print(f"   baseline: bare consumer      {summary(bare)}")

        subjects = [f"burst-{n}" for n in range(args.burst)]
        started = time.perf_counter()
        for subject in subjects:
            publish(api, subject, wait=False)
        PRODUCER[0].flush()
        before = args.events + 1
        wait_for(lambda: api.db["deliveries"].count_documents({}) >= before + args.burst, timeout=600, interval=0.05)
        fanned_out = time.perf_counter() - started
        wait_for(lambda: all(all(ARRIVED.get(s, [None, None])) for s in subjects), timeout=600, interval=0.05)
        last_webhook = max(ARRIVED[s][0] for s in subjects) - started
        last_bare = max(ARRIVED[s][1] for s in subjects) - started
        print(f"2. a burst of {args.burst} (one aggregate each):")
        print(f"   webhook (delivery service)   last after {last_webhook:6.2f} s   {args.burst / last_webhook:7.0f} /s")
        print(f"   baseline: bare consumer      last after {last_bare:6.2f} s   {args.burst / last_bare:7.0f} /s")
        print(f"   (the delivery service's consumer had written every delivery row after {fanned_out:6.2f} s)")
        stop.set()
        server.shutdown()
        print(requests.get(api.url + "/health").json()["status"])


if __name__ == "__main__":
    main()
