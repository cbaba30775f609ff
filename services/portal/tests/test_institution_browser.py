"""The institution staff pages in a real browser (Playwright driving Debian's Chromium, headless) against real
registry, transactions and talent services and the portal: a university's clerk lists a published achievement and
withdraws the listing, publishes and withdraws a demand, files the annual report (its deadline shown), sees the
reviewer's return reasons and files it again, records a reward plan and sees its findings against article 45 in
Chinese, and imports achievements from a file with a row-by-row report; each form refuses a wrong field beside it
with what was typed kept; another organization's listing and report stay out of reach by their address.

The clerk's browser session is stored in the portal's database with an access token the identity service signed
for the new university's organization (its accounts are identity's development ones, of other organizations); the
sign-in itself is ``test_browser``'s."""
import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from ttp_common.reference import uscc_check_character
from ttp_testing import tokens, wait_for
from ttp_testing.browser import run_steps

from portal.sessions import new_csrf_token, new_key

from _portal import platform, publish

pytestmark = pytest.mark.integration

STEPS = Path(__file__).with_name("institution_steps.py")
BROWSER_STEPS = Path(__file__).with_name("browser_steps.py")  # its visit step
COOKIE = "ttp_portal_session"
YEAR = date.today().year - 1  # the report due now (China's calendar agrees but on New Year's night)


@pytest.fixture(scope="module")
def stack():
    with platform(services=("registry", "transactions", "talent")) as running:
        with running.portal() as (url, db, client):
            running.portal_url, running.portal_db = url, db
            yield running


def university(stack, name):
    first17 = f"12510100MB{random.randrange(10**7):07d}"
    made = requests.post(f"{stack.urls['registry']}/api/v1/organizations", timeout=10,
                         headers={"Authorization": f"Bearer {stack.token('admin')}"},
                         json={"name": name, "credit_code": first17 + uscc_check_character(first17), "kind": "university",
                               "region_code": "510100", "supervising_department": "四川省教育厅"})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def clerk(stack, org, tmp_path, person=None):
    """A signed-in browser of an institution clerk of ``org`` (``person``: another person of it, with a token of
    their own): (Playwright storage state file, cookies, CSRF token)."""
    sub = f"{person or 'clerk'}-{org}"
    token = tokens.token("institution", sub, signer=stack._sign, org=org) if person else stack.token("institution", org=org)
    return stored_session(stack, tmp_path, sub, {"sub": sub, "role": "institution", "org": org, "region": None,
                                                 "username": sub, "name": "高校经办人（测试）"}, token)


def stored_session(stack, tmp_path, name, user, token):
    """A browser session of ``user`` holding ``token``, stored in the portal's database as a sign-in stores it:
    (Playwright storage state file, cookies, CSRF token)."""
    key, session_id = new_key()
    now = datetime.now(timezone.utc)
    csrf = new_csrf_token()
    stack.portal_db["sessions"].insert_one({
        "_id": session_id, "started_at": now, "last_seen_at": now, "expires_at": now + timedelta(hours=1),
        "csrf_token": csrf, "user": user, "access_token": token, "refresh_token": "unused",
        "access_expires_at": now + timedelta(minutes=50)})
    state = tmp_path / f"{name}.json"
    state.write_text(json.dumps({"cookies": [{"name": COOKIE, "value": key, "domain": "127.0.0.1", "path": "/",
                                              "expires": -1, "httpOnly": True, "secure": False, "sameSite": "Lax"}],
                                 "origins": []}))
    return state, {COOKIE: key}, csrf


def api(stack, service, method, path, token, **kwargs):
    return requests.request(method, f"{stack.urls[service]}{path}", headers={"Authorization": f"Bearer {token}"},
                            timeout=10, **kwargs)


@pytest.fixture(scope="module")
def org(stack):
    return university(stack, "西南交通大学（测试）")


@pytest.fixture(scope="module")
def published(stack, org):
    """Two published achievements of the university, known to transactions' and talent's replicas."""
    first = publish(stack, "高寒地区储能电池热管理技术", org=org)
    second = publish(stack, "轨道交通接触网智能巡检技术", org=org)
    owner = stack.token("institution", org=org)
    probe = {"achievement_id": second, "mode": "licence", "asking_price": "300000"}
    wait_for(lambda: api(stack, "transactions", "POST", "/api/v1/listings", owner, json=probe).status_code == 201,
             timeout=30, message="transactions' replica of the published achievements")
    plan = {"organization_id": org, "achievement_id": second, "mode": "licence", "occurred_on": "2026-04-01",
            "net_income_yuan": "100000", "allocations": [{"person_id": "person-probe", "cash_yuan": "60000"}]}
    wait_for(lambda: api(stack, "talent", "POST", "/api/v1/rewards", owner, json=plan).status_code == 201,
             timeout=30, message="talent's replica of the published achievements")
    # the probes used the second one; the first one's events have a key (a partition) of their own, and the
    # tests act on it: wait, without writing anything, until both replicas hold it as published as well
    for service in ("transactions", "talent"):
        replicas = stack.mongo[stack.services.dbs[service]]["achievements"]
        wait_for(lambda: replicas.find_one({"_id": first, "status": "published"}), timeout=30,
                 message=f"{service}' replica of the first published achievement")
    return first, second


