"""The public query service (公益查询) against the real local servers, searched in Chinese."""
import sys
from pathlib import Path

import pytest

from registry.search import decode_cursor, document_terms, encode_cursor, sort_keys, terms

sys.path.insert(0, str(Path(__file__).parent))
from _search import ORG, form, published, search  # noqa: E402


def test_chinese_text_is_cut_into_bigrams_and_latin_into_words():
    assert terms("石墨烯 TRL6") == ["trl6", "墨烯", "石墨"]
    assert terms("膜") == ["膜"]
    assert terms("ＡＲ／ＶＲ") == ["ar", "vr"]  # full-width forms are normalised


def test_a_published_achievement_is_found_by_single_chinese_characters_too():
    record = {"title": "导热膜", "keywords": ["石墨烯"], "summary": "", "industry": "新材料"}
    found = document_terms(record)
    assert {"膜", "导热", "热膜", "石墨", "墨烯", "材料"} <= set(found)
    assert set(terms("膜")) <= set(found) and set(terms("石墨烯导热")) - set(found) == {"烯导"}


def test_sort_keys_order_as_their_sort_says():
    import datetime as dt

    early, late = dt.datetime(2026, 1, 2, 3, 4, 5, 6000), dt.datetime(2026, 11, 27, 0, 0, 0)
    a, b = sort_keys(early, "id-a", trl=9), sort_keys(late, "id-b", trl=2)
    assert a["newest_key"] < b["newest_key"]            # newest: b before a (descending)
    assert a["maturity_key"] > b["maturity_key"]        # maturity: TRL 9 before TRL 2
    same_time = sort_keys(early, "id-c", trl=9)
    assert same_time["newest_key"] != a["newest_key"]   # the id breaks ties: keys are unique


def test_cursors_round_trip_and_garbage_or_another_sorts_cursor_is_refused():
    from ttp_common.refusals import Invalid

    assert decode_cursor(encode_cursor("maturity", "9/x"), "maturity") == "9/x"
    for bad in ("", "not-base64!", "WzEsMl0"):  # the last is [1,2]: wrong types
        with pytest.raises(Invalid) as refused:
            decode_cursor(bad, "newest")
        assert refused.value.field == "cursor"
    with pytest.raises(Invalid, match="sort=oldest"):
        decode_cursor(encode_cursor("oldest", "k"), "newest")


@pytest.mark.integration
def test_public_search_finds_published_achievements_by_chinese_keywords_and_filters(api):
    graphene = published(api, "石墨烯导热膜中试技术", trl=6)
    vanadium = published(api, "钒钛磁铁矿综合利用技术", region_code="510400", trl=8, dual_use=True)
    draft = api.post("/api/v1/achievements", form("石墨烯电池未公开成果"), token=api.token("institution", org=ORG))
    assert draft.status_code == 201

    ids = lambda page: [item["id"] for item in page["items"]]  # noqa: E731
    assert ids(search(api, q="石墨烯导热")) == [graphene]
    assert graphene in ids(search(api, q="石墨烯")) and draft.json()["id"] not in ids(search(api, q="石墨烯"))
    assert ids(search(api, q="钒钛", region="510400")) == [vanadium]
    assert ids(search(api, q="钒钛", region="510100")) == []
    assert ids(search(api, q="钒钛", region="510000")) == [vanadium]  # the whole province
    assert ids(search(api, q="技术", trl_min=7, organization=ORG)) == [vanadium]
    assert ids(search(api, q="技术", dual_use="true", organization=ORG)) == [vanadium]
    assert ids(search(api, q="量子计算")) == []
    assert ids(search(api, q="膜")) == [graphene]  # one Chinese character is a query too
    assert ids(search(api, q="导热 钒钛")) == []  # every term must match, not one of them


@pytest.mark.integration
def test_results_come_in_the_chosen_order_and_cursors_keep_it(api):
    low = published(api, "排序测试低成熟度成果", keywords=["排序测试"], trl=3)
    high = published(api, "排序测试高成熟度成果", keywords=["排序测试"], trl=8)
    middle = published(api, "排序测试中成熟度成果", keywords=["排序测试"], trl=5)

    def all_pages(**params):
        seen, cursor = [], None
        while True:
            page = search(api, q="排序测试", limit=1, **params, **({"cursor": cursor} if cursor else {}))
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen

    assert all_pages() == [middle, high, low]
    assert all_pages(sort="oldest") == [low, high, middle]
    assert all_pages(sort="maturity") == [high, middle, low]
    newest_cursor = search(api, q="排序测试", limit=1)["next_cursor"]
    response = api.get("/api/v1/achievements", params={"q": "排序测试", "sort": "oldest", "cursor": newest_cursor})
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "cursor"


