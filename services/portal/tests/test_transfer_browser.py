"""The transfer pages in a real browser (Playwright driving Debian's Chromium, headless) against real registry and
transactions services and the portal: a university's clerk opens an auction on one of its listings (a past end
refused beside the field, the prices kept) and reaches its public page; files the technical income a registered
contract brought (more than its 技术交易额 refused beside the amount), the registrar returns it, the clerk corrects
it, the registrar verifies less with a reason (none refused beside the reason) and downloads the queue; a
researcher discloses a duty achievement (a short summary refused beside it) and may not decide on it, another
person of the university decides and makes it an achievement draft, an overdue one is marked. Another
organization's listing, contract and disclosure stay out of reach by their address.

The browsers' sessions are stored in the portal's database with access tokens the identity service signed
(``test_institution_browser.clerk``); the sign-in itself is ``test_browser``'s."""
from datetime import date, datetime, timedelta, timezone

import pytest
import requests
from openpyxl import load_workbook

from ttp_testing import wait_for
from ttp_testing.browser import run_steps

from _portal import platform, publish
from test_institution_browser import BROWSER_STEPS, api, clerk, stored_session, university

pytestmark = pytest.mark.integration

STEPS = __import__("pathlib").Path(__file__).with_name("transfer_steps.py")
CHINA = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def stack():
    with platform(services=("registry", "transactions")) as running:
        with running.portal() as (url, db, client):
            running.portal_url, running.portal_db = url, db
            yield running


@pytest.fixture(scope="module")
def org(stack):
    return university(stack, "电子科技大学（测试）")


def registrar(stack, tmp_path):
    user = {"sub": "registrar-chengdu-test", "role": "registrar", "org": None, "region": "510100",
            "username": "registrar-chengdu-test", "name": "成都市登记员（测试）"}
    return stored_session(stack, tmp_path, "registrar", user, stack.token("registrar", region="510100"))


