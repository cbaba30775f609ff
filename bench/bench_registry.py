"""Registry benchmarks at scale (issue 3): registration throughput and public search latency,
each beside the raw MongoDB-protocol server doing the same inserts / queries in the same run.

    make bench-registry                 (100,000 achievements; or: --achievements N)

1. registration: rows through the bulk-import endpoint (HTTP, validation, one transaction per
   chunk of rows) vs. raw pymongo inserts of the same documents, one at a time, batched (into a bare
   collection and into one with the achievements collection's indexes), and batched in transactions as the
   service writes; the ratio to raw insert_many is printed (goal >= 0.5).
2. search: the public query service over N published achievements (HTTP GET with Chinese
   keywords and filters, and the first page without any) vs. the same query sent by pymongo. The public
   copies are filled with the service's own code (``search.document_terms``), not by publishing N
   achievements one by one.
3. the search read model (``SEARCH_INDEX_DIR``, registry.search_index): the same N in a tantivy index (built
   with the service's own ``search_index.document``, timed), a second registry on the same database answering
   from it; the same queries over HTTP beside the read model's page + the items by id via pymongo, called
   directly; every page compared with the database plan's.
"""
import eventlet

eventlet.monkey_patch()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import gc  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import requests  # noqa: E402
from pymongo.read_concern import ReadConcern  # noqa: E402
from pymongo.write_concern import WriteConcern  # noqa: E402

from registry import search, search_index  # noqa: E402
from registry.documents import PublicAchievement  # noqa: E402
from registry.service import RegistryService  # noqa: E402
from ttp_common.achievement_rows import BATCH  # noqa: E402
from ttp_common.reference import SICHUAN_REGIONS  # noqa: E402
from ttp_testing import running_service  # noqa: E402

WORDS = ["石墨烯", "导热膜", "轨道交通", "减振", "页岩气", "返排液", "钒钛", "磁铁矿", "中药", "饮片", "光伏", "储能",
         "数控机床", "工业机器人", "北斗", "导航", "生物医药", "疫苗", "新能源汽车", "动力电池", "大数据", "云计算"]
REGIONS = sorted(SICHUAN_REGIONS)
ORG = "org-bench"
RAW_ONE_SAMPLE = 2000


