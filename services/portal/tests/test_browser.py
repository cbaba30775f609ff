"""The portal in a real browser (Playwright driving Debian's Chromium, headless, in a process of its own) against
real services: identity, registry, transactions, metrics and the portal run as ``nameko run`` processes against the
real local servers.

A person signs in through the identity service's pages and out again (the session is gone, its cookie worth
nothing, its refresh token revoked); a form posted without its CSRF token is refused; an access token near its end
is refreshed; the public pages render at phone width, and search finds a published achievement by a Chinese
keyword; every public page still renders with a service stopped, that part saying 暂不可用."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

from ttp_testing import nameko_run
from ttp_testing.browser import run_steps

from portal.sessions import key_id

from _portal import ORG, SERVICES, achievement, platform, publish

pytestmark = pytest.mark.integration

STEPS = Path(__file__).with_name("browser_steps.py")
PUBLIC_PAGES = ["/", "/achievements", "/listings", "/demands", "/auctions", "/institutions", "/tasks"]
# which service each public page's parts come from
PAGE_SERVICES = {"/": {"metrics", "registry"}, "/achievements": {"registry"}, "/listings": {"transactions"},
                 "/demands": {"transactions"}, "/auctions": {"transactions"}, "/institutions": {"registry"},
                 "/tasks": {"metrics"}}
COOKIE = "ttp_portal_session"


@pytest.fixture(scope="module")
def stack():
    with platform() as running:
        with running.portal() as (url, db, client):
            running.portal_url, running.portal_db, running.client = url, db, client
            yield running


def signed_in(stack, tmp_path, username="dev-institution"):
    state = tmp_path / f"{username}.json"
    seen = run_steps(STEPS, "sign_in", portal=stack.portal_url, identity=stack.urls["identity"], username=username,
                     password=stack.secrets["accounts"][username]["password"], state_file=str(state))
    [cookie] = [c for c in seen["cookies"] if c["name"] == COOKIE]
    return seen, cookie, state


def session_of(stack, username="dev-institution"):
    found = [s for s in stack.portal_db["sessions"].find({"access_token": {"$exists": True}})
             if s.get("user", {}).get("username") == username]
    assert len(found) == 1, found
    return found[0]


def me(stack, cookie):
    return requests.get(stack.portal_url + "/me", cookies={COOKIE: cookie["value"]}, allow_redirects=False, timeout=10)


def test_the_institution_user_signs_in_through_the_identity_service_and_signing_out_ends_the_session(stack, tmp_path):
    seen, cookie, state = signed_in(stack, tmp_path)
    assert seen["sign_in_url"].startswith(stack.urls["identity"] + "/oauth/authorize")
    assert "演示机构经办人（开发）" in seen["header"] and "机构经办人" in seen["header"]
    assert seen["me_heading"] == "我的账户" and ORG in seen["me"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    stored = session_of(stack)
    assert stored["_id"] != cookie["value"]  # the database keeps a digest of the key, not the key

    out = run_steps(STEPS, "sign_out", portal=stack.portal_url, identity=stack.urls["identity"], state_file=str(state))
    assert out["login_link_after"]
    assert out["me_leads_to"].startswith(stack.urls["identity"] + "/oauth/authorize")  # asks for the password again
    assert stack.portal_db["sessions"].count_documents({"_id": stored["_id"]}) == 0
    replay = me(stack, cookie)  # the old cookie is worth nothing
    assert replay.status_code == 303 and replay.headers["Location"].startswith("/auth/login")
    refreshed = requests.post(stack.urls["identity"] + "/oauth/token", timeout=10, auth=stack.client,
                              data={"grant_type": "refresh_token", "refresh_token": stored["refresh_token"]})
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"  # revoked at sign-out


def test_a_form_posted_without_its_csrf_token_or_with_another_is_refused(stack, tmp_path):
    _, cookie, _ = signed_in(stack, tmp_path)
    stored = session_of(stack)
    for form in ({}, {"csrf_token": "not-the-token"}, {"csrf_token": ""}):
        refused = requests.post(stack.portal_url + "/auth/logout", data=form, cookies={COOKIE: cookie["value"]},
                                allow_redirects=False, timeout=10)
        assert refused.status_code == 403 and "请求无效" in refused.text
    assert me(stack, cookie).status_code == 200  # still signed in: nothing was done
    page = me(stack, cookie).text
    assert f'name="csrf_token" value="{stored["csrf_token"]}"' in page  # the page's own form carries the token
    ok = requests.post(stack.portal_url + "/auth/logout", data={"csrf_token": stored["csrf_token"]},
                       cookies={COOKIE: cookie["value"]}, allow_redirects=False, timeout=10)
    assert ok.status_code == 303 and me(stack, cookie).status_code == 303


def test_an_access_token_near_its_end_is_refreshed_with_the_refresh_token(stack, tmp_path):
    _, cookie, _ = signed_in(stack, tmp_path)
    before = session_of(stack)
    stack.portal_db["sessions"].update_one(
        {"_id": before["_id"]}, {"$set": {"access_expires_at": datetime.now(timezone.utc) + timedelta(seconds=5)}})
    assert me(stack, cookie).status_code == 200
    after = stack.portal_db["sessions"].find_one({"_id": before["_id"]})
    assert after["access_token"] != before["access_token"] and after["refresh_token"] != before["refresh_token"]
    assert after["access_expires_at"].replace(tzinfo=timezone.utc) > datetime.now(timezone.utc) + timedelta(minutes=5)
    stack.portal_db["sessions"].delete_many({})


def test_the_public_pages_render_and_search_finds_a_published_achievement_by_a_chinese_keyword(stack):
    achievement_id = publish(stack, "川西高原光伏储能一体化技术")
    seen = run_steps(STEPS, "pages", portal=stack.portal_url)
    for path, page in seen["pages"].items():
        assert page["status"] == 200 and page["h1"] == 1 and page["nav"], (path, page)
        assert not page["unavailable"] and not page["wider_than_screen"], (path, page)
    assert seen["charts"] >= 3  # ECharts drew the three targets
    assert "技术合同登记交易额" in seen["pages"]["/"]["main"]

    found = run_steps(STEPS, "search", portal=stack.portal_url, keyword="储能", region="510100",
                      title="川西高原光伏储能一体化技术")
    assert found["url"] == f"{stack.portal_url}/achievements/{achievement_id}"
    assert found["h1"] == "川西高原光伏储能一体化技术"
    assert all(text in found["main"] for text in ("成都市", "新能源产业科技成果转化专项", "应用技术", "TRL 7"))

    nothing = requests.get(stack.portal_url + "/achievements", params={"q": "钒钛"}, timeout=10)
    assert nothing.status_code == 200 and "没有找到符合条件的成果" in nothing.text
    refused = requests.get(stack.portal_url + "/achievements", params={"trl_min": "12"}, timeout=10)
    assert refused.status_code == 400 and "查询条件有误" in refused.text and "trl_min" in refused.text
    labels = requests.get(stack.portal_url + "/api/v1/labels", timeout=10).json()
    assert labels["regions"]["510100"] == "成都市" and labels["states"]["auction"]["open"] == "竞价中"


def test_every_public_page_renders_with_a_service_stopped(stack):
    with nameko_run(["registry"], stack.scratch, prefix=stack.identity.prefix,
                    env={"LOG_LEVEL": "WARNING", "OIDC_ISSUER": stack.urls["identity"]}) as doomed:
        stopped_url = doomed.urls["registry"]
    assert_down(stopped_url)
    for stopped in SERVICES:
        urls = {name: (stopped_url if name == stopped else stack.urls[name]) for name in SERVICES}
        with stack.portal(urls, name=f"门户（{stopped}停止）") as (portal_url, _, _):
            seen = run_steps(STEPS, "pages", portal=portal_url)
            for path, page in seen["pages"].items():
                assert page["status"] == 200 and page["nav"], (stopped, path, page)
                assert page["unavailable"] == (stopped in PAGE_SERVICES[path]), (stopped, path, page["main"][:300])
            if stopped == "registry":  # the targets (metrics) still show beside the unavailable achievements
                assert "技术合同登记交易额" in seen["pages"]["/"]["main"] and seen["charts"] >= 3


def assert_down(url):
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "/health", timeout=2)


def test_an_institution_user_drafts_with_a_wrong_field_fixes_it_and_submits_and_cannot_reach_another_orgs_draft(
        stack, tmp_path):
    _, cookie, state = signed_in(stack, tmp_path)
    done = run_steps(STEPS, "draft", portal=stack.portal_url, state_file=str(state), title="高原光伏储能协同控制",
                     wrong_trl=12, trl=7)
    assert done["refused"]["errors"] == 1 and done["refused"]["trl_error"] == "不能大于 9"
    assert done["refused"]["title_kept"] == "高原光伏储能协同控制" and done["refused"]["trl_invalid"] == "true"
    assert done["saved"]["status"] == "草稿" and done["submitted"] == "已提交"
    assert "高原光伏储能协同控制" in done["listed"] and "已提交" in done["listed"]
    achievement_id = done["saved"]["url"].rsplit("/", 1)[1]
    stored = requests.get(f"{stack.urls['registry']}/api/v1/achievements/{achievement_id}", timeout=10,
                          headers={"Authorization": f"Bearer {stack.token('institution', org=ORG)}"}).json()
    assert stored["status"] == "submitted" and stored["organization_ids"] == [ORG] and stored["trl"] == 7

    other = requests.post(f"{stack.urls['registry']}/api/v1/achievements", timeout=10,
                          json={**achievement("他单位未公开草稿"), "organization_ids": ["org-someone-else"]},
                          headers={"Authorization": f"Bearer {stack.token('institution', org='org-someone-else')}"})
    assert other.status_code == 201, other.text
    seen = run_steps(STEPS, "visit", portal=stack.portal_url, state_file=str(state),
                     path=f"/my/achievements/{other.json()['id']}")
    assert seen["status"] == 404 and "他单位未公开草稿" not in seen["main"]
    public = requests.get(f"{stack.portal_url}/achievements/{other.json()['id']}", timeout=10)
    assert public.status_code == 404 and "他单位未公开草稿" not in public.text
    # a post to another organization's draft is refused by the registry too (the form's CSRF token is valid)
    csrf = session_of(stack)["csrf_token"]
    acted = requests.post(f"{stack.portal_url}/my/achievements/{other.json()['id']}/submit", data={"csrf_token": csrf},
                          cookies={COOKIE: cookie["value"]}, allow_redirects=False, timeout=10)
    assert acted.status_code in (403, 404)
    assert requests.get(f"{stack.urls['registry']}/api/v1/achievements/{other.json()['id']}", timeout=10,
                        headers={"Authorization": f"Bearer {stack.token('institution', org='org-someone-else')}"}
                        ).json()["status"] == "draft"


def test_two_institutions_bid_in_turn_from_the_auctions_page_each_sees_the_others_bid_live_and_a_low_bid_is_refused(
        stack, tmp_path):
    seller_org = "org-auction-seller"
    achievement_id = publish(stack, "攀西钒钛磁铁矿高效利用技术", org=seller_org, keywords=["钒钛", "冶金"])
    transactions, seller = stack.urls["transactions"], stack.token("institution", org=seller_org)

    def post(path, body, token):
        return requests.post(transactions + path, json=body, timeout=10, headers={"Authorization": f"Bearer {token}"})

    listing = {}

    def listed():  # transactions learns of the publication from the registry's event
        made = post("/api/v1/listings", {"achievement_id": achievement_id, "mode": "transfer",
                                         "asking_price": "500000"}, seller)
        listing.update(made.json() if made.status_code == 201 else {})
        return made.status_code == 201

    from ttp_testing import wait_for
    wait_for(listed, timeout=60, interval=1, message="the listing of the published achievement")
    ends = (datetime.now(timezone.utc) + timedelta(hours=2)).isoformat()
    auction = post("/api/v1/auctions", {"listing_id": listing["id"], "start_price": "100000", "increment": "10000",
                                        "ends_at": ends}, seller)
    assert auction.status_code == 201, auction.text
    auction_id = auction.json()["id"]
    _, _, first = signed_in(stack, tmp_path)  # dev-demo-organization's clerk
    _, _, second = signed_in(stack, tmp_path, "dev-bidder")  # org-bidder-b's
    seen = run_steps(STEPS, "bid_in_turn", portal=stack.portal_url, auction_id=auction_id, first_state=str(first),
                     second_state=str(second), first_amount="100000.00", second_amount="130000", too_low="135000")
    assert seen["prefilled"] == "100000.00" and not seen["wider_than_screen"]  # the start price, nothing bid yet
    assert seen["first_after"] == {"price": "¥100,000.00", "bids": "1"}
    assert seen["second_sees"] == {"price": "¥100,000.00", "prefilled": "110000.00",
                                   "minimum": "当前最低可出价 ¥110,000.00", "not_reloaded": True}
    assert seen["second_after"] == {"price": "¥130,000.00", "bids": "2"}
    assert seen["first_sees"]["price"] == "¥130,000.00" and seen["first_sees"]["not_reloaded"]
    assert "小时" in seen["first_sees"]["left"]  # about two hours left, counting down
    assert seen["refused"] == {"error": "出价低于当前最低可出价（最低 ¥140,000.00）", "kept": "135000", "invalid": "true",
                               "price": "¥130,000.00", "bids": "2"}
    bids = requests.get(f"{transactions}/api/v1/auctions/{auction_id}/bids", timeout=10).json()["items"]
    assert [(b["amount"], b["bidder_organization_id"]) for b in bids] == [("100000.00", ORG),
                                                                           ("130000.00", "org-bidder-b")]
    # an amount that is no amount: the API's 400, said beside the field with what was typed
    cookies = cookie_of(first)
    csrf = session_by_cookie(stack, cookies)["csrf_token"]
    wrong = requests.post(f"{stack.portal_url}/auctions/{auction_id}/bids", timeout=10, allow_redirects=False,
                          data={"csrf_token": csrf, "amount": "abc"}, cookies=cookies)
    assert wrong.status_code == 400 and "请填写正确的金额" in wrong.text and 'value="abc"' in wrong.text
    anonymous = requests.post(f"{stack.portal_url}/auctions/{auction_id}/bids", data={"amount": "200000"},
                              allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303 and anonymous.headers["Location"] == f"/auth/login?next=/auctions/{auction_id}"
    exposed = requests.get(f"{stack.portal_url}/metrics", timeout=10).text
    assert 'ttp_portal_bids_total{outcome="accepted"} 2.0' in exposed
    assert 'ttp_portal_bids_total{outcome="bid_too_low"} 1.0' in exposed


# -- reviewers' and registrars' queues ---------------------------------------------------------------------------

def signed_in_as(stack, tmp_path, username):
    """A privileged account (reviewer, registrar) signed in through the password and TOTP steps."""
    account = stack.secrets["accounts"][username]
    state = tmp_path / f"{username}.json"
    run_steps(STEPS, "sign_in", portal=stack.portal_url, identity=stack.urls["identity"], username=username,
              password=account["password"], totp_secret=account["totp_secret"], state_file=str(state))
    return state


def cookie_of(state):
    import json

    [cookie] = [c for c in json.loads(state.read_text())["cookies"] if c["name"] == COOKIE]
    return {COOKIE: cookie["value"]}


def session_by_cookie(stack, cookies):
    """The stored session of a browser's cookie (an account may have several sessions open)."""
    return stack.portal_db["sessions"].find_one({"_id": key_id(cookies[COOKIE])})


