"""``paging.by_sort`` on the real development database: walking every page in any fixed order gives exactly the
brute-force order of the same documents (ties on every sort field, pages that end inside a tie), each once, and
the last page says no more follow; a cursor it did not give is a 400 naming its parameter."""
import datetime as dt
import random

import pymongo
import pytest

from ttp_common import paging
from ttp_common.errors import ValidationFailed
from ttp_testing import MONGO_URI, unique

pytestmark = pytest.mark.integration

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def collection():
    client = pymongo.MongoClient(MONGO_URI)
    name = unique("paging")
    rng = random.Random(7)
    docs = [{"_id": f"id-{i:03d}-{rng.randrange(1000):03d}", "region": rng.choice(["510100", "510300"]),
             "due": T0 + dt.timedelta(days=rng.randrange(4)), "status": rng.choice(["a", "b", "c"]),
             "rank": rng.randrange(3)} for i in range(57)]
    client[name].things.insert_many(docs)
    yield client[name].things, docs
    client.drop_database(name)
    client.close()


def brute(docs, query, sort):
    chosen = [d for d in docs if all(d[k] == v for k, v in query.items())]
    for field, direction in reversed([*sort, ("_id", 1)]):
        chosen.sort(key=lambda d: d[field].timestamp() if isinstance(d[field], dt.datetime) else d[field],
                    reverse=direction == -1)
    return [d["_id"] for d in chosen]


@pytest.mark.parametrize("sort", [[("due", 1)], [("due", -1), ("rank", 1)], [("status", 1), ("rank", -1), ("due", 1)]])
@pytest.mark.parametrize("query", [{}, {"region": "510100"}])
@pytest.mark.parametrize("size", [1, 7, 100])
def test_every_page_in_order_each_item_once_to_the_last(collection, sort, query, size):
    things, docs = collection
    walked, cursor, pages = [], None, 0
    while True:
        page, cursor = paging.by_sort(things, query, sort, size, cursor)
        walked += [d["_id"] for d in page]
        pages += 1
        assert len(page) <= size
        if cursor is None:
            break
        assert pages < 100
    assert walked == brute(docs, query, sort)
    assert pages == max(1, -(-len(walked) // size))  # no empty page at the end


@pytest.mark.parametrize("bad", ["", "garbage!", paging._encode(["x"]), paging._encode([{"$gt": ""}, "id"]),
                                 paging._encode([{"ms": "1"}, "id"]), paging._encode([1, 2])])
def test_a_cursor_it_did_not_give_is_a_400_naming_the_parameter(collection, bad):
    things, _ = collection
    with pytest.raises(ValidationFailed) as refused:
        paging.by_sort(things, {}, [("due", 1)], 5, bad or "=", param="after")
    assert refused.value.fields[0]["path"] == "after"


class Page(paging.OffsetParams):
    pass


@pytest.mark.parametrize("sort", [[("due", 1)], [("due", -1), ("rank", 1)]])
def test_an_offset_list_says_whether_more_follow_and_its_cursor_goes_on_from_any_page(collection, sort):
    things, docs = collection
    expected = brute(docs, {}, sort)
    first = paging.by_offset(things, {}, sort, Page(limit=10, offset=20), lambda d: d["_id"])
    assert first["items"] == expected[20:30] and first["next_cursor"]
    walked, cursor = list(first["items"]), first["next_cursor"]
    while cursor:
        page = paging.by_offset(things, {}, sort, Page(limit=10, cursor=cursor), lambda d: d["_id"])
        walked += page["items"]
        cursor = page["next_cursor"]
    assert walked == expected[20:]
    last = paging.by_offset(things, {}, sort, Page(limit=10, offset=50), lambda d: d["_id"])
    assert last["items"] == expected[50:] and last["next_cursor"] is None
    with pytest.raises(ValidationFailed) as refused:
        paging.by_offset(things, {}, sort, Page(offset=10, cursor=first["next_cursor"]), lambda d: d["_id"])
    assert refused.value.fields[0]["path"] == "offset"


def test_where_a_sort_value_is_missing_the_cursor_counts_instead():
    client = pymongo.MongoClient(MONGO_URI)
    name = unique("paging")
    try:
        things = client[name].things
        things.insert_many([{"_id": f"d{i}", **({"due": T0} if i % 2 else {})} for i in range(6)])
        first = paging.by_offset(things, {}, [("due", 1)], Page(limit=4), lambda d: d["_id"])
        rest = paging.by_offset(things, {}, [("due", 1)], Page(limit=4, cursor=first["next_cursor"]), lambda d: d["_id"])
        assert first["items"] + rest["items"] == ["d0", "d2", "d4", "d1", "d3", "d5"] and rest["next_cursor"] is None
        # a page that ends on a document without the value goes on by offset, and says where it went on from
        head = paging.by_offset(things, {}, [("due", 1)], Page(limit=2), lambda d: d["_id"])
        tail = paging.by_offset(things, {}, [("due", 1)], Page(limit=2, cursor=head["next_cursor"]), lambda d: d["_id"])
        assert (head["items"], tail["items"], tail["offset"]) == (["d0", "d2"], ["d4", "d1"], 2)
    finally:
        client.drop_database(name)
        client.close()
