"""Soak run: a steady moderate load over the five services for a bounded time; prints figures and a verdict.

    make soak                       (10 minutes; SOAK_SECONDS=120 make soak for a shorter one)
    .venv/bin/python bench/bench_soak.py [--seconds 600] [--rate 8] [--sample 10]

Runs on a private copy of the platform (bench/private_stack.py: own SecantusDB, Tansu, RabbitMQ vhost;
the five services as `nameko run` processes; loopback only), so the shared servers are not loaded.

Load: an open-loop schedule of --rate requests/s (a pool of 8 client threads sends them; a request that
cannot start within 5 s of its slot is counted as dropped) cycling through a mix that touches every
service and its events:
  registry      POST /api/v1/achievements (201), GET /api/v1/achievements?q=石墨烯 (200)
  transactions  POST /api/v1/demands (201), GET /api/v1/demands?q=石墨烯 (200),
                POST /api/v1/contracts (201) → POST …/{id}/register (200)   (events to finance, talent, metrics)
  finance       POST /api/v1/transformation-projects (201) → POST …/{id}/approve (200)   (event to metrics)
  talent        POST /api/v1/people (201) → GET /api/v1/people/{id} (200)
  metrics       GET /api/v1/progress (200)
  baseline      bare nameko GET /bare (200), POST /insert (201)   (bench/bare_service.py, same schedule)
Every answer other than the expected status, and every exception or timeout, counts as an error.

Memory: VmRSS of each service process and of the bare nameko process every --sample seconds. Verdict per
process from the least-squares slope (MiB/min) of the first and of the last half of the samples:
  flat      last-half slope below 0.1 MiB/min (6 MiB/hour)
  settling  last-half slope below half the first-half slope (growth slowing down: warm-up, caches)
  GROWING   otherwise: steady growth, a leak suspect.
At the end, the metrics gauge of registered contracts must equal the contracts registered over HTTP
(every event projected once).
"""
import argparse
import datetime as dt
import os
import re
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from private_stack import SERVICES, PrivateStack, machine  # noqa: E402

ORG, BUYER, SELLER = "org-soak-university", "org-soak-enterprise", "org-soak-seller"
Q = requests.utils.quote("石墨烯")
GAUGE = re.compile(r'^ttp_indicator_value\{indicator="contracts_registered",unit="count"\} (\S+)$', re.M)


def bodies():
    achievement = {"title": "石墨烯导热膜中试技术", "type": "applied", "summary": "面向电子器件散热的石墨烯导热膜中试技术。",
                   "keywords": ["石墨烯", "导热膜"], "industry": "新材料", "programme": 3, "trl": 7,
                   "region_code": "510100", "organization_ids": [ORG], "contributors": [{"name": "王五", "share": "100"}],
                   "funding": {"fiscal": False}}
    demand = {"title": "手机石墨烯散热方案", "problem": "需要高导热的石墨烯导热膜用于手机散热", "keywords": ["石墨烯", "导热膜"],
              "programme": 3, "region_code": "510100", "budget": "600000.00", "min_trl": 5,
              "deadline": (dt.date.today() + dt.timedelta(days=60)).isoformat()}
    contract = {"contract_type": "licence", "contract_amount": "1200000.50", "technology_transaction_amount": "1000000.25",
                "seller_organization_id": SELLER, "buyer_organization_id": BUYER, "region_code": "510100"}
    project = {"title": "钒钛新材料成果转化", "category": "major", "programme": 3, "region_code": "510400",
               "organization_id": ORG, "responsible_department": "省经济和信息化厅", "budget": "3500000.50",
               "achievement_ids": ["a-1"]}
    person = {"name": "陈技术经纪人", "kinds": ["broker", "expert"], "organization_id": ORG}
    return achievement, demand, contract, project, person