def test_a_clerk_opens_an_auction_on_a_listing_and_another_org_cannot(stack, org, tmp_path):
    achievement = publish(stack, "锂电池储能系统热失控预警技术", org=org)
    owner = stack.token("institution", org=org)
    listing = {}

    def listed():
        made = api(stack, "transactions", "POST", "/api/v1/listings", owner,
                   json={"achievement_id": achievement, "mode": "transfer", "asking_price": "250000"})
        listing.update(made.json() if made.status_code == 201 else {})
        return made.status_code == 201

    wait_for(listed, timeout=30, message="transactions' replica of the published achievement")
    state, _, _ = clerk(stack, org, tmp_path)
    end = (datetime.now(CHINA) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    done = run_steps(STEPS, "auction", portal=stack.portal_url, state_file=str(state), listing_id=listing["id"],
                     past_end="2020-01-01T10:00", end=end)
    assert done["refused"] == {"error": "必须晚于开拍时间和现在", "invalid": "true", "errors": 1, "kept": "200000",
                               "increment_kept": "5000"}
    assert done["shown"]["status"] == "竞价中" and done["shown"]["price"] == "¥200,000.00"
    assert not done["shown"]["wider_than_screen"]
    assert done["linked"] == [f"/auctions/{done['auction_id']}"]
    made = api(stack, "transactions", "GET", f"/api/v1/auctions/{done['auction_id']}", owner).json()
    assert made["listing_id"] == listing["id"] and made["seller_organization_id"] == org
    assert made["start_price"] in ("200000", "200000.00") and made["ends_at"].startswith(
        (datetime.now(CHINA) + timedelta(days=3)).astimezone(timezone.utc).strftime("%Y-%m-%d"))

    # another organization's clerk: the listing's auction form is not theirs, and a post opens nothing
    other_state, other_cookies, other_csrf = clerk(stack, "org-someone-else", tmp_path)
    seen = run_steps(BROWSER_STEPS, "visit", portal=stack.portal_url, state_file=str(other_state),
                     path=f"/my/listings/{listing['id']}/auction")
    assert seen["status"] == 404 and "本单位没有这个挂牌项目" in seen["main"]
    posted = requests.post(f"{stack.portal_url}/my/listings/{listing['id']}/auction", cookies=other_cookies,
                           timeout=10, allow_redirects=False,
                           data={"csrf_token": other_csrf, "start_price": "1", "increment": "1", "ends_at": end})
    assert posted.status_code in (403, 404)
    auctions = api(stack, "transactions", "GET", "/api/v1/auctions", owner, params={"listing_id": listing["id"]})
    assert [a["id"] for a in auctions.json()["items"]] == [done["auction_id"]]


def test_technical_income_is_filed_returned_corrected_and_verified(stack, org, tmp_path):
    seller = stack.token("institution", org=org)
    made = api(stack, "transactions", "POST", "/api/v1/contracts", seller, json={
        "contract_type": "transfer", "title": "储能热管理技术转让合同", "contract_amount": "800000",
        "technology_transaction_amount": "600000", "seller_organization_id": org,
        "buyer_name": "成都高新区某储能企业", "region_code": "510100"})
    assert made.status_code == 201, made.text
    contract_id = made.json()["id"]
    registered = api(stack, "transactions", "POST", f"/api/v1/contracts/{contract_id}/register",
                     stack.token("registrar", region="510100"), json={})
    assert registered.status_code == 200, registered.text
    state, cookies, _ = clerk(stack, org, tmp_path)
    filed = run_steps(STEPS, "file_income", portal=stack.portal_url, state_file=str(state), contract_id=contract_id,
                      too_much="700000", amount="300000")
    assert filed["refused"] == {"error": "申报和已核定的技术性收入合计不能超过合同的技术交易额 600000.00 元",
                                "invalid": "true", "errors": 1, "kept": "700000", "note_kept": "第一期技术转让费"}
    assert filed["filed"] == {"status": "待核定", "amount": "¥300,000.00"}
    income_id = filed["income_id"]

    officer, officer_cookies, _ = registrar(stack, tmp_path)
    returned = run_steps(STEPS, "return_income", portal=stack.portal_url, state_file=str(officer),
                         income_id=income_id, reason="缺少银行到账凭证")
    assert returned == {"queued": {"status": "待核定", "amount": "¥300,000.00"}, "still_queued": 0}
    again = run_steps(STEPS, "refile_income", portal=stack.portal_url, state_file=str(state), contract_id=contract_id,
                      income_id=income_id, amount="280000")
    assert again["returned"] == {"status": "已退回", "reasons": "缺少银行到账凭证"}
    assert again["kept"].startswith("300000") and again["status"] == "待核定"

    sheet = tmp_path / "verified.xlsx"
    verified = run_steps(STEPS, "verify_income", portal=stack.portal_url, state_file=str(officer),
                         income_id=income_id, reduced="250000", reason="其中三万元为设备款，不属于技术性收入",
                         download_to=str(sheet))
    assert verified["refused"] == {"error": "核定金额低于申报金额时须填写核减理由", "invalid": "true", "kept": "250000"}
    assert verified["still_queued"] == 0 and verified["verified"] == "已核定"
    rows = list(load_workbook(sheet).active.iter_rows(values_only=True))
    header = rows[2]
    [row] = [dict(zip(header, r)) for r in rows[3:] if r[0] == contract_id]
    assert row["状态"] == "已核定" and row["核定金额（元）"] == 250000 and row["申报金额（元）"] == 280000
    assert row["核减理由"] == "其中三万元为设备款，不属于技术性收入" and row["地区"] == "成都市"
    mine = run_steps(STEPS, "verified_income", portal=stack.portal_url, state_file=str(state), contract_id=contract_id)
    assert mine["verified_income"] == "¥250,000.00"
    stored = api(stack, "transactions", "GET", f"/api/v1/contracts/{contract_id}/income", seller).json()
    assert stored["verified_income"] in ("250000", "250000.00") and [f["status"] for f in stored["items"]] == ["verified"]

    # another organization's clerk: neither the contract's income page nor a filing of it
    _, other_cookies, other_csrf = clerk(stack, "org-someone-else", tmp_path)
    page = requests.get(f"{stack.portal_url}/my/contracts/{contract_id}/income", cookies=other_cookies, timeout=10)
    assert page.status_code == 404 and "储能热管理技术转让合同" not in page.text
    posted = requests.post(f"{stack.portal_url}/my/contracts/{contract_id}/income", cookies=other_cookies, timeout=10,
                           allow_redirects=False, data={"csrf_token": other_csrf, "amount": "1",
                                                        "received_from": "2026-01-01", "received_to": "2026-01-02"})
    assert posted.status_code == 404
    assert len(api(stack, "transactions", "GET", f"/api/v1/contracts/{contract_id}/income", seller).json()["items"]) == 1


def test_a_disclosure_is_decided_by_another_person_and_becomes_a_draft_and_an_overdue_one_is_marked(
        stack, org, tmp_path):
    researcher, _, _ = clerk(stack, org, tmp_path, person="researcher")
    done = run_steps(STEPS, "disclose", portal=stack.portal_url, state_file=str(researcher),
                     title="高倍率储能电池热管理系统", short_summary="储能",
                     summary="面向电网侧储能电站的高倍率电池液冷热管理系统，已完成样机测试。")
    assert done["refused"] == {"error": "至少需要 10 个字", "invalid": "true", "errors": 1,
                               "title_kept": "高倍率储能电池热管理系统", "basis_kept": "institution_resources"}
    assert done["shown"]["status"] == "待决定" and "高倍率储能电池热管理系统" in done["shown"]["h1"]
    assert done["own_decision"]["error"] == "披露人本人不能对自己的披露作出决定，须由本单位其他人员决定"
    assert done["own_decision"]["reasons_kept"] == "拟转让给省内储能企业。"
    disclosure_id = done["disclosure_id"]
    admin = stack.token("admin")
    stored = api(stack, "registry", "GET", f"/api/v1/disclosures/{disclosure_id}", admin).json()
    assert stored["status"] == "disclosed" and stored["basis"] == "institution_resources"
    assert stored["disclosed_by"] == f"researcher-{org}"

    state, _, _ = clerk(stack, org, tmp_path)
    decided = run_steps(STEPS, "decide", portal=stack.portal_url, state_file=str(state), disclosure_id=disclosure_id)
    assert decided["listed"] == {"status": "待决定", "overdue": ""}
    assert decided["decided"] == {"status": "已决定", "decision": "转让"}
    assert decided["drafted"] == f"/my/achievements/{decided['achievement_id']}"
    draft = api(stack, "registry", "GET", f"/api/v1/achievements/{decided['achievement_id']}",
                stack.token("institution", org=org)).json()
    assert draft["status"] == "draft" and draft["title"] == "高倍率储能电池热管理系统"

    # one left undecided past its due date: the registry's check flags it, and the list marks it 逾期
    late = api(stack, "registry", "POST", "/api/v1/disclosures", stack.token("institution", org=org), json={
        "basis": "job_duties", "achievement": {
            "title": "川西高原光伏组件除尘机器人", "type": "applied", "summary": "适用于高海拔光伏电站的无水除尘机器人。",
            "keywords": ["光伏"], "industry": "新能源", "programme": 6, "trl": 5, "region_code": "510100",
            "organization_ids": [org], "contributors": [{"name": "赵六", "share": "100"}],
            "funding": {"fiscal": False}, "patents": []}})
    assert late.status_code == 201, late.text
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    stack.mongo[stack.services.dbs["registry"]]["disclosures"].update_one(
        {"_id": late.json()["id"]}, {"$set": {"due_date": yesterday}})  # as if its decision period had passed
    checked = api(stack, "registry", "POST", "/api/v1/disclosures/overdue-check", admin)
    assert late.json()["id"] in checked.json()["flagged"], checked.text
    marked = run_steps(STEPS, "overdue_list", portal=stack.portal_url, state_file=str(state))
    assert marked == {"overdue": [f"disclosure-{late.json()['id']}"], "marks": 1}

    # another organization's clerk: the disclosure is not found, and a decision posted is refused
    other_state, other_cookies, other_csrf = clerk(stack, "org-someone-else", tmp_path)
    seen = run_steps(BROWSER_STEPS, "visit", portal=stack.portal_url, state_file=str(other_state),
                     path=f"/my/disclosures/{late.json()['id']}")
    assert seen["status"] == 404 and "川西高原光伏组件除尘机器人" not in seen["main"]
    posted = requests.post(f"{stack.portal_url}/my/disclosures/{late.json()['id']}/decision", cookies=other_cookies,
                           timeout=10, allow_redirects=False,
                           data={"csrf_token": other_csrf, "decision": "transfer", "reasons": "冒名决定"})
    assert posted.status_code in (403, 404)
    assert api(stack, "registry", "GET", f"/api/v1/disclosures/{late.json()['id']}", admin).json()["status"] == "disclosed"
