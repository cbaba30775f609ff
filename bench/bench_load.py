"""HTTP latency and throughput under concurrent load with a real load tool (wrk), and memory per service;
prints figures, asserts nothing.

    make bench-load      (or: .venv/bin/python bench/bench_load.py [--duration 30] [--connections 10] [--rounds 1])

Needs `wrk` (Debian package; `make bench-deps` installs it). Everything runs on a private copy of the
platform (bench/private_stack.py: own SecantusDB, own Tansu, own RabbitMQ vhost, the five services as
`nameko run` processes exactly as `ttp-stack` starts them), so the shared servers are not loaded.

What is compared, each on the same private servers, with the same wrk settings (closed loop: C
connections on T threads, each sends its next request when the previous answer arrived, --timeout 30 s):
  reads   registry public search  GET /api/v1/achievements?q=石墨烯  over N published achievements (seeded
          over HTTP: create, submit, register, publish)
            vs. bare nameko GET /find doing the same find() via pymongo (same database, same data)
            vs. bare nameko GET /bare answering a constant (the floor of nameko's HTTP stack)
  writes  registry  POST /api/v1/achievements (a draft: auth, validation, one transaction)
          transactions POST /api/v1/demands (auth, validation, transaction with an outbox row → Kafka)
            vs. bare nameko POST /insert: one pymongo insert_one of the same JSON document in a transaction
            vs. bare nameko POST /bare: reads the body, answers 201
A service run and its baselines follow each other directly (interleaved per round); the ratio is
service / baseline of the same round (with several rounds: the median of the rounds' ratios, and each).
Errors = socket errors, timeouts and every status other than the expected 200/201 (wrk counts
status > 399; the stored-document count is checked against wrk's request count).
Memory: VmRSS of each service process (and of the bare nameko process, the baseline) once idle after
start-up and again after all the load runs.
"""
import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_stack import SERVICES, PrivateStack, machine  # noqa: E402

LUA = Path(__file__).resolve().parent / "wrk" / "request.lua"
ORG, BUYER = "org-bench-university", "org-bench-enterprise"
QUERY = "石墨烯"


def achievement(i):
    keywords = ["石墨烯", "导热膜"] if i % 2 == 0 else ["轨道交通", "减振"]
    return {"title": f"{'石墨烯导热膜' if i % 2 == 0 else '高速列车转向架减振'}技术 {i}", "type": "applied",
            "summary": "面向电子器件散热与轨道交通装备的成果转化示例，用于负载测试。", "keywords": keywords,
            "industry": "新材料", "programme": 3, "trl": 7, "region_code": "510100", "organization_ids": [ORG],
            "contributors": [{"name": "王五", "share": "100"}], "funding": {"fiscal": False},
            "patents": [{"number": "ZL202010000002.3", "kind": "invention", "status": "granted"}]}


def demand():
    return {"title": "手机石墨烯散热方案", "problem": "需要高导热的石墨烯导热膜用于手机散热", "keywords": ["石墨烯", "导热膜"],
            "programme": 3, "region_code": "510100", "budget": "600000.00", "min_trl": 5,
            "deadline": (dt.date.today() + dt.timedelta(days=60)).isoformat()}


def seed(stack, n):
    """n published achievements through the registry's HTTP API (half of them match the query)."""
    owner = {"Authorization": f"Bearer {stack.token('institution', sub='bench-clerk', org=ORG)}"}
    reviewer = {"Authorization": f"Bearer {stack.token('reviewer', sub='bench-reviewer', region='510100')}"}
    base = f"{stack.url('registry')}/api/v1/achievements"

    def one(i):
        session = requests.Session()
        r = session.post(base, json=achievement(i), headers=owner, timeout=60)
        r.raise_for_status()
        aid = r.json()["id"]
        for action, headers in (("submit", owner), ("register", reviewer), ("publish", reviewer)):
            session.post(f"{base}/{aid}/{action}", json={}, headers=headers, timeout=60).raise_for_status()

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(n)))