def test_a_clerk_lists_and_withdraws_and_publishes_and_withdraws_a_demand_and_another_org_cannot_reach_the_listing(
        stack, org, published, tmp_path):
    state, cookies, _ = clerk(stack, org, tmp_path)
    page = requests.get(f"{stack.portal_url}/my/achievements/{published[0]}", cookies=cookies, timeout=10).text
    assert f'href="/my/listings/new?achievement={published[0]}"' in page  # a published one's page offers both
    assert f'href="/my/rewards/new?achievement={published[0]}"' in page
    deadline = (date.today() + timedelta(days=60)).isoformat()
    done = run_steps(STEPS, "market", portal=stack.portal_url, state_file=str(state), achievement_id=published[0],
                     wrong_price="十二万", price="1200000", demand_title="锂电池低温热管理方案征集",
                     past_deadline="2020-01-01", deadline=deadline)
    assert done["listing_refused"]["invalid"] == "true" and done["listing_refused"]["errors"] == 1
    assert done["listing_refused"]["error"] == "请填写金额（元，最多两位小数）"
    assert done["listing_refused"]["kept"] == "十二万" and done["listing_refused"]["description_kept"] == "可提供技术培训与现场指导。"
    assert done["listing_refused"]["achievement_kept"] == published[0]
    assert "挂牌中" in done["listed"] and "¥1,200,000.00" in done["listed"] and not done["wider_than_screen"]
    assert done["withdraw_refused"]["error"] and done["withdraw_refused"]["invalid"] == "true"
    assert done["after_withdrawal"] == 0
    owner = stack.token("institution", org=org)
    listing = api(stack, "transactions", "GET", f"/api/v1/listings/{done['listing_id']}", owner).json()
    assert listing["status"] == "withdrawn" and listing["seller_organization_id"] == org
    assert done["demand_refused"] == {"error": "不能早于今天", "invalid": "true", "errors": 1,
                                      "title_kept": "锂电池低温热管理方案征集"}
    assert "锂电池低温热管理方案征集" in done["demand_listed"] and "¥500,000.00" in done["demand_listed"]
    assert done["demand_after"] == 0
    demand = api(stack, "transactions", "GET", f"/api/v1/demands/{done['demand_id']}", owner).json()
    assert demand["status"] == "withdrawn" and demand["organization_id"] == org

    # another organization's clerk: the open listing's withdrawal form is not theirs, and a post is refused
    [open_listing] = api(stack, "transactions", "GET", "/api/v1/listings", owner, params={"seller": org}).json()["items"]
    other_state, other_cookies, other_csrf = clerk(stack, "org-someone-else", tmp_path)
    seen = run_steps(BROWSER_STEPS, "visit", portal=stack.portal_url, state_file=str(other_state),
                     path=f"/my/listings/{open_listing['id']}/withdraw")
    assert seen["status"] == 404 and "本单位没有这个挂牌项目" in seen["main"]
    posted = requests.post(f"{stack.portal_url}/my/listings/{open_listing['id']}/withdraw", cookies=other_cookies,
                           data={"csrf_token": other_csrf, "reason": "冒名撤牌"}, allow_redirects=False, timeout=10)
    assert posted.status_code in (403, 404)
    assert api(stack, "transactions", "GET", f"/api/v1/listings/{open_listing['id']}", owner).json()["status"] == "open"


