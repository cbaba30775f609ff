"""What an acknowledged write on disk costs: SecantusDB with and without ``--sync-on-commit``.

    make bench-durability     (or: .venv/bin/python bench/bench_durability.py [--commits N] [--clients 1,4])

Two private servers, started in the same run on fresh data directories, one as the launcher starts the
development database (``--sync-on-commit``, the default since a kill -9 lost acknowledged writes without
it) and one without the flag. Each takes the same workload: transactions writing a 300-byte document and
an outbox row (the shape of every write of the platform), from 1 and from 4 concurrent clients, three
rounds alternating the two (this machine is shared and noisy). Prints the median commits/s of both and
their ratio; asserts nothing.
"""
import argparse
import platform
import shutil
import statistics
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pymongo
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from ttp_tools import processes, servers


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def commits_per_second(uri, clients, commits):
    client = pymongo.MongoClient(uri)
    db = client.bench_durability
    db.state.insert_one({"_id": "warm-up"})
    db.outbox.insert_one({"_id": "warm-up"})

    def write(worker):
        for i in range(commits // clients):
            def work(session, key=f"{worker}-{i}"):
                db.state.insert_one({"_id": key, "pad": "x" * 300}, session=session)
                db.outbox.insert_one({"key": key, "value": b"x" * 300, "sent": False}, session=session)
            with client.start_session() as session:
                session.with_transaction(work, read_concern=ReadConcern("snapshot"),
                                         write_concern=WriteConcern("majority"))

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    client.close()
    return (commits // clients) * clients / elapsed


def measure(synced, clients, commits, base):
    port = free_port()
    data = base / f"{'synced' if synced else 'lazy'}-{clients}"
    server = subprocess.Popen(servers.secantus_argv("127.0.0.1", port, data, synced=synced),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
    try:
        processes.wait_until(lambda: pymongo.MongoClient(uri, serverSelectionTimeoutMS=500).admin.command("ping"),
                         "private SecantusDB", 60)
        return commits_per_second(uri, clients, commits)
    finally:
        server.kill()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--commits", type=int, default=1200)
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {platform.node()} ({platform.machine()}, {platform.processor() or 'cpu'}); "
          f"{args.commits} transactions (document + outbox row) per figure, private SecantusDB servers")
    base = Path(tempfile.mkdtemp(prefix="ttp-bench-durability-"))
    try:
        for clients in (int(c) for c in args.clients.split(",")):
            figures = {False: [], True: []}
            for round_ in range(args.rounds):
                for synced in (False, True):
                    figures[synced].append(measure(synced, clients, args.commits, base / str(round_)))
            synced, lazy = statistics.median(figures[True]), statistics.median(figures[False])
            print(f"{clients} client(s): --sync-on-commit {synced:7.1f} commits/s   without (baseline) "
                  f"{lazy:7.1f} commits/s   ratio {synced / lazy:.2f}x   (median of {args.rounds} rounds)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