def csrf_of(stack, username):
    return session_of(stack, username)["csrf_token"]


def registry_view(stack, achievement_id):
    return requests.get(f"{stack.urls['registry']}/api/v1/achievements/{achievement_id}", timeout=10,
                        headers={"Authorization": f"Bearer {stack.token('institution', org=ORG)}"}).json()


def submitted(stack, body):
    owner = {"Authorization": f"Bearer {stack.token('institution', org=ORG)}"}
    made = requests.post(f"{stack.urls['registry']}/api/v1/achievements", json=body, headers=owner, timeout=10)
    assert made.status_code == 201, made.text
    sent = requests.post(f"{stack.urls['registry']}/api/v1/achievements/{made.json()['id']}/submit", json={},
                         headers=owner, timeout=10)
    assert sent.status_code == 200, sent.text
    return made.json()["id"]


@pytest.fixture(scope="module")
def reviewer(stack, tmp_path_factory):
    """Chengdu's reviewer signed in once (a TOTP code is accepted once: a second sign-in within 30 s is refused)."""
    return signed_in_as(stack, tmp_path_factory.mktemp("reviewer"), "dev-reviewer-chengdu")


def test_a_reviewer_returns_a_submitted_achievement_the_institution_edits_and_resubmits_it_and_the_reviewer_registers_and_publishes_it(
        stack, tmp_path, reviewer):
    from openpyxl import load_workbook

    title = "川南页岩气压裂返排液处理技术"
    achievement_id = submitted(stack, achievement(title, keywords=["页岩气", "环保"], industry="节能环保", programme=4))
    returned = run_steps(STEPS, "review_return", portal=stack.portal_url, state_file=str(reviewer), title=title,
                         reason="请补充示范工程的处理规模和出水指标")
    assert "成果审核" in returned["header"] and title in returned["queue"] and "创建草稿" in returned["history"]
    assert returned["status"] == "已退回" and "退回：请补充示范工程的处理规模和出水指标" in returned["history_after"]
    assert returned["wider_than_screen"] == [False, False]  # the queue and the achievement's page fit a phone

    _, _, owner = signed_in(stack, tmp_path)
    edited = run_steps(STEPS, "edit_draft", portal=stack.portal_url, state_file=str(owner),
                       achievement_id=achievement_id, wrong_trl=0, trl=8, title=title + "（修订）")
    assert edited["shown"]["status"] == "已退回" and "请补充示范工程的处理规模和出水指标" in edited["shown"]["main"]
    assert edited["form"] == {**edited["form"], "title": title, "trl": "7", "region": "510100", "contributor": "李四"}
    assert "请补充示范工程的处理规模和出水指标" in edited["form"]["reasons"]
    assert edited["refused"] == {"trl_error": "不能小于 1", "errors": 1, "title_kept": title + "（修订）"}
    assert edited["saved"] == {"h1": title + "（修订）", "status": "已退回"} and edited["submitted"] == "已提交"
    stored = registry_view(stack, achievement_id)
    assert (stored["status"], stored["trl"], stored["title"]) == ("submitted", 8, title + "（修订）")
    assert stored["keywords"] == ["页岩气", "环保"] and stored["programme"] == 4  # kept as the form showed them

    sheet_file = tmp_path / "published.xlsx"
    done = run_steps(STEPS, "review_register_publish", portal=stack.portal_url, state_file=str(reviewer),
                     title=title + "（修订）", download_to=str(sheet_file))
    assert done["registered"]["status"] == "已登记" and done["registered"]["number"]
    assert title in done["to_publish"] and done["published"]["status"] == "已公开"
    assert "登记" in done["published"]["history"] and "公开" in done["published"]["history"]
    assert registry_view(stack, achievement_id)["status"] == "published"
    rows = list(load_workbook(sheet_file).active.iter_rows(values_only=True))
    assert rows[0][0] == "科技成果已公开清单" and rows[1][:2] == ("筛选条件", "状态：已公开；地区：成都市")
    header = rows[2]
    assert header[:5] == ("登记号", "名称", "状态", "成果类型", "地区")
    [row] = [dict(zip(header, r)) for r in rows[3:] if r[1] == title + "（修订）"]
    assert row["登记号"] == done["registered"]["number"] and row["状态"] == "已公开" and row["地区"] == "成都市"
    assert row["成果类型"] == "应用技术" and row["所属专项"] == "节能环保产业科技成果转化专项"
    assert all(r[2] == "已公开" for r in rows[3:])  # the page's filter (published) applied

    # another region's item is out of reach by the address bar: the registry refuses and the page says so
    zigong = submitted(stack, achievement("自贡市未审核成果", region_code="510300"))
    cookies, csrf = cookie_of(reviewer), csrf_of(stack, "dev-reviewer-chengdu")
    page = requests.get(f"{stack.portal_url}/review/achievements/{zigong}", cookies=cookies, timeout=10)
    assert page.status_code == 404 and "自贡市未审核成果" not in page.text and "无权查看" in page.text
    listed = requests.get(f"{stack.portal_url}/review/achievements", params={"region": "510300"}, cookies=cookies,
                          timeout=10)
    assert listed.status_code == 403 and "无权访问" in listed.text and "自贡市未审核成果" not in listed.text
    acted = requests.post(f"{stack.portal_url}/review/achievements/{zigong}/register", data={"csrf_token": csrf},
                          cookies=cookies, allow_redirects=False, timeout=10)
    assert acted.status_code in (403, 404) and registry_view(stack, zigong)["status"] == "submitted"
    # an institution clerk has no reviewer's queue: the registry's refusal is the page
    clerk = requests.get(f"{stack.portal_url}/review/achievements", cookies=cookie_of(owner), timeout=10)
    assert clerk.status_code == 403 and "无权访问" in clerk.text


