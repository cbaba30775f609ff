"""The portal's pages beside the API calls they make, in the same run; prints figures, asserts nothing.

    make bench-portal    (or: .venv/bin/python bench/bench_portal.py [--requests N])

What it starts, as the portal's own tests do (services/portal/tests/_portal.py): identity (the development accounts
of services/portal/tests/portal-accounts.yaml), registry, transactions, metrics and the portal as `nameko run`
processes on free ports, each with databases of its own and one Kafka topic prefix of their own, against the local
servers (`ttp-stack infra-up`); nothing of `make up` is used or changed. It fills them through the APIs as
`make portal-screenshots` does (three published achievements, a listing and its auction with two bids, a submitted
draft, contracts), then signs in with plain HTTP (the identity service's sign-in form, no browser) as the
institution clerk and as Chengdu's reviewer.

What is measured, per page, N times after 3 unmeasured rounds, interleaved: the page (GET on the portal, wall time
at the client on loopback, the session cookie for a signed-in page), then each API call that page makes, called
directly with the same query and the same bearer token (the one the portal holds in its session), one after the
other as the portal makes them; "calls" is their sum. Figures: median and p95 of each, the ratio of the medians
(what the portal adds: the session lookup, the header's unread count, the template), and the portal's own
ttp_portal_page_seconds (GET /metrics: its mean over the measured requests) as a cross-check of the client's clock.
Before measuring, each page is requested once and the portal's own count of its calls per service
(ttp_portal_upstream_seconds) must equal the calls its row times, else the benchmark stops.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "services" / "portal" / "tests"))
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

from _portal import ORG, http_sign_in, platform  # noqa: E402
from private_stack import machine  # noqa: E402

KEYWORD = "光伏"
PUBLIC_LIMIT, QUEUE_LIMIT, MINE_LIMIT = 20, 50, 50  # the portal's page sizes (public.py, review.py, staff.py)


def pages(ids):
    """(label, route, portal path, who, [(service, path, params)]): each page and the calls it makes."""
    achievement, auction = ids["achievement"], ids["auction"]
    return [
        ("首页 home", "home", "/", None,
         [("metrics", "/api/v1/progress", None), ("registry", "/api/v1/achievements", {"limit": 5})]),
        (f"成果查询 search q={KEYWORD}", "achievements", f"/achievements?q={quote(KEYWORD)}", None,
         [("registry", "/api/v1/achievements", {"q": KEYWORD, "limit": PUBLIC_LIMIT})]),
        ("成果页 an achievement", "achievement", f"/achievements/{achievement}", None,
         [("registry", f"/api/v1/achievements/{achievement}", None),
          ("transactions", "/api/v1/listings", {"achievement": achievement}),
          ("metrics", f"/api/v1/trace/achievements/{achievement}", None)]),
        ("成果挂牌 listings", "listings", "/listings", None,
         [("transactions", "/api/v1/listings", {"limit": PUBLIC_LIMIT})]),
        # the same public page signed in: what the session costs (its lookup, the header's unread count)
        ("成果挂牌 listings (clerk)", "listings", "/listings", "dev-institution",
         [("transactions", "/api/v1/listings", {"limit": PUBLIC_LIMIT})]),
        ("竞价拍卖 auctions", "auctions", "/auctions", None,
         [("transactions", "/api/v1/auctions", {"limit": PUBLIC_LIMIT})]),
        ("拍卖页 an auction (clerk)", "auction", f"/auctions/{auction}", "dev-institution",
         [("transactions", f"/api/v1/auctions/{auction}", None),
          ("transactions", f"/api/v1/auctions/{auction}/bids", None)]),
        ("本单位成果 drafts (clerk)", "my_achievements", "/my/achievements", "dev-institution",
         [("registry", f"/api/v1/organizations/{ORG}/achievements", {"limit": MINE_LIMIT})]),
        ("审核队列 queue (reviewer)", "review_achievements", "/review/achievements", "dev-reviewer-chengdu",
         [("registry", "/api/v1/review/achievements", {"status": "submitted", "limit": QUEUE_LIMIT, "offset": 0})]),
    ]


def pad(text, width):
    """``text`` left-aligned in ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 0)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def page_seconds(portal_url):
    """{route: (sum, count)} of the portal's ttp_portal_page_seconds histogram."""
    sums, counts = {}, {}
    for line in requests.get(f"{portal_url}/metrics", timeout=20).text.splitlines():
        for suffix, into in (("_sum", sums), ("_count", counts)):
            if line.startswith(f"ttp_portal_page_seconds{suffix}{{"):
                route = line.split('route="', 1)[1].split('"', 1)[0]
                into[route] = float(line.rsplit(" ", 1)[1])
    return {route: (sums.get(route, 0.0), counts.get(route, 0.0)) for route in counts}