class Load:
    def __init__(self, stack):
        self.stack = stack
        self.counts = {}  # (service, operation, status) -> n
        self.latency = {}  # service -> [seconds]
        self.lock = threading.Lock()
        self.local = threading.local()
        self.registered = 0
        t = stack.token
        self.h = {"owner": {"Authorization": f"Bearer {t('institution', sub='soak-clerk', org=ORG)}"},
                  "buyer": {"Authorization": f"Bearer {t('institution', sub='soak-buyer', org=BUYER)}"},
                  "seller": {"Authorization": f"Bearer {t('institution', sub='soak-seller', org=SELLER)}"},
                  "registrar": {"Authorization": f"Bearer {t('registrar', sub='soak-registrar', region='510100')}"},
                  "approver": {"Authorization": f"Bearer {t('reviewer', sub='soak-approver', region='510400')}"}}
        self.achievement, self.demand, self.contract, self.project, self.person = bodies()
        u = stack.url
        self.ops = [  # one cycle; each op is a list of dependent steps
            ("registry", [("POST", u("registry") + "/api/v1/achievements", self.achievement, "owner", 201)]),
            ("registry", [("GET", u("registry") + f"/api/v1/achievements?q={Q}", None, None, 200)]),
            ("transactions", [("POST", u("transactions") + "/api/v1/demands", self.demand, "buyer", 201)]),
            ("transactions", [("GET", u("transactions") + f"/api/v1/demands?q={Q}", None, None, 200)]),
            ("transactions", [("POST", u("transactions") + "/api/v1/contracts", self.contract, "seller", 201),
                              ("POST", u("transactions") + "/api/v1/contracts/{id}/register", {}, "registrar", 200)]),
            ("finance", [("POST", u("finance") + "/api/v1/transformation-projects", self.project, "owner", 201),
                         ("POST", u("finance") + "/api/v1/transformation-projects/{id}/approve", {}, "approver", 200)]),
            ("talent", [("POST", u("talent") + "/api/v1/people", self.person, "owner", 201),
                        ("GET", u("talent") + "/api/v1/people/{id}", None, None, 200)]),
            ("metrics", [("GET", u("metrics") + "/api/v1/progress", None, None, 200)]),
            ("bare", [("GET", u("bare") + "/bare", None, None, 200)]),
            ("bare", [("POST", u("bare") + "/insert", self.achievement, None, 201)]),
        ]

    def count(self, service, op, status, seconds=None):
        with self.lock:
            key = (service, op, status)
            self.counts[key] = self.counts.get(key, 0) + 1
            if seconds is not None:
                self.latency.setdefault(service, []).append(seconds)

    def run_op(self, service, steps):
        session = getattr(self.local, "session", None) or requests.Session()
        self.local.session = session
        found_id = None
        for method, url, body, who, expected in steps:
            url = url.replace("{id}", found_id or "")
            op = f"{method} {url.split('/', 3)[3].split('?')[0]}"
            op = re.sub(r"/[0-9a-f]{32}", "/{id}", op)
            started = time.perf_counter()
            try:
                r = session.request(method, url, json=body, headers=self.h.get(who, {}), timeout=30)
            except requests.RequestException as exc:
                self.count(service, op, type(exc).__name__)
                return
            self.count(service, op, r.status_code if r.status_code != expected else "ok", time.perf_counter() - started)
            if r.status_code != expected:
                return
            if method == "POST" and expected == 201 and r.headers.get("Content-Type", "").startswith("application/json"):
                found_id = r.json().get("id")
            if url.endswith("/register"):
                with self.lock:
                    self.registered += 1

    def errors(self):
        return sum(n for (_, _, status), n in self.counts.items() if status != "ok")


def slope(points):
    """Least-squares slope of (seconds, MiB) points, in MiB per minute."""
    if len(points) < 2:
        return 0.0
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return 60 * sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / den if den else 0.0