def test_a_registrar_sees_the_days_left_registers_a_contract_and_exports_the_registered_ones(stack, tmp_path):
    from openpyxl import load_workbook

    transactions, seller = stack.urls["transactions"], {"Authorization": f"Bearer {stack.token('institution', org=ORG)}"}

    def contract(region, title):
        made = requests.post(f"{transactions}/api/v1/contracts", headers=seller, timeout=10, json={
            "contract_type": "transfer", "title": title, "contract_amount": "800000",
            "technology_transaction_amount": "600000", "seller_organization_id": ORG,
            "buyer_name": "成都高新区某能源企业", "region_code": region})
        assert made.status_code == 201, made.text
        return made.json()["id"]

    _, _, clerk = signed_in(stack, tmp_path)  # the institution files its contract through the portal
    filed = run_steps(STEPS, "file_contract", portal=stack.portal_url, state_file=str(clerk),
                      title="光伏储能控制技术转让合同", buyer="成都高新区某能源企业", amount="800000",
                      wrong_technology_amount="900000", technology_amount="600000")
    assert filed["form"] == {"seller": ORG, "wider_than_screen": False}  # its own organization sells, by default
    assert filed["refused"] == {"error": "不能超过合同金额", "errors": 1, "invalid": "true",
                                "title_kept": "光伏储能控制技术转让合同", "kept": "900000"}
    assert filed["listed"]["status"] == "待登记" and "¥600,000.00" in filed["listed"]["text"]
    contract_id = filed["listed"]["id"]
    zigong = contract("510300", "自贡市技术转让合同")
    registrar = signed_in_as(stack, tmp_path, "dev-registrar-chengdu")
    sheet_file = tmp_path / "registered.xlsx"
    done = run_steps(STEPS, "register_contract", portal=stack.portal_url, state_file=str(registrar),
                     contract_id=contract_id, download_to=str(sheet_file))
    assert done["queued"]["days_left"] == "剩余 30 天" and "¥600,000.00" in done["queued"]["text"]
    assert not done["queued"]["wider_than_screen"]
    assert done["still_queued"] == 0 and done["registered"]["status"] == "已登记"
    number = done["registered"]["number"]
    assert len(number) == 16 and number.startswith("510100")
    rows = list(load_workbook(sheet_file).active.iter_rows(values_only=True))
    header = rows[2]
    [row] = [dict(zip(header, r)) for r in rows[3:] if r[0] == number]
    assert row["名称"] == "光伏储能控制技术转让合同" and row["合同类型"] == "技术转让" and row["状态"] == "已登记"
    assert row["技术交易额（元）"] == 600000 and row["地区"] == "成都市"
    assert "自贡市技术转让合同" not in str(rows)
    # the institution sees it registered with its number and downloads its certificate
    pdf_file = tmp_path / "certificate.pdf"
    mine = run_steps(STEPS, "registered_contract", portal=stack.portal_url, state_file=str(clerk),
                     contract_id=contract_id, download_to=str(pdf_file))
    assert mine["status"] == "已登记" and mine["number"] == number
    assert mine["filename"] == f"contract-certificate-{number}.pdf" and pdf_file.read_bytes().startswith(b"%PDF")

    cookies = cookie_of(registrar)
    listed = requests.get(f"{stack.portal_url}/review/contracts", params={"region": "510300"}, cookies=cookies,
                          timeout=10)
    assert listed.status_code == 403 and "无权访问" in listed.text
    acted = requests.post(f"{stack.portal_url}/review/contracts/{zigong}/register", cookies=cookies, timeout=10,
                          data={"csrf_token": csrf_of(stack, "dev-registrar-chengdu")}, allow_redirects=False)
    assert acted.status_code in (403, 404)
    stored = requests.get(f"{transactions}/api/v1/contracts/{zigong}", headers=seller, timeout=10).json()
    assert stored["status"] == "submitted"

    # the return form: the reasons typed, one a line, reach the contract and show in the returned queue
    doubtful = contract("510100", "待补正的技术服务合同")
    returned = requests.post(f"{stack.portal_url}/review/contracts/{doubtful}/return", cookies=cookies, timeout=10,
                             allow_redirects=False, data={"csrf_token": csrf_of(stack, "dev-registrar-chengdu"),
                                                          "status": "submitted", "reasons": "缺少技术交易额的计算依据\n\n买方名称与合同不符"})
    assert returned.status_code == 303 and returned.headers["Location"] == "/review/contracts?status=submitted"
    stored = requests.get(f"{transactions}/api/v1/contracts/{doubtful}", headers=seller, timeout=10).json()
    assert stored["status"] == "returned" and stored["return_reasons"] == ["缺少技术交易额的计算依据", "买方名称与合同不符"]
    listed = requests.get(f"{stack.portal_url}/review/contracts", params={"status": "returned"}, cookies=cookies,
                          timeout=10)
    assert "待补正的技术服务合同" in listed.text and "缺少技术交易额的计算依据；买方名称与合同不符" in listed.text
    # the institution sees the reasons, corrects the returned contract and resubmits it; no certificate before
    # registration, and none of another organization's contract
    own, own_csrf = cookie_of(clerk), session_by_cookie(stack, cookie_of(clerk))["csrf_token"]
    mine = requests.get(f"{stack.portal_url}/my/contracts", cookies=own, timeout=10).text
    assert "缺少技术交易额的计算依据；买方名称与合同不符" in mine and f'href="/my/contracts/{doubtful}/edit"' in mine
    form = requests.get(f"{stack.portal_url}/my/contracts/{doubtful}/edit", cookies=own, timeout=10)
    assert form.status_code == 200 and "买方名称与合同不符" in form.text and 'value="待补正的技术服务合同"' in form.text
    corrected = {"csrf_token": own_csrf, "contract_type": "service", "title": "待补正的技术服务合同", "contract_amount": "800000",
                 "technology_transaction_amount": "500000", "seller_organization_id": ORG,
                 "buyer_name": "成都高新区某能源企业有限公司", "region_code": "510100"}
    sent = requests.post(f"{stack.portal_url}/my/contracts/{doubtful}/edit", cookies=own, timeout=10,
                         allow_redirects=False, data=corrected)
    assert sent.status_code == 303 and sent.headers["Location"] == f"/my/contracts#contract-{doubtful}"
    stored = requests.get(f"{transactions}/api/v1/contracts/{doubtful}", headers=seller, timeout=10).json()
    assert (stored["status"], stored["contract_type"], stored["buyer_name"]) == (
        "submitted", "service", "成都高新区某能源企业有限公司")
    again = requests.post(f"{stack.portal_url}/my/contracts/{doubtful}/edit", cookies=own, timeout=10,
                          allow_redirects=False, data=corrected)  # no longer returned: the API's 409 on the form
    assert again.status_code == 409 and "请按提示修改" in again.text
    early = requests.get(f"{stack.portal_url}/my/contracts/{doubtful}/certificate", cookies=own, timeout=10)
    assert early.status_code == 409 and "尚未登记" in early.text
    others = requests.get(f"{stack.portal_url}/my/contracts/{zigong}/certificate", timeout=10,
                          cookies=cookie_of(signed_in(stack, tmp_path, "dev-bidder")[2]))
    assert others.status_code == 404 and "%PDF" not in others.text
    # signed out, a queue's address leads to sign-in and back to the same filters
    anonymous = requests.get(f"{stack.portal_url}/review/contracts", params={"status": "returned", "region": "510100"},
                             allow_redirects=False, timeout=10)
    assert anonymous.status_code == 303
    assert anonymous.headers["Location"] == "/auth/login?next=/review/contracts%3Fstatus%3Dreturned%26region%3D510100"
    exposed = requests.get(f"{stack.portal_url}/metrics", timeout=10).text
    assert 'ttp_portal_review_actions_total{action="register",outcome="done",queue="contracts"} 1.0' in exposed
    assert 'ttp_portal_review_actions_total{action="register",outcome="refused",queue="contracts"} 1.0' in exposed
    assert 'ttp_portal_exports_total{queue="contracts"} 1.0' in exposed