def upstream_calls(portal_url):
    """{service: calls so far} of the portal's ttp_portal_upstream_seconds histogram (every outcome)."""
    calls = {}
    for line in requests.get(f"{portal_url}/metrics", timeout=20).text.splitlines():
        if line.startswith("ttp_portal_upstream_seconds_count{"):
            service = line.split('service="', 1)[1].split('"', 1)[0]
            calls[service] = calls.get(service, 0) + float(line.rsplit(" ", 1)[1])
    return calls


def check_calls(portal_url, plan, people, anonymous):
    """Each page once, the portal's own count of its calls to each service beside the calls the benchmark times:
    a page that calls more (or other) services than its row names would make the comparison unfair."""
    from collections import Counter

    for label, _route, path, who, calls in plan:
        before = upstream_calls(portal_url)
        (people[who] if who else anonymous).get(portal_url + path, timeout=30, allow_redirects=False)
        after = upstream_calls(portal_url)
        made = {s: round(after[s] - before.get(s, 0)) for s in after if after[s] != before.get(s, 0)}
        timed = dict(Counter(service for service, _, _ in calls))
        if made != timed:
            raise SystemExit(f"{label}: the portal called {made}, the benchmark times {timed}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=50, help="measured requests per page (default 50)")
    args = parser.parse_args(argv)
    from portal_screenshots import seed  # the screenshots' data, through the services' APIs

    print(machine())
    with platform() as stack:
        with stack.portal() as (portal_url, portal_db, _client):
            print("filling the services (achievements, a listing, an auction, a draft, contracts) ...")
            ids = seed(stack)
            people = {name: http_sign_in(stack, portal_url, name) for name in ("dev-institution",
                                                                              "dev-reviewer-chengdu")}
            tokens = {}
            for name in people:  # the bearer token the portal holds for that person's session
                [session] = [s for s in portal_db["sessions"].find({"access_token": {"$exists": True}})
                             if s.get("user", {}).get("username") == name]
                tokens[name] = session["access_token"]
            anonymous, api = requests.Session(), requests.Session()
            plan = pages(ids)
            check_calls(portal_url, plan, people, anonymous)
            print("each page's calls checked against the portal's own count (ttp_portal_upstream_seconds)")
            times = {label: ([], []) for label, *_ in plan}
            for round_ in range(3 + args.requests):
                if round_ == 3:
                    before = page_seconds(portal_url)
                for label, _route, path, who, calls in plan:
                    browser = people[who] if who else anonymous
                    started = time.perf_counter()
                    answer = browser.get(portal_url + path, timeout=30, allow_redirects=False)
                    page = time.perf_counter() - started
                    assert answer.status_code == 200, (path, answer.status_code, answer.text[:500])
                    headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
                    started = time.perf_counter()
                    for service, call_path, params in calls:
                        called = api.get(stack.urls[service] + call_path, params=params, headers=headers, timeout=30)
                        assert called.status_code == 200, (call_path, called.status_code, called.text[:500])
                    spent = time.perf_counter() - started
                    if round_ >= 3:
                        times[label][0].append(page)
                        times[label][1].append(spent)
            after = page_seconds(portal_url)
    print(f"\n{args.requests} requests per page; milliseconds (client wall time on loopback)\n")
    header = (f"{'page':34} {'calls':>5} {'page p50':>9} {'page p95':>9} {'calls p50':>10} {'calls p95':>10} "
              f"{'ratio p50':>9} {'portal mean':>11}")
    print(header)
    print("-" * len(header))
    ratios = []
    for label, route, _path, _who, calls in plan:
        page, spent = times[label]
        ratio = statistics.median(page) / statistics.median(spent)
        ratios.append(ratio)
        total, count = (a - b for a, b in zip(after.get(route, (0, 0)), before.get(route, (0, 0))))
        shared = sum(1 for row in plan if row[1] == route) > 1  # one route, two rows: its mean is of both
        server = f"{1000 * total / count:10.1f}{'*' if shared else ' '}" if count else f"{'-':>11}"
        print(f"{pad(label, 34)} {len(calls):5d} {1000 * statistics.median(page):9.1f} {1000 * percentile(page, .95):9.1f} "
              f"{1000 * statistics.median(spent):10.1f} {1000 * percentile(spent, .95):10.1f} {ratio:9.2f} {server}")
    print(f"\nratio page/calls (medians): {min(ratios):.2f} to {max(ratios):.2f}, "
          f"median {statistics.median(ratios):.2f}")
    print("portal mean: ttp_portal_page_seconds of the portal's /metrics over the measured requests"
          " (*: of both rows of that route)")
    print(machine())


if __name__ == "__main__":
    main()
