"""The portal's own rules, without a server: sessions, CSRF, where to go after sign-in, display formats, the charts'
data and the label catalogue (checked against the services' own tables of the same codes)."""
from datetime import datetime, timedelta, timezone

from ttp_common import labels
from portal import sessions
from portal.entrypoints.public import chart_series
from portal.pages import time_left, yuan

T0 = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
IDLE, MAX = timedelta(minutes=30), timedelta(hours=12)


def test_a_session_ends_after_its_idle_time_or_its_maximum_age_whichever_comes_first():
    assert sessions.ends_at(T0, T0, IDLE, MAX) == T0 + IDLE
    late_use = T0 + timedelta(hours=11, minutes=50)
    assert sessions.ends_at(T0, late_use, IDLE, MAX) == T0 + MAX  # used all day: still ends 12 h after sign-in
    live = {"started_at": T0, "last_seen_at": T0 + timedelta(minutes=10)}
    assert sessions.is_live(live, T0 + timedelta(minutes=39), IDLE, MAX)
    assert not sessions.is_live(live, T0 + timedelta(minutes=40), IDLE, MAX)


def test_an_access_token_is_refreshed_shortly_before_it_expires():
    expires = T0 + timedelta(minutes=15)
    assert not sessions.needs_refresh(expires, T0)
    assert sessions.needs_refresh(expires, expires - timedelta(seconds=10))
    assert sessions.needs_refresh(None, T0)


def test_the_cookie_key_is_not_what_is_stored_and_keys_do_not_repeat():
    key, stored = sessions.new_key()
    assert stored == sessions.key_id(key) and key not in stored and len(key) >= 40
    assert len({sessions.new_key()[0] for _ in range(100)}) == 100


def test_csrf_tokens_must_match_exactly_and_be_present():
    token = sessions.new_csrf_token()
    assert sessions.csrf_ok(token, token)
    for given in (None, "", token[:-1], token + "x", token.upper() if token.upper() != token else token + "A"):
        assert not sessions.csrf_ok(token, given)
    assert not sessions.csrf_ok(None, None) and not sessions.csrf_ok("", "")


def test_after_sign_in_only_a_path_of_the_portal_is_followed():
    assert sessions.safe_next("/achievements?q=光伏") == "/achievements?q=光伏"
    for evil in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", None, 42, ""):
        assert sessions.safe_next(evil) == "/"


def test_amounts_and_time_left_read_as_people_expect():
    assert yuan("200000000000") == "¥200,000,000,000.00"
    assert yuan("12.5") == "¥12.50" and yuan(None) == "" and yuan("n/a") == "n/a"
    ends = "2026-12-02T09:01:05Z"
    assert time_left(ends, now=T0) == "1小时1分5秒"
    assert time_left("2026-12-04T10:30:00Z", now=T0) == "2天2小时30分"
    assert time_left("2026-12-02T07:59:59Z", now=T0) == "已结束"


def test_the_home_charts_get_numbers_with_their_chinese_labels():
    targets = [{"key": "contract_turnover", "label": "技术合同登记交易额", "unit": "yuan", "goal": "200000000000",
                "value": "10300000.00", "expected": "150000000000.00",
                "breakdowns": {"year": [{"year": 2026, "value": "10300000.00"}],
                               "contract_type": [{"contract_type": "licence", "label": "技术许可", "value": "300000"}],
                               "region": []}}]
    [chart] = chart_series(targets)
    assert chart["goal"] == 2e11 and chart["value"] == 10300000.0
    assert chart["breakdowns"] == {"year": [["2026", 10300000.0]], "contract_type": [["技术许可", 300000.0]]}
    assert chart_series(None) == []


def test_every_code_has_its_chinese_label_and_an_unknown_code_shows_as_itself():
    assert labels.label("regions", "510100") == "成都市" and labels.label("regions", "510000") == "四川省"
    assert labels.label("programmes", "14") == "军民融合科技成果转化专项"
    assert labels.label("states.auction", "unsold") == "流拍"
    assert labels.label("achievement_types", "new_kind") == "new_kind"
    assert labels.label("programmes", None) == ""
    served = labels.as_json()
    assert served["programmes"]["1"].startswith("新一代信息技术") and served["states"]["achievement"]["returned"] == "已退回"


def test_the_catalogue_holds_every_code_the_services_use():
    """The services keep their own tables of these codes (their rules need them): a code added there without a
    label here fails."""
    from finance.projects import PROGRAMMES
    from metrics.plan import TASK_STATUSES
    from registry.achievements import ACHIEVEMENT_TYPES, STATUSES as ACHIEVEMENT_STATUSES
    from registry.organizations import ORGANIZATION_KINDS
    from transactions.auctions import STATUSES as AUCTION_STATUSES
    from transactions.contracts import CONTRACT_STATUSES, CONTRACT_TYPES
    from registry.ip import KINDS as IP_KINDS
    from transactions.listings import LICENCE_KINDS, LISTING_MODES, TRANSFER_MODES

    assert labels.ORGANIZATION_KINDS == ORGANIZATION_KINDS
    assert labels.ACHIEVEMENT_TYPES == ACHIEVEMENT_TYPES
    assert labels.CONTRACT_TYPES == CONTRACT_TYPES
    assert labels.LISTING_MODES == LISTING_MODES
    assert labels.IP_KINDS == IP_KINDS
    assert labels.TRANSFER_MODES == TRANSFER_MODES and labels.LICENCE_KINDS == LICENCE_KINDS
    assert labels.PROGRAMMES == PROGRAMMES
    assert set(labels.STATES["achievement"]) == set(ACHIEVEMENT_STATUSES)
    assert set(labels.STATES["auction"]) == set(AUCTION_STATUSES)
    assert set(labels.STATES["contract"]) == set(CONTRACT_STATUSES)
    assert set(labels.STATES["task"]) == set(TASK_STATUSES)


def test_the_registrys_field_errors_land_beside_their_fields_in_chinese_and_nothing_is_dropped():
    from portal.drafts import body_of, field_errors
    from portal.upstream import Refused

    refusal = Refused(400, "validation_failed", "3 invalid field(s)", [
        {"path": "trl", "message": "Input should be less than or equal to 9"},
        {"path": "contributors.0.name", "message": "String should have at least 2 characters"},
        {"path": "funding.fiscal", "message": "something new the registry says"}])
    assert field_errors(refusal) == {"trl": "不能大于 9", "contributor": "至少需要 2 个字",
                                     "": "something new the registry says"}
    assert field_errors(Refused(409, "conflict", "already registered")) == {"": "already registered"}
    body = body_of({"title": " 高原光伏 ", "keywords": "光伏、储能，微网", "trl": "x7", "programme": "6",
                    "contributor": "李四"}, "org-1")
    assert body["title"] == "高原光伏" and body["keywords"] == ["光伏", "储能", "微网"]
    assert body["trl"] == "x7" and body["programme"] == 6  # not a number: sent as typed, the registry says why
    assert body["organization_ids"] == ["org-1"] and body["contributors"] == [{"name": "李四", "share": "100"}]
