"""The administration pages in a real browser (Playwright driving Debian's Chromium, headless) against real
identity, registry, transactions, metrics and portal processes: an administrator creates an account (a wrong
sign-in name refused beside the field, what was typed kept), sees its one-time password once, changes its role and
resets its password;
an institution's administrator sees and manages its own organization's accounts only (the identity API decides)
and a clerk none; a university registered from the form (a wrong credit code refused beside the field) and its
transfer unit accredited from its page appear on the public institutions page; a task ledger update shows on the
public task ledger."""
from pathlib import Path

import pytest
import requests

from ttp_common.reference import _USCC_CHARSET
from ttp_testing.browser import run_steps

from _portal import ORG, browser_sign_in, credit_code, running_portal

pytestmark = pytest.mark.integration

ADMIN_STEPS = Path(__file__).with_name("admin_steps.py")
COOKIE = "ttp_portal_session"


@pytest.fixture(scope="module")
def stack():
    with running_portal() as running:
        yield running


@pytest.fixture(scope="module")
def admin(stack, tmp_path_factory):
    """The platform administrator signed in once (password and TOTP; a code is accepted once)."""
    return Path(browser_sign_in(stack, tmp_path_factory.mktemp("admin"), "dev-admin"))


def identity(stack, path, **params):
    response = requests.get(stack.urls["identity"] + path, params=params, timeout=10,
                            headers={"Authorization": f"Bearer {stack.token('admin')}"})
    assert response.status_code == 200, response.text
    return response.json()


def account_named(stack, username):
    [found] = [a for a in identity(stack, "/api/v1/accounts", limit=100)["items"] if a["username"] == username]
    return found


def test_an_administrator_creates_an_account_and_changes_its_role(stack, admin, tmp_path):
    from openpyxl import load_workbook

    sheet_file = tmp_path / "accounts.xlsx"
    done = run_steps(ADMIN_STEPS, "create_account", portal=stack.portal_url, state_file=str(admin),
                     username="zhang.clerk", display_name="张经办", bad_username="张", organization_id=ORG,
                     new_role="institution_admin", download_to=str(sheet_file))
    refused = done["refused"]
    assert refused["errors"] == 1 and refused["invalid"] == "true" and refused["username_error"]
    assert refused["name_kept"] == "张经办" and refused["org_kept"] == ORG
    assert done["created"]["password_shown"] and done["created"]["role"] == "机构经办人"
    assert "zhang.clerk" in done["listed"] and done["password_again"] == 0
    assert done["role_after"] == "机构管理员"
    stored = account_named(stack, "zhang.clerk")
    assert stored["role"] == "institution_admin" and stored["organization_id"] == ORG and stored["status"] == "active"
    reset = run_steps(ADMIN_STEPS, "reset_password", portal=stack.portal_url, state_file=str(admin),
                      account_url=done["account_url"])
    assert "密码已重置" in reset["notice"] and reset["password_length"] >= 12
    assert account_named(stack, "zhang.clerk")["must_change_password"]

    sheet = load_workbook(sheet_file).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "账号清单" and ORG in rows[1][1]
    assert rows[2][:3] == ["登录名", "姓名", "角色"]
    assert ["zhang.clerk", "张经办", "机构管理员"] in [r[:3] for r in rows[3:]]


