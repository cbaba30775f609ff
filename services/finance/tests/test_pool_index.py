"""The financing pool's read model (finance.pool_index, ``POOL_INDEX_DIR``): every page, by offset and by
cursor, against a brute-force reading of the same needs, with ties in listing time and amount; then the
service answering from it, fed by its own events on the real broker, against its database."""
import datetime as dt
import random
import tempfile
import time
import uuid
from decimal import Decimal

import pytest

from finance import pool
from finance.entrypoints.pool import PoolQuery
from finance.pool_index import PoolIndex, document
from ttp_common import money, paging, regions
from ttp_testing import service_api_fixture

AT = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone.utc)
REGIONS = ["510100", "510104", "510300", "510400", "513400"]
QUERIES = [{}, {"instrument": "loan"}, {"stage": "scale_up", "region": "510100"}, {"industry": "新材料"},
           {"organization": "org-b"}, {"achievement_id": "ach-2"}, {"min_amount": "2000000", "max_amount": "5000000"},
           {"region": "510000", "instrument": "equity", "min_amount": "1000000"}]


def listed(count, seed):
    rnd = random.Random(seed)
    for i in range(count):
        yield {"financing_project_id": f"fp-{i:03d}-{rnd.randrange(16 ** 6):06x}", "organization_id":
               rnd.choice(["org-a", "org-b", "org-c"]), "region_code": rnd.choice(REGIONS),
               "amount": Decimal(rnd.choice([1, 2, 3, 5, 8])) * 1_000_000, "stage": rnd.choice(["pilot", "scale_up"]),
               "instruments": rnd.sample(list(pool.INSTRUMENTS), rnd.randint(1, 3)),
               "industry": rnd.choice(["新材料", "生物医药"]), "achievement_ids": rnd.sample(["ach-1", "ach-2", "ach-3"], 1),
               "listed_at": AT + dt.timedelta(seconds=rnd.randrange(0, 30))}  # many ties, in amount too


def reference(rows, params):
    """The pool query by brute force, in its order with the id as tie-breaker."""
    def passes(row):
        return ((params.instrument is None or params.instrument in row["instruments"])
                and all(getattr(params, k) is None or getattr(params, k) == row[f]
                        for k, f in (("stage", "stage"), ("industry", "industry"), ("organization", "organization_id")))
                and (params.achievement_id is None or params.achievement_id in row["achievement_ids"])
                and (params.region in (None, "510000") or row["region_code"].startswith(regions.prefix(params.region)))
                and (params.min_amount is None or money.to_fen(row["amount"]) >= params.min_amount)
                and (params.max_amount is None or money.to_fen(row["amount"]) <= params.max_amount))
    field, direction = pool.SORTS[params.sort][0]
    key = (lambda r: r["listed_at"]) if field == "listed_at" else (lambda r: r["amount"])
    found = sorted((r for r in rows if passes(r)), key=lambda r: (key(r), r["financing_project_id"]),
                   reverse=direction < 0)
    return [r["financing_project_id"] for r in found]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    rows = list(listed(120, seed=5))
    index = PoolIndex(str(tmp_path_factory.mktemp("pool-index")))
    index.apply([("put", document(row)) for row in rows])
    return index, rows


@pytest.mark.parametrize("sort", sorted(pool.SORTS))
@pytest.mark.parametrize("filters", QUERIES, ids=lambda f: ",".join(f) or "none")
def test_every_window_and_every_keyset_page_matches_the_brute_force_reference(indexed, filters, sort):
    index, rows = indexed
    params = PoolQuery(**filters, sort=sort)
    expected = reference(rows, params)
    assert expected
    for count in (1, 5, len(expected) + 3):  # windows from the start (offset pages)
        assert index.ids(params, count, None)[:count] == expected[:count]
    by_id = {r["financing_project_id"]: r for r in rows}
    field = pool.SORTS[sort][0][0]
    for position in range(0, len(expected) - 1, 7):  # after each 7th item, as a cursor names it
        last = by_id[expected[position]]
        value = last["listed_at"] if field == "listed_at" else money.to_fen(last["amount"])
        after = (value, last["financing_project_id"])
        assert index.ids(params, 4, after)[:4] == expected[position + 1:position + 5]


