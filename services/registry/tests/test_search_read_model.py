"""The public search answered by the search read model (``SEARCH_INDEX_DIR``): the registry's own events on
the real broker feed a tantivy index in the service, and every page is the one a brute-force reading of the
public copies in the real database gives. (A module of its own: two registry containers in one process share
one database connection.)"""
import sys
import tempfile
import time
from pathlib import Path

import pytest

from ttp_testing import service_api_fixture

from registry import search as search_rules

sys.path.insert(0, str(Path(__file__).parent))
from _search import ORG, published, search  # noqa: E402

INDEX_DIR = tempfile.mkdtemp(prefix="ttp-search-index-")
# this module's registry answers from its search read model
api = service_api_fixture("registry", SEARCH_INDEX_DIR=INDEX_DIR, CONSUMER_BATCH_MAX_WAIT_MS=20)


def every_page(api, limit, **params):
    ids, cursor = [], None
    while True:
        page = search(api, limit=limit, **params, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) == limit or page["next_cursor"] is None
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


def reference(api, q, sort, region=None, trl_min=1):
    """Brute force over the database's public copies: every term, the filters, the unique sort key."""
    wanted = set(search_rules.terms(q))
    field, direction = search_rules.SORTS[sort]
    docs = [d for d in api.db.public_achievements.find() if wanted <= set(d["terms"])
            and (region is None or d["region_code"].startswith(region[:4])) and d["trl"] >= trl_min]
    return [d["_id"] for d in sorted(docs, key=lambda d: d[field], reverse=direction < 0)]


def eventually(check, timeout=30):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the search read model did not catch up"
        time.sleep(0.1)


@pytest.mark.integration
def test_pages_from_the_read_model_are_the_database_plans(api):
    made = [published(api, f"索引检验{word}成果", keywords=["索引检验", word], trl=trl, region_code=region)
            for word, trl, region in [("石墨烯", 6, "510100"), ("锂电池", 8, "510300"), ("石墨烯储能", 3, "510400"),
                                      ("中药材", 6, "510100"), ("石墨烯涂层", 9, "513400"), ("储能", 6, "510700")]]
    eventually(lambda: len(search(api, q="索引检验", limit=50)["items"]) == len(made))
    for q, filters in [("索引检验", {}), ("石墨烯", {}), ("索引检验 储能", {}), ("检验", {"region": "510100"}),
                       ("索引检验", {"trl_min": 6})]:
        for sort in search_rules.SORTS:
            expected = reference(api, q, sort, filters.get("region"), filters.get("trl_min", 1))
            assert expected and every_page(api, 2, q=q, sort=sort, **filters) == expected


@pytest.mark.integration
def test_a_withdrawn_achievement_leaves_the_results_at_once_and_the_index_soon(api):
    kept, gone = (published(api, f"撤回索引{n}号成果", keywords=["撤回索引"]) for n in range(2))
    eventually(lambda: len(search(api, q="撤回索引")["items"]) == 2)
    owner = api.token("institution", org=ORG)
    response = api.post(f"/api/v1/achievements/{gone}/withdraw", {"reason": "技术已转让"}, token=owner)
    assert response.status_code == 200, response.text
    assert [item["id"] for item in search(api, q="撤回索引")["items"]] == [kept]  # never shown stale
    eventually(lambda: search(api, q="撤回索引", limit=1)["next_cursor"] is None)  # the index heard it
    assert open(f"{INDEX_DIR}/consumer-group", encoding="utf-8").read().startswith("ttp.registry.search_index.")
    assert 'ttp_search_index_documents' in api.get("/metrics").text


@pytest.mark.integration
@pytest.mark.parametrize("sort, key", [("newest", "garbage"), ("newest", "29991399T000000.000000/x"),
                                       ("maturity", "x/20260101T000000.000000/y"), ("maturity", "20260101T000000/y")])
def test_a_cursor_no_page_gave_is_a_400_naming_it(api, sort, key):
    response = api.get("/api/v1/achievements", params={"sort": sort, "cursor": search_rules.encode_cursor(sort, key)})
    assert response.status_code == 400, response.text
    assert response.json()["fields"][0]["path"] == "cursor"