def test_an_institution_administrator_sees_and_manages_only_its_own_organizations_accounts(stack, tmp_path):
    owner_admin = Path(browser_sign_in(stack, tmp_path, "dev-institution-admin"))
    seen = run_steps(ADMIN_STEPS, "accounts", portal=stack.portal_url, state_file=str(owner_admin))
    assert seen["status"] == 200 and "账号管理" in seen["header"]
    assert "dev-institution" in seen["main"] and "dev-bidder" not in seen["main"]  # org-bidder-b's clerk
    assert "dev-reviewer-chengdu" not in seen["main"] and "dev-admin" not in seen["main"]
    other = account_named(stack, "dev-bidder")
    by_address = run_steps(ADMIN_STEPS, "accounts", portal=stack.portal_url, state_file=str(owner_admin),
                           path=f"/admin/accounts/{other['id']}")
    assert by_address["status"] == 403 and "无权访问" in by_address["h1"] and "第二机构经办人" not in by_address["main"]
    # a form post to disable it (with a valid CSRF token) is the identity API's refusal too; nothing changes
    [session] = [s for s in stack.portal_db["sessions"].find({"access_token": {"$exists": True}})
                 if s.get("user", {}).get("username") == "dev-institution-admin"]
    import json

    [cookie] = [c for c in json.loads(owner_admin.read_text())["cookies"] if c["name"] == COOKIE]
    posted = requests.post(f"{stack.portal_url}/admin/accounts/{other['id']}/disable", timeout=10,
                           data={"csrf_token": session["csrf_token"], "reason": "试图停用他单位账号"},
                           cookies={COOKIE: cookie["value"]}, allow_redirects=False)
    assert posted.status_code == 403 and "无权访问" in posted.text
    assert account_named(stack, "dev-bidder")["status"] == "active"
    # a clerk has no account administration: the identity API's 403 as a page
    clerk = browser_sign_in(stack, tmp_path, "dev-institution")
    refused = run_steps(ADMIN_STEPS, "accounts", portal=stack.portal_url, state_file=str(clerk))
    assert refused["status"] == 403 and "无权访问" in refused["h1"] and "账号管理" not in refused["header"]


def test_a_university_registered_and_its_transfer_unit_accredited_shows_on_the_public_institutions_page(stack, admin):
    code = credit_code()
    wrong = code[:17] + next(c for c in _USCC_CHARSET if c != code[17])  # its check character wrong
    registered = run_steps(ADMIN_STEPS, "register_organization", portal=stack.portal_url, state_file=str(admin),
                           name="西南测试大学", bad_code=wrong, code=code)
    assert registered["refused"]["errors"] == 1 and registered["refused"]["code_error"]
    assert registered["refused"]["name_kept"] == "西南测试大学"
    assert registered["h1"] == "西南测试大学" and code in registered["facts"] and "高等院校" in registered["facts"]
    org_id = registered["url"].rsplit("/", 1)[1]
    assert requests.get(f"{stack.urls['registry']}/api/v1/organizations/{org_id}", timeout=10).json()[
        "state_established"] is True
    done = run_steps(ADMIN_STEPS, "accredit_unit", portal=stack.portal_url, state_file=str(admin),
                     organization_id=org_id, unit="西南测试大学技术转移中心", basis="川科函〔2026〕12号",
                     contact="028-85400000")
    assert "西南测试大学" in done["listed"]
    assert "联系方式" in done["corrections"] and "028-85400000" in done["corrections"]
    assert "西南测试大学技术转移中心" in done["units"]
    assert done["unit_kept"] == "西南测试大学技术转移中心" and done["revoke_error"]
    assert "西南测试大学技术转移中心" in done["public"] and "西南测试大学" in done["public"]
    stored = requests.get(f"{stack.urls['registry']}/api/v1/organizations/{org_id}", timeout=10).json()
    assert [u["name"] for u in stored["accredited_units"]] == ["西南测试大学技术转移中心"]
    assert stored["contact"] == "028-85400000"


def test_a_task_ledger_update_shows_on_the_public_task_ledger(stack, admin):
    task = requests.get(stack.urls["metrics"] + "/api/v1/tasks", timeout=10).json()["tasks"][0]
    done = run_steps(ADMIN_STEPS, "update_task", portal=stack.portal_url, state_file=str(admin),
                     task_id=str(task["id"]), status="in_progress", note="已印发实施细则，正在组织推进")
    assert "推进中" in done["after"] and "已印发实施细则" in done["after"]
    assert "已印发实施细则，正在组织推进" in done["public"]
    stored = requests.get(f"{stack.urls['metrics']}/api/v1/tasks/{task['id']}", timeout=10).json()
    assert stored["status"] == "in_progress" and stored["note"] == "已印发实施细则，正在组织推进"