# -- the service answering from its read model --------------------------------------------------------
api = service_api_fixture("finance", POOL_INDEX_DIR=tempfile.mkdtemp(prefix="ttp-pool-index-"),
                          CONSUMER_BATCH_MAX_WAIT_MS=20)


def every_page(api, limit, by, **params):
    """Every item of a pool query, following next_cursor (``by="cursor"``) or offsets."""
    ids, cursor, offset = [], None, 0
    while True:
        query = {**params, "limit": limit, **({"cursor": cursor} if by == "cursor" and cursor else {}),
                 **({"offset": offset} if by == "offset" and offset else {})}
        response = api.get("/api/v1/financing-projects", params=query, token=api.admin())
        assert response.status_code == 200, response.text
        page = response.json()
        ids += [item["id"] for item in page["items"]]
        cursor, offset = page["next_cursor"], offset + limit
        if cursor is None:
            return ids


@pytest.mark.integration
def test_the_service_pages_from_the_read_model_as_the_database_orders(api):
    orgs = [f"org-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    made = []
    for i, amount in enumerate(["3000000.00", "1000000.00", "3000000.00", "8000000.00", "1000000.00", "3000000.00"]):
        response = api.post("/api/v1/financing-projects", {
            "title": f"索引检验融资需求{i}", "organization_id": orgs[i % 3],
            "region_code": ["510100", "510300", "510400", "513400", "510700"][i % 5],
            "amount": amount, "stage": "scale_up", "instruments": ["loan", "equity"][: 1 + i % 2], "industry": "新材料"},
            token=api.institution(orgs[i % 3]))
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    gone = made[2]
    assert api.post(f"/api/v1/financing-projects/{gone}/withdraw", {"reason": "已获得融资"},
                    token=api.institution(orgs[2])).status_code == 200
    deadline = time.monotonic() + 30  # the index has heard of the five listings and the withdrawal
    while sorted(every_page(api, 50, "offset")) != sorted(set(made) - {gone}) or \
            "ttp_pool_index_documents 5.0" not in api.get("/metrics").text:
        assert time.monotonic() < deadline, "the pool's read model did not catch up"
        time.sleep(0.1)
    stored = list(api.db.financing_projects.find({"status": "listed"}))
    for sort, order in pool.SORTS.items():
        (field, direction), _ = order
        expected = [d["_id"] for d in sorted(stored, key=lambda d: (d[field], d["_id"]), reverse=direction < 0)]
        for filters in ({}, {"instrument": "equity"}, {"min_amount": "2000000"}):
            wanted = [i for i in expected if _passes(stored, i, filters)]
            assert every_page(api, 2, "cursor", sort=sort, **filters) == wanted
            assert every_page(api, 2, "offset", sort=sort, **filters) == wanted
    # the pages come from the index: a need written to the database behind the service's back (no event) is not found
    api.db.financing_projects.insert_one({**stored[0], "_id": "fp-without-event"})
    assert "fp-without-event" not in every_page(api, 50, "offset")


def _passes(stored, project_id, filters):
    [doc] = [d for d in stored if d["_id"] == project_id]
    return (("instrument" not in filters or filters["instrument"] in doc["instruments"])
            and ("min_amount" not in filters or doc["amount_fen"] >= money.to_fen(Decimal(filters["min_amount"]))))


def test_paging_by_read_model_refuses_offset_and_cursor_together():
    from ttp_common.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        paging.by_read_model(None, None, pool.SORTS["newest"], PoolQuery(offset=2, cursor="x"), None, None)


@pytest.mark.integration
@pytest.mark.parametrize("values", [["x", "fp-1"], [-1, "fp-1"], [2 ** 70, "fp-1"], [1.5, "fp-1"], [True, "fp-1"]])
def test_a_cursor_no_page_gave_is_a_400_naming_it(api, values):
    import base64
    import json

    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    response = api.get("/api/v1/financing-projects", params={"cursor": cursor, "sort": "amount_desc"},
                       token=api.admin())
    assert response.status_code == 400, response.text
    assert response.json()["fields"][0]["path"] == "cursor"