def wrk(url, args, method="GET", body=None, token=None):
    """One wrk run; returns its figures (dict)."""
    env = {**os.environ, "WRK_METHOD": method, "WRK_TOKEN": token or "", "WRK_BODY_FILE": ""}
    if body is not None:
        path = Path(tempfile.mkstemp(prefix="wrk-body-", suffix=".json")[1])
        path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        env["WRK_BODY_FILE"] = str(path)
    argv = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--timeout", "30s",
            "-s", str(LUA), url]
    out = subprocess.run(argv, capture_output=True, text=True, env=env, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK_JSON "))
    figures = json.loads(line[len("WRK_JSON "):])
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(figures[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors",
                                                 "timeouts"))
    if body is not None:
        os.unlink(env["WRK_BODY_FILE"])
    return figures


def merge(runs):
    """Several rounds of the same run: totals for counts, the median round for rates and latencies
    (the lower one of two). Ratios are taken per round, between adjacent runs, then their median."""
    if len(runs) == 1:
        return runs[0]
    ordered = sorted(runs, key=lambda f: f["rps"])
    median = dict(ordered[(len(ordered) - 1) // 2])
    median["requests"] = sum(f["requests"] for f in runs)
    median["errors"] = sum(f["errors"] for f in runs)
    return median


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=30, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="repeat every service/baseline pair")
    parser.add_argument("--seed", type=int, default=200, help="published achievements behind the search")
    parser.add_argument("--log-level", default="INFO", help="the services' LOG_LEVEL (INFO as deployed)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `make bench-deps` (Debian package wrk)")
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("[")[0].strip()
    print(f"machine: {machine()}\nload tool: {wrk_version}, {args.threads} threads, {args.connections} connections, "
          f"{args.duration} s per run, {args.rounds} round(s); services LOG_LEVEL={args.log_level}")

    with PrivateStack(log_level=args.log_level) as stack:
        time.sleep(5)
        idle = stack.rss_mib(SERVICES + ["bare"])
        started = time.perf_counter()
        seed(stack, args.seed)
        print(f"seeded {args.seed} published achievements over HTTP in {time.perf_counter() - started:.0f} s")
        registry, transactions, bare = stack.url("registry"), stack.url("transactions"), stack.url("bare")
        owner = stack.token("institution", sub="bench-clerk", org=ORG)
        buyer = stack.token("institution", sub="bench-buyer", org=BUYER)
        q = requests.utils.quote(QUERY)
        expected_hits = len(requests.get(f"{registry}/api/v1/achievements?q={q}&limit=100", timeout=60).json()["items"])
        bare_hits = len(requests.get(f"{bare}/find?q={q}", timeout=60).json()["items"])
        print(f"the search finds {expected_hits} (service, limit 100) / {bare_hits} (bare find, limit 20) items")

        groups = [  # (label, service run, baselines)
            ("read: public search", ("registry GET /api/v1/achievements?q=石墨烯", f"{registry}/api/v1/achievements?q={q}",
                                     "GET", None, None),
             [("bare nameko GET /find (same find, pymongo)", f"{bare}/find?q={q}", "GET", None, None),
              ("bare nameko GET /bare (constant)", f"{bare}/bare", "GET", None, None)]),
            ("write: achievement draft", ("registry POST /api/v1/achievements", f"{registry}/api/v1/achievements",
                                          "POST", achievement(1), owner),
             [("bare nameko POST /insert (txn insert_one, same doc)", f"{bare}/insert?c=achievements", "POST",
               achievement(1), None),
              ("bare nameko POST /bare (nothing)", f"{bare}/bare", "POST", achievement(1), None)]),
            ("write: demand + event", ("transactions POST /api/v1/demands", f"{transactions}/api/v1/demands",
                                       "POST", demand(), buyer),
             [("bare nameko POST /insert (txn insert_one, same doc)", f"{bare}/insert?c=demands", "POST", demand(), None),
              ("bare nameko POST /bare (nothing)", f"{bare}/bare", "POST", demand(), None)]),
        ]
        results = {}
        client = stack.mongo()
        for _ in range(args.rounds):
            for label, service, baselines in groups:
                for name, url, method, body, token in [service] + baselines:
                    results.setdefault((label, name), []).append(wrk(url, args, method, body, token))
        stored = {"registry POST /api/v1/achievements": client.ttp_registry.achievements.count_documents({}) - args.seed,
                  "transactions POST /api/v1/demands": client.ttp_transactions.demands.count_documents({}),
                  "bare nameko POST /insert (txn insert_one, same doc)":
                      client.bench_bare.achievements.count_documents({}) + client.bench_bare.demands.count_documents({})}
        time.sleep(5)
        after = stack.rss_mib(SERVICES + ["bare"])
        alive = stack.alive()

    print(f"\nHTTP under load (wrk, {args.connections} connections; ratio = service / baseline)")
    header = f"  {'':52s} {'req/s':>8s} {'p50 ms':>8s} {'p95 ms':>8s} {'p99 ms':>8s} {'errors':>7s} {'requests':>9s}"
    for label, service, baselines in groups:
        print(f"\n {label}\n{header}")
        s = merge(results[(label, service[0])])
        rows = [(service[0], s)] + [(b[0], merge(results[(label, b[0])])) for b in baselines]
        for name, f in rows:
            print(f"  {name:52s} {f['rps']:8.1f} {f['p50_us'] / 1000:8.1f} {f['p95_us'] / 1000:8.1f} "
                  f"{f['p99_us'] / 1000:8.1f} {f['errors']:7d} {f['requests']:9d}")
        for b in baselines:
            pairs = list(zip(results[(label, service[0])], results[(label, b[0])]))  # adjacent runs of one round
            tput = sorted(sv["rps"] / bl["rps"] for sv, bl in pairs)
            p50 = sorted(sv["p50_us"] / bl["p50_us"] for sv, bl in pairs)
            p99 = sorted(sv["p99_us"] / bl["p99_us"] for sv, bl in pairs)
            spread = f"   (rounds: {', '.join(f'{r:.3f}' for r in tput)})" if len(pairs) > 1 else ""
            print(f"  ratio vs {b[0][12:]:43s} throughput {statistics.median(tput):6.3f}   p50 {statistics.median(p50):6.1f}x"
                  f"   p99 {statistics.median(p99):6.1f}x{spread}")
    counted = {}
    for (label, name), runs in results.items():
        counted[name] = counted.get(name, 0) + sum(f["requests"] - f["status_errors"] for f in runs)
    print("\n check of the tool: documents stored vs. successful POSTs wrk counted (wrk does not count the"
          "\n requests still in flight when a run ends: up to one per connection per run is stored but uncounted)")
    for name, count in stored.items():
        print(f"  {name:52s} stored {count:7d}   wrk ok {counted.get(name, 0):7d}")

    print("\nmemory (VmRSS, MiB): idle after start-up, and after every load run above")
    print(f"  {'process':14s} {'idle':>8s} {'after load':>11s} {'growth':>8s}")
    for name in SERVICES + ["bare"]:
        label = "bare nameko" if name == "bare" else name
        print(f"  {label:14s} {idle[name]:8.1f} {after[name]:11.1f} {after[name] - idle[name]:+8.1f}"
              f"{'' if alive.get(name) else '   (process exited!)'}")
    base = idle["bare"]
    print(f"  ratio idle service / bare nameko: {min(idle[s] for s in SERVICES) / base:.2f}–"
          f"{max(idle[s] for s in SERVICES) / base:.2f}")


if __name__ == "__main__":
    main()
