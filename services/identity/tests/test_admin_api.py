"""The administration and self-service API over HTTP (issue 15 item 5): who may create and manage which
accounts, role changes and their events on Kafka, password resets, one's own password and sessions, the
auditor's read of the security audit, and key rotation."""
import json
import sys
from pathlib import Path

import pytest
from joserfc import jws

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _identity import PASSWORD, Browser, client_token, enrol, new_account, refresh  # noqa: E402

from ttp_testing import assert_error, header  # noqa: E402

pytestmark = pytest.mark.integration
TOPIC = "ttp.identity.account"


def first_sign_in(api, portal_secret, username, one_time, new_password=PASSWORD):
    browser = Browser(api, client_secret=portal_secret)
    browser.start()
    browser.submit(username=username, password=one_time)
    browser.submit(new_password=new_password, confirm_password=new_password)
    return browser.redeem(browser.code()).json(), browser


def test_the_administration_api_needs_a_manager(api, creds, browser):
    assert_error(api.post("/api/v1/accounts", {}), 401, "unauthenticated")
    token = browser.sign_in("dev-institution", creds["accounts"]["dev-institution"]["password"])["access_token"]
    assert_error(api.post("/api/v1/accounts", {"username": "x.y.z", "display_name": "某", "role": "institution",
                                               "organization_id": "dev-demo-organization"}, token=token), 403, "forbidden")
    assert_error(api.get("/api/v1/audit", token=token), 403, "forbidden")


def test_an_account_is_created_announced_and_its_one_time_password_must_be_changed(api, admin_token, portal_secret):
    made = api.post("/api/v1/accounts", {"username": "Li.Ming", "display_name": "李明", "role": "investor",
                                         "organization_id": "org-fund-1"}, token=admin_token)
    assert made.status_code == 201, made.text
    account = made.json()["account"]
    assert made.headers["Location"] == f"/api/v1/accounts/{account['id']}"
    assert account["username"] == "li.ming" and account["must_change_password"] is True
    assert_error(api.post("/api/v1/accounts", {"username": "li.ming", "display_name": "李明二", "role": "investor",
                                               "organization_id": "org-fund-1"}, token=admin_token), 409, "conflict")
    record = api.event(TOPIC, account["id"])
    name, data = api.decode(record)
    assert name == "identity.account.created.v1" and data["role"] == "investor"
    assert header(record, "ce_actorrole") == "admin" and header(record, "ce_actorip") == "127.0.0.1"
    assert made.json()["one_time_password"] not in record.value.decode("latin-1")
    token, _ = first_sign_in(api, portal_secret, "li.ming", made.json()["one_time_password"])
    assert json.loads(jws.extract_compact(token["access_token"].encode()).payload)["org"] == "org-fund-1"


def test_a_weak_new_password_is_refused_at_the_first_sign_in(api, admin_token, portal_secret):
    _, one_time = new_account(api, admin_token, username="weak.pw", role="institution", organization_id="org-w")
    browser = Browser(api, client_secret=portal_secret)
    browser.start()
    browser.submit(username="weak.pw", password=one_time)
    for weak in ("short", "password1234", "weak.pw.weak.pw.2026"):
        browser.submit(new_password=weak, confirm_password=weak)
        assert browser.page.status_code == 400 and "新密码不符合要求" in browser.page.text


def test_an_institution_administrator_manages_its_own_staff_only(api, admin_token, portal_secret):
    _, one_time = new_account(api, admin_token, username="org.admin", role="institution_admin", organization_id="org-a")
    token = first_sign_in(api, portal_secret, "org.admin", one_time)[0]["access_token"]
    staff = api.post("/api/v1/accounts", {"username": "org.clerk", "display_name": "经办人", "role": "institution",
                                          "organization_id": "org-a"}, token=token)
    assert staff.status_code == 201
    for refused in ({"role": "institution", "organization_id": "org-b"}, {"role": "investor", "organization_id": "org-a"},
                    {"role": "reviewer", "region_code": "510100"}):
        assert_error(api.post("/api/v1/accounts", {"username": "not.mine", "display_name": "某", **refused},
                              token=token), 403, "forbidden")
    listed = api.get("/api/v1/accounts", token=token).json()["items"]
    assert {a["organization_id"] for a in listed} == {"org-a"} and {a["username"] for a in listed} == {"org.admin",
                                                                                                    "org.clerk"}
    other = new_account(api, admin_token, username="org.b.clerk", role="institution", organization_id="org-b")[0]
    assert_error(api.post(f"/api/v1/accounts/{other}/disable", {}, token=token), 403, "forbidden")
    refusal = api.db["security_audit"].find_one({"action": "account.disable", "outcome": "refused", "target_id": other})
    assert refusal is not None and refusal["actor_role"] == "institution_admin"