def form(n, rng):
    a, b = rng.sample(WORDS, 2)
    return {"title": f"{a}{b}关键技术第{n}号", "type": rng.choice(["applied", "basic", "soft_science"]),
            "summary": f"面向四川省产业需求的{a}与{b}科技成果转化示范，编号{n}。", "keywords": [a, b],
            "industry": "新材料", "programme": rng.randint(1, 15), "trl": rng.randint(1, 9),
            "region_code": rng.choice(REGIONS), "organization_ids": [ORG],
            "contributors": [{"name": "测试", "share": "100"}], "funding": {"fiscal": False},
            "dual_use": rng.random() < 0.1}


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def registration(api, forms):
    """Rows through the bulk-import endpoint vs. raw inserts of the same documents: the printed lines."""
    n, token, db = len(forms), api.token("institution", org=ORG), api.db
    start = time.perf_counter()
    for i in range(0, n, BATCH):  # as the CLI sends them
        rows = [{"import_key": f"B{j}", "form": forms[j]} for j in range(i, min(i + BATCH, n))]
        response = requests.post(f"{api.url}/api/v1/achievements/import", json={"rows": rows},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=600)
        assert response.status_code == 200, response.text
    service_rate = n / (time.perf_counter() - start)
    created = db.achievements.count_documents({})

    # baselines: the same documents straight into the server
    docs = list(db.achievements.find({}, {"_id": 0}))
    raw = db.raw_achievements
    start = time.perf_counter()
    sample = docs[:RAW_ONE_SAMPLE]  # single inserts are slow here: a sample gives the rate
    for doc in sample:
        raw.insert_one(dict(doc))
    raw_one_rate = len(sample) / (time.perf_counter() - start)
    raw.drop()

    def insert_many_rate():
        start = time.perf_counter()
        for i in range(0, len(docs), 1000):
            raw.insert_many([dict(d) for d in docs[i:i + 1000]])
        rate = len(docs) / (time.perf_counter() - start)
        raw.drop()
        return rate

    raw_batch_rate = insert_many_rate()
    for name, index in db.achievements.index_information().items():  # the service's collection has 3 more
        if name != "_id_":
            raw.create_index(index["key"], name=name, **{k: index[k] for k in ("unique", "sparse") if k in index})
    raw_indexed_rate = insert_many_rate()
    start = time.perf_counter()  # as the service writes: a request's rows per transaction, majority write concern
    client = db.client
    for i in range(0, len(docs), BATCH):
        with client.start_session() as session:
            session.with_transaction(lambda s, part=docs[i:i + BATCH]: raw.insert_many([dict(d) for d in part],
                                                                                    session=s),
                                     read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority"))
    raw_txn_rate = len(docs) / (time.perf_counter() - start)
    raw.drop()
    return [f"registration ({created} rows created)",
            f"  service   bulk import over HTTP (validation, one transaction per chunk)   : {service_rate:8.0f} rows/s",
            f"  baseline  raw pymongo insert_one, same documents (2,000-doc sample)    : {raw_one_rate:8.0f} docs/s",
            f"  baseline  raw pymongo insert_many (1,000 per call)                     : {raw_batch_rate:8.0f} docs/s",
            f"  baseline  raw pymongo insert_many, the collection's indexes too      : {raw_indexed_rate:8.0f} docs/s",
            f"  baseline  raw pymongo insert_many in a transaction ({BATCH} per transaction): {raw_txn_rate:8.0f} docs/s",
            f"  ratio     service / raw insert_many {service_rate / raw_batch_rate:.2f} (goal >= 0.5); "
            f"service / insert_many with the indexes {service_rate / raw_indexed_rate:.2f}; "
            f"service / transactional insert_many {service_rate / raw_txn_rate:.2f}"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--achievements", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--search-only", action="store_true", help="skip the registration part")
    parser.add_argument("--registration-only", action="store_true", help="skip the search part")
    args = parser.parse_args()
    n, rng = args.achievements, random.Random(2016)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; servers: SecantusDB, Tansu, "
          f"RabbitMQ on loopback; {n} achievements")
    forms = [form(i, rng) for i in range(n)]

    # no per-operation limit: at 100k documents the development server takes ~30 s per query
    with running_service(RegistryService, LOG_LEVEL="WARNING", MONGO_OPERATION_TIMEOUT_SECONDS=0) as api:
        db = api.db

        # 1. registration through the service
        report = [] if args.search_only else registration(api, forms)
        if args.registration_only:
            print("", *report, sep="\n")
            return

        # 2. search: fill the read model with the service's own term code
        now = dt.datetime.now(dt.timezone.utc)
        public = db[PublicAchievement._get_collection_name()]
        for i in range(0, n, 1000):
            public.insert_many([{
                "_id": f"P{j}", "published_at": now - dt.timedelta(seconds=j), "registration_number": f"{j:012d}",
                "owner_organization_id": ORG, "region_code": f["region_code"], "programme": f["programme"],
                "type": f["type"], "trl": f["trl"], "dual_use": f["dual_use"], "organization_ids": [ORG],
                "record": f, "terms": search.document_terms(f),
                **search.sort_keys(now - dt.timedelta(seconds=j), f"P{j}", f["trl"])}
                for j, f in enumerate(forms[i:i + 1000], start=i)])
        queries = [{"q": rng.choice(WORDS), **({"region": rng.choice(REGIONS)} if rng.random() < 0.5 else {}),
                    **({"trl_min": 5} if rng.random() < 0.3 else {})} for _ in range(args.queries)]
        first_pages = [{} for _ in range(max(5, args.queries // 10))]  # no keyword, no filter: the home page's list
        http_ms, raw_ms, plan_ms, hits, first_ms, first_plan_ms = [], [], [], [], [], []
        plan_pages = []  # each request's ids, in order
        for params in queries + first_pages:
            start = time.perf_counter()
            page = requests.get(f"{api.url}/api/v1/achievements", params=params, timeout=120).json()
            (http_ms if params else first_ms).append((time.perf_counter() - start) * 1000)
            plan_pages.append([item["id"] for item in page["items"]])
            if not params:
                start = time.perf_counter()
                list(public.find({}).sort([("newest_key", -1)]).limit(21))
                first_plan_ms.append((time.perf_counter() - start) * 1000)
                continue
            hits.append(len(page["items"]))
            wanted = search.terms(params["q"])
            query = {"terms": {"$all": wanted}}
            if "region" in params:
                query["region_code"] = params["region"]
            if "trl_min" in params:
                query["trl"] = {"$gte": 5, "$lte": 9}
            start = time.perf_counter()
            list(public.find(query).sort([("newest_key", -1)]).limit(21))
            raw_ms.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()  # the service's plan: one term by equality, the rest checked on the way
            found = public.find({**query, "terms": wanted[0]}).sort([("newest_key", -1)]).batch_size(21)
            page = []
            for doc in found:
                if search.matches_all(doc["terms"], wanted[1:]):
                    page.append(doc)
                    if len(page) == 21:
                        break
            found.close()
            plan_ms.append((time.perf_counter() - start) * 1000)

        # 3. the search read model: built from the same documents, then a registry answering from it
        index_dir = tempfile.mkdtemp(prefix="bench-search-index-")
        start = time.perf_counter()
        index = search_index.SearchIndex(index_dir)
        for i in range(0, n, 5000):
            index.apply([("put", search_index.document(f"P{j}", f, now - dt.timedelta(seconds=j)))
                         for j, f in enumerate(forms[i:i + 5000], start=i)])
        build_s = time.perf_counter() - start
        del index  # the writer's lock goes with it: the service below writes this directory
        gc.collect()
        doc_terms = [set(search.document_terms(f)) for f in forms]

        def reference(params):
            """The first page by brute force: every term, the filters, newest (smallest j) first."""
            wanted, region = set(search.terms(params.get("q", ""))), params.get("region")
            return [f"P{j}" for j, f in enumerate(forms) if wanted <= doc_terms[j]
                    and (region is None or f["region_code"] == region) and f["trl"] >= params.get("trl_min", 1)][:20]
        expected = [reference(p) for p in queries + first_pages]
        plan_right = sum(got == wanted for got, wanted in zip(plan_pages, expected))
        index_ms, index_first_ms, direct_ms, direct_first_ms, index_right = [], [], [], [], 0
        with running_service(RegistryService, LOG_LEVEL="WARNING", MONGO_DB=api.config["MONGO_DB"],
                             SEARCH_INDEX_DIR=index_dir) as indexed:
            reader = search_index.SearchIndex(index_dir, writer=False)
            time.sleep(5)  # its consumer joins its group meanwhile (seconds on Tansu), in the same process
            requests.get(f"{indexed.url}/api/v1/achievements")
            for params, wanted in zip(queries + first_pages, expected):
                start = time.perf_counter()
                page = requests.get(f"{indexed.url}/api/v1/achievements", params=params, timeout=60).json()
                (index_ms if params else index_first_ms).append((time.perf_counter() - start) * 1000)
                index_right += [item["id"] for item in page["items"]] == wanted
                filters = {"region": params.get("region"), "trl_range": (params.get("trl_min", 1), 9)}
                start = time.perf_counter()  # the same work called directly: the index's page, the items by id
                ids, _ = reader.page(search.terms(params.get("q", "")), filters, "newest", 20)
                list(public.find({"_id": {"$in": ids}}))
                (direct_ms if params else direct_first_ms).append((time.perf_counter() - start) * 1000)

    def line(label, values, note=""):
        return (f"  {label:<50} median {statistics.median(values):8.1f} ms, p95 {pct(values, 0.95):8.1f} ms"
                + (f" ({note})" if note else ""))

    print("", *report, sep="\n")
    print(f"search over {n} published achievements ({len(queries)} keyword queries, Chinese keywords, ~half with a "
          f"region; {len(first_pages)} first pages without keywords)")
    print("database plan (SEARCH_INDEX_DIR unset):")
    print(line("service   GET /api/v1/achievements?q=", http_ms, f"median {statistics.median(hits):.0f} hits/page"))
    print(line("baseline  the same plan via pymongo", plan_ms, "one term by equality, the others checked client-side"))
    print(line("baseline  the plain $all find() via pymongo", raw_ms, "what the service sent before"))
    print(line("service   GET /api/v1/achievements (first page)", first_ms))
    print(line("baseline  newest_key index, limit 21, pymongo", first_plan_ms))
    print(f"search read model (tantivy; built in {build_s:.1f} s, {n / build_s:,.0f} documents/s):")
    faster = statistics.median(http_ms) / statistics.median(index_ms)
    print(line("service   GET /api/v1/achievements?q=", index_ms, f"{faster:.0f}x faster than the database plan's service"))
    print(line("baseline  the index's page + items by id, direct", direct_ms))
    print(line("service   GET /api/v1/achievements (first page)", index_first_ms))
    print(line("baseline  the same, direct", direct_first_ms))
    print(f"  first pages equal to a brute-force reading of the same documents: read model {index_right}, "
          f"database plan {plan_right}, of {len(expected)} (the plan's page is short when its scan budget ends it)")


if __name__ == "__main__":
    main()
