"""Two factors for privileged accounts over HTTP (GB/T 22239-2019 level 3): no token without a valid TOTP
code, a replayed code refused, a recovery code working once, enrolment by QR code at the first sign-in, and
an administrator's reset of a lost second factor."""
import json
import sys
from pathlib import Path

import pytest
from joserfc import jws

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _identity import Browser, enrol, fresh_code, new_account  # noqa: E402

pytestmark = pytest.mark.integration


def claims(token):
    return json.loads(jws.extract_compact(token.encode()).payload)


def test_a_reviewer_without_a_valid_code_gets_no_token(api, creds, browser):
    reviewer = creds["accounts"]["dev-reviewer-chengdu"]
    browser.start()
    browser.submit(username="dev-reviewer-chengdu", password=reviewer["password"])
    assert browser.page.status_code == 200 and "双因素验证" in browser.page.text  # the password alone: no code
    browser.submit(code="000000" if fresh_code(reviewer["totp_secret"]) != "000000" else "111111")
    assert browser.page.status_code == 401 and "验证码错误" in browser.page.text and "Location" not in browser.page.headers
    browser.submit(code=reviewer["recovery_codes"][0])  # (the recovery code test below uses another one)
    token = browser.redeem(browser.code()).json()["access_token"]
    assert claims(token)["role"] == "reviewer" and claims(token)["region"] == "510100"
    assert claims(token)["amr"] == ["otp", "pwd"]


def test_a_replayed_code_is_refused(api, creds, portal_secret):
    registrar = creds["accounts"]["dev-registrar-chengdu"]
    code = fresh_code(registrar["totp_secret"])
    first = Browser(api, client_secret=portal_secret)
    first.start()
    first.submit(username="dev-registrar-chengdu", password=registrar["password"])
    first.submit(code=code)
    assert first.page.status_code == 302
    second = Browser(api, client_secret=portal_secret)
    second.start()
    second.submit(username="dev-registrar-chengdu", password=registrar["password"])
    second.submit(code=code)
    assert second.page.status_code == 401 and "已使用过" in second.page.text
    stored = api.db["security_audit"].find_one({"action": "sign_in.totp", "outcome": "refused"})
    assert stored["detail"]["reason"] == "code used before"


def test_a_recovery_code_works_once(api, creds, portal_secret):
    reviewer = creds["accounts"]["dev-reviewer-chengdu"]
    recovery = reviewer["recovery_codes"][1]
    for expected in (302, 401):
        browser = Browser(api, client_secret=portal_secret)
        browser.start()
        browser.submit(username="dev-reviewer-chengdu", password=reviewer["password"])
        browser.submit(code=recovery.upper())
        assert browser.page.status_code == expected, browser.page.text[:500]
    me = browser.api.get("/api/v1/accounts", token=None)
    assert me.status_code == 401


def test_a_new_privileged_account_enrols_at_its_first_sign_in_and_a_lost_factor_is_reset(api, admin_token,
                                                                                          portal_secret):
    account_id, one_time = new_account(api, admin_token, username="new.registrar", role="registrar",
                                       region_code="510700")
    token, secret, codes = enrol(Browser(api, client_secret=portal_secret), "new.registrar", one_time)
    assert claims(token["access_token"])["role"] == "registrar"
    account = api.get(f"/api/v1/accounts/{account_id}", token=admin_token).json()
    assert account["totp_enabled"] and account["recovery_codes_left"] == 10 and not account["must_change_password"]
    stored = api.db["accounts"].find_one({"_id": account_id})
    assert not any(code in json.dumps(stored, default=str) for code in codes)  # digests only

    reset = api.post(f"/api/v1/accounts/{account_id}/totp-reset", token=admin_token)
    assert reset.status_code == 200 and reset.json()["totp_enabled"] is False
    browser = Browser(api, client_secret=portal_secret)
    browser.start()
    from _identity import PASSWORD

    browser.submit(username="new.registrar", password=PASSWORD)
    assert "绑定身份验证器" in browser.page.text  # enrols again