@pytest.mark.integration
def test_public_copies_stored_before_the_sort_keys_get_them_at_start(api):
    """The start-up migration: an older public copy (no sort keys, no single characters) is found again."""
    from registry.migrations import add_search_fields

    achievement_id = published(api, "迁移测试成果", keywords=["迁移测试"])
    public = api.db.public_achievements
    public.update_one({"_id": achievement_id}, {"$unset": {"newest_key": "", "maturity_key": ""},
                                                "$set": {"terms": terms("迁移测试成果", "迁移测试")}})
    assert search(api, q="迁")["items"] == []
    add_search_fields(api.db)
    add_search_fields(api.db)  # idempotent
    assert [item["id"] for item in search(api, q="迁")["items"]] == [achievement_id]


@pytest.mark.integration
def test_pages_follow_stable_cursors_without_repeats(api):
    made = [published(api, f"四川分页测试成果{n}号", keywords=["分页测试"]) for n in range(5)]
    seen, cursor = [], None
    while True:
        page = search(api, q="分页测试", limit=2, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))  # newest first, each once


@pytest.mark.integration
def test_withdrawn_and_internal_achievements_are_not_public(api):
    achievement_id = published(api, "撤回测试成果", keywords=["撤回测试"])
    assert [i["id"] for i in search(api, q="撤回测试")["items"]] == [achievement_id]
    owner = api.token("institution", org=ORG)
    response = api.post(f"/api/v1/achievements/{achievement_id}/withdraw", {"reason": "已转让"}, token=owner)
    assert response.status_code == 200
    assert search(api, q="撤回测试")["items"] == []

    internal = api.post("/api/v1/achievements", form("内部成果", secrecy="internal"), token=owner).json()["id"]
    reviewer = api.token("reviewer", region="510000")
    for action, token in (("submit", owner), ("register", reviewer)):
        assert api.post(f"/api/v1/achievements/{internal}/{action}", {}, token=token).status_code == 200
    assert api.post(f"/api/v1/achievements/{internal}/publish", {}, token=reviewer).status_code == 409
    assert search(api, q="内部成果")["items"] == []


@pytest.mark.integration
@pytest.mark.parametrize("params, field", [
    ({"q": "x", "limit": "0"}, "limit"), ({"trl_min": "abc"}, "trl_min"), ({"cursor": "garbage!"}, "cursor"),
    ({"region[$ne]": "x"}, "region[$ne]"), ({"programme": "99999999999999999999"}, "programme"),
    ({"region": "110000"}, "region"),
    ({"programme": "16"}, "programme"), ({"type": "magic"}, "type"), ({"trl_min": "0"}, "trl_min"),
    ({"trl_min": "7", "trl_max": "3"}, "trl_min"), ({"sort": "price"}, "sort"), ({"dual_use": "perhaps"}, "dual_use"),
])
def test_bad_query_parameters_are_400_naming_them(api, params, field):
    response = api.get("/api/v1/achievements", params=params)
    assert response.status_code == 400
    assert response.json()["fields"][0]["path"] == field


@pytest.mark.integration
def test_other_services_fetch_published_summaries_over_rpc(rpc_api):
    """RPC over RabbitMQ, in a vhost of its own so no other registry instance answers."""
    achievement_id = published(rpc_api, "川西高原光伏储能成果", keywords=["光伏"])
    with rpc_api.rpc() as cluster:
        summary = cluster.registry.get_published_achievement(achievement_id)
        assert summary["id"] == achievement_id and summary["title"] == "川西高原光伏储能成果"
        assert len(summary["registration_number"]) == 12
        assert cluster.registry.get_published_achievement("no-such-achievement") is None


@pytest.mark.integration
def test_a_query_reads_at_most_its_budget_and_its_cursor_goes_on_from_there(api, monkeypatch):
    """A common indexed term with a rare second one: short pages within the budget, nothing lost or repeated."""
    from registry import search as rules

    target = published(api, "预算测试甲成果", keywords=["预算测试", "罕见词"])
    for n in range(3):
        published(api, f"预算测试乙成果{n}", keywords=["预算测试"])
    monkeypatch.setattr(rules, "SCAN_BUDGET", 2)
    pages, cursor = [], None
    while True:
        page = search(api, q="预算测试 罕见词", **({"cursor": cursor} if cursor else {}))
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages[0] == []  # the two newest read, neither matched: a short page that goes on
    assert [i for page in pages for i in page] == [target]