def test_a_university_files_its_annual_report_sees_the_return_reasons_and_files_it_again(stack, tmp_path):
    org = university(stack, "成都信息工程大学（测试）")
    state, cookies, _ = clerk(stack, org, tmp_path)
    done = run_steps(STEPS, "annual_report", portal=stack.portal_url, state_file=str(state), short_summary="成效显著",
                     summary="全年转化科技成果十六项，成效显著，面临专业人才不足的问题。")
    assert done["opened"]["url"].endswith(f"/my/annual-reports/{org}:{YEAR}")
    assert done["opened"]["deadline"].startswith(f"{YEAR + 1}-02-28") and done["opened"]["status"] == "未报送"
    assert done["refused"] == {"error": "至少需要 10 个字", "invalid": "true", "errors": 1, "kept": "1500000",
                               "summary_kept": "成效显著"}
    assert done["filed"]["status"] == "待审核" and "¥1,500,000.00" in done["filed"]["deals"]
    report_id = f"{org}:{YEAR}"
    returned = api(stack, "registry", "POST", f"/api/v1/annual-reports/{report_id}/return",
                   stack.token("reviewer", region="510100"), json={"reasons": ["作价投资金额缺少评估报告"]})
    assert returned.status_code == 200, returned.text
    again = run_steps(STEPS, "resubmit_report", portal=stack.portal_url, state_file=str(state),
                      path=f"/my/annual-reports/{report_id}", summary="全年转化科技成果十六项，已补充作价投资的评估报告。")
    assert again["returned"]["status"] == "已退回" and "作价投资金额缺少评估报告" in again["returned"]["reasons"]
    assert again["returned"]["kept"] == "1500000.00" or again["returned"]["kept"].startswith("1500000")
    assert again["status"] == "待审核"
    stored = api(stack, "registry", "GET", f"/api/v1/annual-reports/{report_id}", stack.token("admin")).json()
    assert stored["status"] == "submitted" and "评估报告" in stored["summary"]
    # another organization's report by its id in the address bar: not found, and nothing of it shown
    other = university(stack, "四川轻化工大学（测试）")
    api(stack, "registry", "POST", "/api/v1/annual-reports", stack.token("institution", org=other), json={
        "year": YEAR, "organization_id": other, **{d: {"count": 1, "amount_yuan": "1"} for d in (
            "transfers", "licences", "equity_investments", "cooperation_contracts")},
        "rewards_paid_yuan": "0", "rewarded_people": 0, "summary": "他单位的年度报告内容，不应被看到。"})
    page = requests.get(f"{stack.portal_url}/my/annual-reports/{other}:{YEAR}", cookies=cookies, timeout=10)
    assert page.status_code == 404 and "不应被看到" not in page.text


def test_a_reward_plan_is_recorded_and_its_findings_against_article_45_are_shown_in_chinese(
        stack, org, published, tmp_path):
    state, _, _ = clerk(stack, org, tmp_path)
    done = run_steps(STEPS, "reward", portal=stack.portal_url, state_file=str(state), achievement_id=published[0],
                     person_id="person-zhang-san")
    assert done["refused"] == {"error": "此转化方式不填此项", "invalid": "true", "errors": 1, "kept": "300000",
                               "income_kept": "1000000"}
    assert done["shown"]["compliance"] == "不符合"
    assert done["shown"]["findings"] == ["奖励为所得的 30.0000%，低于 促进科技成果转化法(2015) 第四十五条 规定的最低 50%"]
    plans = api(stack, "talent", "GET", "/api/v1/rewards", stack.token("institution", org=org),
                params={"achievement_id": published[0]}).json()["items"]
    assert [p["id"] for p in plans] == [done["reward_id"]] and plans[0]["check"]["compliant"] is False


def test_a_file_is_imported_with_a_row_by_row_report_and_the_template_has_the_chinese_headers(
        stack, org, tmp_path):
    from ttp_common.achievement_rows import template_headers

    state, _, _ = clerk(stack, org, tmp_path)
    header = ",".join(template_headers())
    row = "{key},{title},应用技术,用于川西高原的分布式光伏并网与储能协同控制。,光伏；储能,新能源,6,{trl},510100,{org},张三:100,否,,否,"
    good = tmp_path / "成果.csv"
    good.write_text("\n".join([header, row.format(key="HIST-1", title="分布式光伏并网控制", trl="7", org=org),
                               row.format(key="HIST-2", title="储能变流器", trl="12", org=org)]) + "\n",
                    encoding="utf-8-sig")
    bad = tmp_path / "缺列.csv"
    bad.write_text("成果名称\n某成果\n", encoding="utf-8")
    template = tmp_path / "template.csv"
    done = run_steps(STEPS, "bulk_import", portal=stack.portal_url, state_file=str(state), good_file=str(good),
                     bad_file=str(bad), template_to=str(template))
    assert template.read_text(encoding="utf-8-sig").splitlines()[0] == header
    assert "缺少必需的列：登记编号" in done["refused"]
    assert done["rows"][0][:2] == ["2", "已导入为草稿"] and done["rows"][0][3] == "查看草稿"
    assert done["rows"][1] == ["3", "未导入", "技术成熟度", "不能大于 9"]
    assert "已导入为草稿 1 行" in done["counts"] and "未导入 1 行" in done["counts"]
    drafts = api(stack, "registry", "GET", f"/api/v1/organizations/{org}/achievements",
                 stack.token("institution", org=org), params={"status": "draft"}).json()["items"]
    assert [a["title"] for a in drafts] == ["分布式光伏并网控制"]
    exposed = requests.get(f"{stack.portal_url}/metrics", timeout=10).text
    assert 'ttp_portal_institution_actions_total{action="import",outcome="done"} 1.0' in exposed
    assert 'ttp_portal_institution_actions_total{action="import",outcome="refused"} 1.0' in exposed
