"""Finance benchmark (issue 5): the financing project pool query (filter + sort + page) at scale,
through the HTTP API beside the same query sent by raw pymongo, in the same run; then (issue 17 item 5) the
pool's read model (``POOL_INDEX_DIR``, finance.pool_index) built from the same listed projects, a second
finance service on the same database answering from it, beside the read model's ids + the items by id via
pymongo called directly, every page compared with the database's.

    .venv/bin/python bench/bench_finance.py                  (100,000 financing projects)
    .venv/bin/python bench/bench_finance.py --projects 20000 --queries 50

Seeding: the pool is filled with ``insert_many`` of documents built by the service's own model
code (``FinancingProjectIn`` validation, then the ``FinancingProject`` document's ``to_mongo``),
not by N HTTP listings: SecantusDB takes ~150 transactional writes/s here, so 100k through the
API would take over ten minutes. The HTTP figure therefore covers the query path only.

SecantusDB answers these queries with COLLSCAN + SORT (it ignores the indexes), seconds each at
100k, and holds up other clients meanwhile: on a shared development machine point the benchmark
at a private server, e.g. ``MONGO_URI=mongodb://127.0.0.1:27019/?directConnection=true``.
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
from decimal import Decimal  # noqa: E402

import requests  # noqa: E402

from finance import pool, pool_index  # noqa: E402
from finance.documents import FinancingProject  # noqa: E402
from finance.entrypoints.pool import PoolQuery  # noqa: E402
from finance.projects import STAGES  # noqa: E402
from finance.service import FinanceService  # noqa: E402
from ttp_common import money  # noqa: E402
from ttp_common.reference import SICHUAN_REGIONS  # noqa: E402
from ttp_testing import running_service  # noqa: E402

REGIONS = sorted(SICHUAN_REGIONS)
INDUSTRIES = ["新材料", "生物医药", "电子信息", "装备制造", "节能环保", "现代农业", "航空航天", "新能源"]
INSTRUMENTS = list(pool.INSTRUMENTS)


def document(n, rng, listed_at):
    body = pool.FinancingProjectIn(
        title=f"{rng.choice(INDUSTRIES)}成果转化融资项目{n}", organization_id=f"org-{n % 5000}",
        region_code=rng.choice(REGIONS), amount=Decimal(rng.randint(10_000_000, 5_000_000_000)) / 100,
        stage=rng.choice(list(STAGES)), instruments=rng.sample(INSTRUMENTS, rng.randint(1, 3)),
        industry=rng.choice(INDUSTRIES))
    doc = FinancingProject(id=f"fp{n:07d}", status="listed" if rng.random() < 0.95 else "withdrawn",
                           listed_at=listed_at, listed_by="bench", amount_fen=money.to_fen(body.amount),
                           **body.model_dump())
    doc.validate()
    return doc.to_mongo().to_dict()


def random_query(rng):
    params = {"instrument": rng.choice(INSTRUMENTS), "sort": rng.choice(list(pool.SORTS)),
              "limit": 20, "offset": rng.choice([0, 0, 20, 100])}
    if rng.random() < 0.5:
        params["region"] = rng.choice(REGIONS)
    if rng.random() < 0.3:
        params["stage"] = rng.choice(list(STAGES))
    if rng.random() < 0.3:
        params["min_amount"] = str(rng.choice([1_000_000, 10_000_000]))
    return params


def raw_filter(params):
    """The filter the service builds for ``params`` (FinanceService.pool_query), written out."""
    query = {"status": "listed", "instruments": params["instrument"]}
    if "region" in params:
        query["region_code"] = params["region"]
    if "stage" in params:
        query["stage"] = params["stage"]
    if "min_amount" in params:
        query["amount_fen"] = {"$gte": money.to_fen(Decimal(params["min_amount"]))}
    return query


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    n, rng = args.projects, random.Random(2016)
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores; servers: SecantusDB, Tansu, "
          f"RabbitMQ on loopback; {n} financing projects, {args.queries} queries")

    # no per-operation limit: at 100k documents the development server takes ~30 s per query
    with running_service(FinanceService, LOG_LEVEL="WARNING", MONGO_OPERATION_TIMEOUT_SECONDS=0) as api:
        collection = api.db[FinancingProject._get_collection_name()]
        collection.drop_indexes()  # built once after seeding: SecantusDB inserts are ~3x slower with them
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        start = time.perf_counter()
        built = 0
        for i in range(0, n, 1000):
            docs = [document(j, rng, now - dt.timedelta(seconds=j)) for j in range(i, min(i + 1000, n))]
            built += len(docs)
            collection.insert_many(docs, ordered=False)
        seed_s = time.perf_counter() - start
        start = time.perf_counter()
        FinancingProject._collection = None
        FinancingProject.ensure_indexes()
        index_s = time.perf_counter() - start
        print(f"seeded {collection.count_documents({})} documents in {seed_s:.1f} s ({n / seed_s:.0f} docs/s, "
              f"model code + insert_many of 1,000); the service's indexes built after in {index_s:.1f} s")

        token = api.token("institution", org="org-investor")
        queries = [random_query(rng) for _ in range(args.queries)]
        http_ms, raw_ms, hits, pages = [], [], [], []
        for params in queries:
            start = time.perf_counter()
            response = requests.get(f"{api.url}/api/v1/financing-projects", params=params,
                                    headers={"Authorization": f"Bearer {token}"}, timeout=600)
            http_ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.text
            items = response.json()["items"]
            hits.append(len(items))
            start = time.perf_counter()
            raw = list(collection.find(raw_filter(params)).sort(pool.SORTS[params["sort"]])
                       .skip(params["offset"]).limit(params["limit"]))
            raw_ms.append((time.perf_counter() - start) * 1000)
            assert [d["_id"] for d in raw] == [item["id"] for item in items], params  # the same page
            pages.append([item["id"] for item in items])
        try:
            plan = collection.find(raw_filter(queries[0])).sort(pool.SORTS[queries[0]["sort"]]).limit(20).explain()
            winning = plan.get("queryPlanner", {}).get("winningPlan", {})
            stages, node = [], winning
            while isinstance(node, dict) and node:
                stages.append(node.get("stage", "?"))
                node = node.get("inputStage") or {}
            plan_text = " <- ".join(stages) or "n/a"
        except Exception as exc:  # noqa: BLE001 - explain is informative only
            plan_text = f"explain failed: {exc}"

        # 3. the read model: the listed projects in the index, a second service on the same database answering
        listed = list(collection.find({"status": "listed"}))
        index_dir = tempfile.mkdtemp(prefix="bench-pool-index-")
        start = time.perf_counter()
        index = pool_index.PoolIndex(index_dir)
        for i in range(0, len(listed), 5000):
            index.apply([("put", pool_index.document({**d, "financing_project_id": d["_id"],
                                                       "amount": money.from_fen(d["amount_fen"])}))
                         for d in listed[i:i + 5000]])
        build_s = time.perf_counter() - start
        del index  # the writer's lock goes with it: the service below writes this directory
        gc.collect()
        index_ms, direct_ms, same = [], [], 0
        with running_service(FinanceService, LOG_LEVEL="WARNING", MONGO_DB=api.config["MONGO_DB"],
                             POOL_INDEX_DIR=index_dir) as indexed:
            reader = pool_index.PoolIndex(index_dir, writer=False)
            time.sleep(5)  # its consumer joins its group meanwhile (seconds on Tansu), in the same process
            requests.get(f"{indexed.url}/api/v1/financing-projects", headers={"Authorization": f"Bearer {token}"})
            for params, expected in zip(queries, pages):
                start = time.perf_counter()
                response = requests.get(f"{indexed.url}/api/v1/financing-projects", params=params,
                                        headers={"Authorization": f"Bearer {token}"}, timeout=60)
                index_ms.append((time.perf_counter() - start) * 1000)
                same += [item["id"] for item in response.json()["items"]] == expected
                start = time.perf_counter()  # the same work called directly: the ids, then the items by id
                ids = reader.ids(PoolQuery(**params), params["offset"] + params["limit"] + 1, None)
                list(collection.find({"_id": {"$in": ids[params["offset"]:][:params["limit"]]}}))
                direct_ms.append((time.perf_counter() - start) * 1000)

    med_http, med_raw = statistics.median(http_ms), statistics.median(raw_ms)
    print(f"\npool query over {n} financing projects (instrument + ~half region + some stage/amount; "
          f"sort newest / amount; page of 20 at offset 0-100)")
    print(f"  service   GET /api/v1/financing-projects  median {med_http:8.1f} ms, p95 {pct(http_ms, 0.95):8.1f} ms "
          f"(median {statistics.median(hits):.0f} items/page)")
    print(f"  baseline  the same find() via pymongo     median {med_raw:8.1f} ms, p95 {pct(raw_ms, 0.95):8.1f} ms")
    print(f"  ratio     service / baseline (median)     {med_http / med_raw:8.2f}x")
    print(f"  plan of the first query (explain)         {plan_text}")
    print(f"read model (tantivy; {len(listed)} listed projects indexed in {build_s:.1f} s, "
          f"{len(listed) / build_s:,.0f}/s):")
    print(f"  service   GET /api/v1/financing-projects  median {statistics.median(index_ms):8.1f} ms, "
          f"p95 {pct(index_ms, 0.95):8.1f} ms ({med_http / statistics.median(index_ms):.0f}x faster than the "
          f"database's service, median)")
    print(f"  baseline  its ids + items by id, direct   median {statistics.median(direct_ms):8.1f} ms, "
          f"p95 {pct(direct_ms, 0.95):8.1f} ms")
    print(f"  pages equal to the database's            {same} of {len(queries)}")


if __name__ == "__main__":
    main()