def test_a_reviewer_accepts_and_forwards_an_annual_report_and_exports_the_forwarded_ones(stack, reviewer, tmp_path):
    import random

    from openpyxl import load_workbook
    from ttp_common.reference import uscc_check_character

    registry, admin = stack.urls["registry"], {"Authorization": f"Bearer {stack.token('admin')}"}
    first17 = f"12510100MB{random.randrange(10**7):07d}"
    org = requests.post(f"{registry}/api/v1/organizations", headers=admin, timeout=10, json={
        "name": "成都理工大学（测试）", "credit_code": first17 + uscc_check_character(first17), "kind": "university",
        "region_code": "510100", "supervising_department": "四川省教育厅"})
    assert org.status_code == 201, org.text
    org_id = org.json()["id"]
    deals = {"count": 3, "amount_yuan": "1500000"}
    filed = requests.post(f"{registry}/api/v1/annual-reports", timeout=10,
                          headers={"Authorization": f"Bearer {stack.token('institution', org=org_id)}"},
                          json={"year": 2025, "organization_id": org_id, "transfers": deals, "licences": deals,
                                "equity_investments": {"count": 1, "amount_yuan": "2000000"},
                                "cooperation_contracts": {"count": 12, "amount_yuan": "4800000"},
                                "rewards_paid_yuan": "600000", "rewarded_people": 9,
                                "summary": "全年转化科技成果十九项，成效显著，面临专业人才不足的问题。"})
    assert filed.status_code == 201, filed.text
    sheet_file = tmp_path / "forwarded.xlsx"
    done = run_steps(STEPS, "review_report", portal=stack.portal_url, state_file=str(reviewer), item=f"report-{org_id}-2025",
                     download_to=str(sheet_file))
    assert done["queued"]["status"] == "待审核" and "¥1,500,000.00" in done["queued"]["text"]
    assert "2026-03-31" in done["queued"]["text"]  # the forwarding deadline of a 2025 report
    assert done["accepted"] == "已审核" and done["forwarded"] == "已转报"
    rows = list(load_workbook(sheet_file).active.iter_rows(values_only=True))
    assert rows[0][0] == "科技成果转化年度报告已转报清单"
    header = rows[2]
    [row] = [dict(zip(header, r)) for r in rows[3:] if r[1] == org_id]
    assert row["报告年度"] == 2025 and row["状态"] == "已转报" and row["转让项数"] == 3 and row["作价投资金额（元）"] == 2000000
    assert row["地区"] == "成都市" and row["逾期未转报"] == "否"
    report = requests.get(f"{registry}/api/v1/annual-reports/{org_id}:2025", headers=admin, timeout=10).json()
    assert report["status"] == "forwarded"
