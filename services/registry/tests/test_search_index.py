"""The search read model (registry.search_index) against a brute-force reference over the same generated
achievements: Chinese keywords, every filter, the three orders, ties at one instant and page boundaries."""
import datetime as dt
import random

import pytest

from ttp_common import regions

from registry import search
from registry.search_index import SearchIndex, document

WORDS = ["石墨烯", "导热膜", "中试", "锂电池", "储能", "页岩气", "无人机", "大熊猫", "中药材", "川芎", "5G", "AI"]
REGIONS = ["510104", "510107", "510181", "510302", "510704", "511102", "513401"]
ORGS = ["org-a", "org-b", "org-c"]
AT = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone.utc)


def generated(count, seed):
    rnd = random.Random(seed)
    instants = [AT + dt.timedelta(milliseconds=rnd.randrange(0, 40) * 250) for _ in range(count)]  # many ties
    for i in range(count):
        record = {"title": "".join(rnd.sample(WORDS, 2)) + "技术", "keywords": rnd.sample(WORDS, 2),
                  "summary": f"{rnd.choice(WORDS)}的应用与{rnd.choice(WORDS)}示范", "industry": rnd.choice(["新材料", "能源"]),
                  "type": rnd.choice(["applied", "basic", "soft_science"]), "programme": rnd.choice([None, 1, 3, 15]),
                  "trl": rnd.randint(1, 9), "region_code": rnd.choice(REGIONS),
                  "organization_ids": rnd.sample(ORGS, rnd.randint(1, 2)), "dual_use": rnd.random() < 0.3}
        yield f"ach-{i:04d}-{rnd.randrange(16 ** 6):06x}", record, instants[i]


def reference(rows, q, filters, sort):
    """Every match in order, by brute force: the same terms and the same unique sort keys."""
    wanted = set(search.terms(q))
    field, direction = search.SORTS[sort]
    low, high = filters.get("trl_range", (1, 9))

    def passes(record):
        region = filters.get("region")
        return (wanted <= set(search.document_terms(record))
                and (region in (None, "510000") or record["region_code"].startswith(regions.prefix(region)))
                and all(filters.get(k) is None or record[k] == filters[k] for k in ("type", "programme", "dual_use"))
                and (filters.get("organization") is None or filters["organization"] in record["organization_ids"])
                and low <= record["trl"] <= high)
    found = [(search.sort_keys(at.replace(tzinfo=None), i, r["trl"])[field], i) for i, r, at in rows if passes(r)]
    return [i for _, i in sorted(found, reverse=direction < 0)]


def every_page(index, q, filters, sort, limit):
    ids, cursor, pages = [], None, 0
    while True:
        page, cursor = index.page(search.terms(q), filters, sort, limit, cursor)
        assert len(page) == limit or cursor is None  # a page is full unless it is the last
        ids += page
        pages += 1
        assert pages < 500
        if cursor is None:
            return ids


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    rows = list(generated(400, seed=7))
    index = SearchIndex(str(tmp_path_factory.mktemp("search-index")))
    index.apply([("put", document(i, r, at)) for i, r, at in rows[:250]])
    index.apply([("put", document(i, r, at)) for i, r, at in rows[250:]])
    return index, rows


QUERIES = [("", {}), ("石墨烯", {}), ("储能 锂电池", {}), ("膜", {}), ("ai", {}), ("川芎", {"region": "510100"}),
           ("", {"region": "513401"}), ("", {"region": "510000", "type": "basic"}), ("中试", {"programme": 3}),
           ("", {"dual_use": True, "trl_range": (4, 7)}), ("技术", {"organization": "org-b", "trl_range": (9, 9)}),
           ("不存在的词", {})]


@pytest.mark.parametrize("sort", sorted(search.SORTS))
@pytest.mark.parametrize("q, filters", QUERIES)
def test_every_page_matches_the_brute_force_reference(indexed, q, filters, sort):
    index, rows = indexed
    expected = reference(rows, q, filters, sort)
    for limit in (1, 7, 50):
        assert every_page(index, q, filters, sort, limit) == expected


def test_ties_at_one_instant_are_kept_in_key_order_across_page_edges(tmp_path):
    rows = [(f"tie-{i:03d}", {**next(generated(1, seed=i))[1], "trl": 5}, AT) for i in range(30)]
    index = SearchIndex(str(tmp_path))
    index.apply([("put", document(i, r, at)) for i, r, at in rows])
    for sort in search.SORTS:
        expected = reference(rows, "", {}, sort)
        assert every_page(index, "", {}, sort, 4) == expected and len(expected) == 30


def test_a_withdrawal_deletes_and_a_replay_converges(tmp_path):
    rows = list(generated(40, seed=3))
    index = SearchIndex(str(tmp_path))
    changes = [("put", document(i, r, at)) for i, r, at in rows] + [("delete", rows[0][0])]
    index.apply(changes)
    index.apply(changes)  # delivered again (a consumer that crashed before its offsets were committed)
    assert index.count() == 39
    assert every_page(index, "", {}, "newest", 10) == reference(rows[1:], "", {}, "newest")


def test_a_reader_of_the_same_directory_sees_the_writers_commits(tmp_path):
    writer = SearchIndex(str(tmp_path))
    reader = SearchIndex(str(tmp_path), writer=False)
    rows = list(generated(5, seed=11))
    writer.apply([("put", document(i, r, at)) for i, r, at in rows])
    assert sorted(reader.page([], {}, "newest", 10)[0]) == sorted(i for i, _, _ in rows)
