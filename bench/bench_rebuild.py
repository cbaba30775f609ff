"""`make rebuild-metrics` over a backlog of events; prints figures, asserts nothing.

    .venv/bin/python bench/bench_rebuild.py [--events 100000]

N events (contracts, approvals, accreditations of 2019: bench_events.py) are produced to the shared local
broker under a topic prefix of the run's own; the metrics read models are then rebuilt from them
(``metrics.rebuild.rebuild``, what ``ttp-metrics-rebuild`` runs: batches of ``BATCH`` events per transaction
with their dedup marks) into a private SecantusDB started with the launcher's flags (``--sync-on-commit``),
so the shared database is not loaded. Baseline, same run, same broker: a raw kafka-python consume of the same
N records, and the same consume with CloudEvents/Avro decoding. The rebuilt figures are checked against
what was produced (every event applied once, the contracts counted).
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pymongo
from nameko.testing.utils import find_free_port

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_events import event, produce, raw_consume  # noqa: E402
from private_stack import machine  # noqa: E402

from metrics import read_models, rebuild  # noqa: E402
from metrics.handlers.projection import CONSUMED_EVENTS  # noqa: E402
from ttp_common import avro, kafka  # noqa: E402
from ttp_common.mongo import Repository  # noqa: E402
from ttp_testing import BOOTSTRAP, unique  # noqa: E402
from ttp_tools import processes, servers  # noqa: E402

PLAN = "sichuan-2016-2020"  # the events are of 2019


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    n = args.events
    print(f"machine: {machine()}\n{n} events (contracts, approvals, accreditations), rebuild batches of "
          f"{rebuild.BATCH} events per transaction, private SecantusDB (--sync-on-commit)")

    prefix = f"{unique('bench-rebuild')}."
    topics = sorted({avro.event_topic(name, prefix) for name in CONSUMED_EVENTS})
    kafka.ensure_topics(BOOTSTRAP, topics, 3)
    started = time.perf_counter()
    produce([event(i, prefix) for i in range(n)])
    print(f"produced in {time.perf_counter() - started:.1f} s")
    raw = raw_consume(sorted({event(i, prefix).topic for i in range(3)}), n)
    raw_decoded = raw_consume(sorted({event(i, prefix).topic for i in range(3)}), n, decode=True)

    data = Path(tempfile.mkdtemp(prefix="ttp-bench-rebuild-"))
    port = find_free_port()
    server = subprocess.Popen(servers.secantus_argv("127.0.0.1", port, data), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, start_new_session=True)
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        processes.wait_until(lambda: pymongo.MongoClient(uri, serverSelectionTimeoutMS=500).admin.command("ping"),
                             "private SecantusDB", 60)
        config = {"MONGO_URI": uri, "MONGO_DB": "bench_rebuild", "KAFKA_BOOTSTRAP": BOOTSTRAP,
                  "KAFKA_TOPIC_PREFIX": prefix}
        started = time.perf_counter()
        stats = rebuild.rebuild(config)
        elapsed = time.perf_counter() - started
        client = pymongo.MongoClient(uri)
        counters = read_models.counters(Repository.of(client["bench_rebuild"]), PLAN)
        client.close()
    finally:
        server.kill()
        server.wait()
        shutil.rmtree(data, ignore_errors=True)

    rate = stats["applied"] / elapsed
    contracts = len(range(0, n, 3))
    print(f"\nrebuild: {stats} in {elapsed:.1f} s (the read includes the 1.5 s idle wait at the end of the topics)")
    print(f"   contracts_registered rebuilt: {counters.get('contracts_registered')} (produced {contracts})")
    print(f"   rebuild-metrics            : {rate:8.0f} events/s   ({n / rate / 60:.2f} min per {n} events)")
    print(f"   raw kafka-python consume   : {raw:8.0f} events/s   (rebuild = {rate / raw:.3f} x raw)")
    print(f"   raw consume + decode       : {raw_decoded:8.0f} events/s   (rebuild = {rate / raw_decoded:.3f} x)")


if __name__ == "__main__":
    main()