def test_a_region_office_manages_its_regions_offices(api, admin_token, portal_secret):
    _, one_time = new_account(api, admin_token, username="office.chengdu", role="admin", region_code="510100")
    token = enrol(Browser(api, client_secret=portal_secret), "office.chengdu", one_time)[0]["access_token"]
    assert api.post("/api/v1/accounts", {"username": "cd.registrar.2", "display_name": "登记员", "role": "registrar",
                                         "region_code": "510100"}, token=token).status_code == 201
    county = api.post("/api/v1/accounts", {"username": "jj.registrar", "display_name": "锦江区登记员",
                                           "role": "registrar", "region_code": "510104"}, token=token)
    assert county.status_code == 201, county.text  # a county of Chengdu (issue 19): inside the office's region
    unknown = api.post("/api/v1/accounts", {"username": "no.county", "display_name": "某", "role": "registrar",
                                            "region_code": "510199"}, token=token)
    assert [f["path"] for f in assert_error(unknown, 400, "validation_failed")["fields"]] == ["region_code"]
    for refused in ({"role": "registrar", "region_code": "510700"}, {"role": "registrar", "region_code": "510704"}, {"role": "institution", "organization_id": "o"},
                    {"role": "admin"}, {"role": "auditor"}):
        assert_error(api.post("/api/v1/accounts", {"username": "not.mine.2", "display_name": "某", **refused},
                              token=token), 403, "forbidden")
    assert_error(api.post("/api/v1/clients", {"name": "某系统", "kind": "service", "scopes": ["registry:read"]},
                          token=token), 403, "forbidden")


def test_a_role_change_is_an_event_and_ends_the_sessions(api, admin_token, portal_secret):
    account_id, one_time = new_account(api, admin_token, username="changing.role", role="institution",
                                       organization_id="org-c")
    tokens, _ = first_sign_in(api, portal_secret, "changing.role", one_time)
    changed = api.post(f"/api/v1/accounts/{account_id}/role", {"role": "institution_admin", "organization_id": "org-c",
                                                               "reason": "机构指定"}, token=admin_token)
    assert changed.status_code == 200 and changed.json()["role"] == "institution_admin"
    assert refresh(api, tokens["refresh_token"], client_secret=portal_secret).status_code == 400
    from ttp_testing import read_topic

    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC, lambda r: header(r, "ce_subject") == account_id,
                         count=2)
    names = [api.decode(r)[0] for r in records]
    assert names == ["identity.account.created.v1", "identity.account.role_changed.v1"]
    data = api.decode(records[1])[1]
    assert (data["previous_role"], data["role"], data["reason"]) == ("institution", "institution_admin", "机构指定")
    assert_error(api.post(f"/api/v1/accounts/{account_id}/role", {"role": "institution_admin",
                                                                  "organization_id": "org-c"}, token=admin_token),
                 409, "conflict")


def test_a_password_reset_gives_a_one_time_password_once(api, admin_token, portal_secret):
    account_id, one_time = new_account(api, admin_token, username="forgetful", role="institution",
                                       organization_id="org-f")
    first_sign_in(api, portal_secret, "forgetful", one_time)
    reset = api.post(f"/api/v1/accounts/{account_id}/password-reset", token=admin_token)
    assert reset.status_code == 200 and reset.json()["account"]["must_change_password"]
    browser = Browser(api, client_secret=portal_secret)
    browser.start()
    assert browser.submit(username="forgetful", password=PASSWORD).status_code == 401  # the old one is gone
    first_sign_in(api, portal_secret, "forgetful", reset.json()["one_time_password"], new_password="九寨沟-黄龙-2026秋")


def test_my_password_and_my_sessions(api, admin_token, portal_secret):
    _, one_time = new_account(api, admin_token, username="self.service", role="institution", organization_id="org-s")
    first, _ = first_sign_in(api, portal_secret, "self.service", one_time)
    other = Browser(api, client_secret=portal_secret).sign_in("self.service", PASSWORD)
    sessions = api.get("/api/v1/me/sessions", token=other["access_token"]).json()["items"]
    assert len(sessions) == 2 and all(s["ended_at"] is None for s in sessions)
    mine = json.loads(jws.extract_compact(first["access_token"].encode()).payload)["sid"]
    ended = api.post(f"/api/v1/me/sessions/{mine}/revocation", token=other["access_token"])
    assert ended.status_code == 200 and ended.json()["end_reason"] == "revoked by its owner"
    assert refresh(api, first["refresh_token"], client_secret=portal_secret).status_code == 400
    assert_error(api.post("/api/v1/me/password", {"current_password": "wrong-one", "new_password": "x"},
                          token=other["access_token"]), 400, "validation_failed")
    changed = api.post("/api/v1/me/password", {"current_password": PASSWORD, "new_password": "乐山大佛-凌云寺-2026"},
                       token=other["access_token"])
    assert changed.status_code == 200, changed.text
    assert api.get("/api/v1/me", token=other["access_token"]).status_code == 200  # this session goes on