def verdict(first, last):
    if last < 0.1:
        return "flat"
    if last < 0.5 * first:
        return "settling"
    return "GROWING"


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("SOAK_SECONDS") or 600))
    parser.add_argument("--rate", type=float, default=8.0, help="requests started per second (all services)")
    parser.add_argument("--sample", type=float, default=10.0, help="seconds between RSS samples")
    args = parser.parse_args()
    print(f"machine: {machine()}\nsoak: {args.seconds:.0f} s at {args.rate:g} operations/s, RSS every {args.sample:g} s; "
          "private servers on loopback", flush=True)
    names = SERVICES + ["bare"]
    with PrivateStack() as stack:
        load = Load(stack)
        samples = {name: [] for name in names}
        dropped = 0
        pending = []
        started = time.perf_counter()
        next_sample, i = started, 0
        with ThreadPoolExecutor(8) as pool:
            while True:
                now = time.perf_counter()
                if now - started >= args.seconds:
                    break
                if now >= next_sample:
                    for name, mib in stack.rss_mib(names).items():
                        samples[name].append((now - started, mib))
                    alive = stack.alive()
                    if not all(alive.values()):
                        print(f"  a process exited: {[n for n, a in alive.items() if not a]}", flush=True)
                    elapsed = int(now - started)
                    if elapsed % 60 < args.sample:
                        print(f"  {elapsed:4d} s: {sum(load.counts.values())} requests, {load.errors()} errors; RSS "
                              + ", ".join(f"{n} {samples[n][-1][1]:.0f}" for n in names), flush=True)
                    next_sample += args.sample
                slot = started + i / args.rate
                if slot > now:
                    time.sleep(min(slot - now, max(0.0, next_sample - now)))
                    continue
                pending = [f for f in pending if not f.done()]
                if len(pending) > 5 * args.rate:  # more than 5 s of work waiting: the clients fell behind
                    dropped += 1
                else:
                    service, steps = load.ops[i % len(load.ops)]
                    pending.append(pool.submit(load.run_op, service, steps))
                i += 1
        soak_seconds = time.perf_counter() - started
        for name, mib in stack.rss_mib(names).items():
            samples[name].append((soak_seconds, mib))
        deadline = time.time() + 120
        shown = None
        while time.time() < deadline:
            match = GAUGE.search(requests.get(f"{stack.url('metrics')}/metrics", timeout=30).text)
            shown = float(match.group(1)) if match else 0.0
            if shown >= load.registered:
                break
            time.sleep(1)
        alive = stack.alive()

    total = sum(load.counts.values())
    print(f"\nsoak: {soak_seconds:.0f} s, {total} requests ({total / soak_seconds:.1f}/s), errors {load.errors()}, "
          f"dropped slots {dropped}")
    print(f"  {'service':13s} {'operation':48s} {'ok':>7s}  other answers")
    for service in names:
        for (s, op) in sorted({(s, op) for (s, op, _) in load.counts if s == service}):
            ok = load.counts.get((s, op, "ok"), 0)
            other = {st: n for (s2, op2, st), n in load.counts.items() if (s2, op2) == (s, op) and st != "ok"}
            print(f"  {service:13s} {op:48s} {ok:7d}  {other or '-'}")
    print(f"\n  latency per service over the soak (client side, every request): ")
    for service in names:
        lat = load.latency.get(service, [])
        print(f"  {service:13s} p50 {pct(lat, .5) * 1000:7.1f} ms   p95 {pct(lat, .95) * 1000:7.1f} ms   "
              f"p99 {pct(lat, .99) * 1000:7.1f} ms   ({len(lat)} requests)")
    print(f"\n  contracts registered over HTTP {load.registered}; metrics gauge shows {shown:.0f} "
          f"({'all projected' if shown == load.registered else 'MISMATCH'})")
    print(f"\nmemory (VmRSS, MiB; {len(samples['registry'])} samples per process; slopes in MiB/min, least squares)")
    print(f"  {'process':13s} {'start':>7s} {'middle':>7s} {'end':>7s} {'max':>7s} {'slope 1st half':>15s} "
          f"{'slope 2nd half':>15s}  verdict")
    verdicts = {}
    for name in names:
        pts = samples[name]
        half = len(pts) // 2
        s1, s2 = slope(pts[:half + 1]), slope(pts[half:])
        verdicts[name] = verdict(s1, s2)
        label = "bare nameko" if name == "bare" else name
        print(f"  {label:13s} {pts[0][1]:7.1f} {pts[half][1]:7.1f} {pts[-1][1]:7.1f} {max(p[1] for p in pts):7.1f} "
              f"{s1:15.3f} {s2:15.3f}  {verdicts[name]}{'' if alive.get(name) else ' (process exited!)'}")
    print("\n  RSS samples (s: MiB per process):")
    for k in range(len(samples["registry"])):
        print(f"  {samples['registry'][k][0]:6.0f}: " + " ".join(f"{samples[n][k][1]:6.1f}" for n in names))
    flat = all(v != "GROWING" for n, v in verdicts.items() if n != "bare")
    print(f"\nverdict: {load.errors()} errors, {dropped} dropped slots; memory "
          f"{'flat or settling in every service' if flat else 'GROWING in ' + ', '.join(n for n, v in verdicts.items() if v == 'GROWING')}"
          f" (bare nameko baseline: {verdicts['bare']})")


if __name__ == "__main__":
    main()