def test_the_auditor_reads_the_audit_and_nobody_else(api, admin_token, portal_secret):
    _, one_time = new_account(api, admin_token, username="the.auditor", role="auditor")
    token = enrol(Browser(api, client_secret=portal_secret), "the.auditor", one_time)[0]["access_token"]
    page = api.get("/api/v1/audit", params={"action": "account.create", "limit": 3}, token=token)
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    assert len(items) == 3 and all(item["action"] == "account.create" for item in items)
    assert items[0]["at"] >= items[1]["at"] and items[0]["actor"]["role"] == "admin" and items[0]["address"]
    following = api.get("/api/v1/audit", params={"action": "account.create", "limit": 3,
                                                 "before": page.json()["next_before"]}, token=token).json()["items"]
    assert following and following[0]["id"] not in {item["id"] for item in items}
    assert_error(api.get("/api/v1/audit", token=admin_token), 403, "forbidden")


def test_key_rotation_keeps_the_old_tokens_working(api, admin_token, creds):
    before = api.get("/api/v1/keys", token=admin_token).json()
    rotated = api.post("/api/v1/keys/rotation", token=admin_token)
    assert rotated.status_code == 200, rotated.text
    after = rotated.json()
    assert after["signing_kid"] != before["signing_kid"] and set(after["published_kids"]) == {
        before["signing_kid"], after["signing_kid"]}
    assert {k["kid"] for k in api.get("/.well-known/jwks.json").json()["keys"]} == set(after["published_kids"])
    assert api.get("/api/v1/keys", token=admin_token).status_code == 200  # signed by the old key, still good
    secret = creds["clients"]["dev-subscriber"]["client_secret"]
    token = api.post("/oauth/token", data={"grant_type": "client_credentials"}, auth=("dev-subscriber", secret))
    assert jws.extract_compact(token.json()["access_token"].encode()).protected["kid"] == after["signing_kid"]


def test_the_portal_notifier_reads_recipients_addresses_and_nothing_else(api, admin_token, creds, browser):
    """The addresses the portal mails notifications to: active accounts of one organization with the asked roles,
    only for a client holding identity:recipients:read (a person, even the administrator, and another client's
    token are refused)."""
    made = api.post("/api/v1/accounts", {"username": "mail.clerk", "display_name": "王五", "role": "institution",
                                         "organization_id": "org-mail", "email": "wang.wu@example.org"},
                    token=admin_token)
    assert made.status_code == 201 and made.json()["account"]["email"] == "wang.wu@example.org"
    api.post("/api/v1/accounts", {"username": "mail.other", "display_name": "赵六", "role": "institution",
                                  "organization_id": "org-mail-2", "email": "zhao.liu@example.org"}, token=admin_token)
    api.post("/api/v1/accounts", {"username": "mail.none", "display_name": "钱七", "role": "institution",
                                  "organization_id": "org-mail"}, token=admin_token)
    assert_error(api.post("/api/v1/accounts", {"username": "mail.bad", "display_name": "某", "role": "institution",
                                               "organization_id": "org-mail", "email": "not an address"},
                          token=admin_token), 400, "validation_failed")
    notifier = client_token(api, "portal-notifier", creds["clients"]["portal-notifier"]["client_secret"])
    assert notifier.status_code == 200, notifier.text
    token = notifier.json()["access_token"]
    found = api.get("/api/v1/recipients?organization_id=org-mail&roles=institution,institution_admin", token=token)
    assert found.status_code == 200, found.text
    assert found.json()["items"] == [{"id": made.json()["account"]["id"], "email": "wang.wu@example.org"}]
    assert found.json()["next_cursor"] is None
    # a page at a time: every address once, the last page says no more follow
    api.post("/api/v1/accounts", {"username": "mail.clerk2", "display_name": "孙八", "role": "institution_admin",
                                  "organization_id": "org-mail", "email": "sun.ba@example.org"}, token=admin_token)
    path, emails, cursor = "/api/v1/recipients?organization_id=org-mail&roles=institution,institution_admin&limit=1", [], ""
    while True:
        page = api.get(path + (f"&cursor={cursor}" if cursor else ""), token=token).json()
        emails += [item["email"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(emails) == ["sun.ba@example.org", "wang.wu@example.org"]
    assert_error(api.get("/api/v1/recipients?organization_id=org-mail&roles=root", token=token), 400,
                 "validation_failed")
    subscriber = client_token(api, "dev-subscriber", creds["clients"]["dev-subscriber"]["client_secret"])
    assert_error(api.get("/api/v1/recipients?organization_id=org-mail&roles=institution",  # not for this service
                         token=subscriber.json()["access_token"]), 401, "unauthenticated")
    assert_error(api.get("/api/v1/recipients?organization_id=org-mail&roles=institution", token=admin_token), 403,
                 "forbidden")
    assert_error(api.get("/api/v1/recipients?organization_id=org-mail&roles=institution"), 401, "unauthenticated")
