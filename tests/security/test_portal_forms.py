"""The portal's forms in the security tables (issue 16): every POST form of the portal, against a real portal,
identity service and the services behind it (services/portal/tests/_portal.py, started once for the module),
with plain HTTP and the session cookie (no browser), one request per form and caller:

- without a session it answers a redirect to sign in (``/auth/login?next=…``) and changes nothing;
- with the session of a person who may use it but without the form's CSRF token it answers the 403 page
  请求无效 and changes nothing;
- a role that may not use it gets the refusal page, and nothing changes: for a form over a service's API the
  service's own refusal (the portal adds no rule of its own to data it does not own, so the service's 403 is the
  page: 拒绝了这项请求, or its message beside the form), for the institution pages (本单位…, acting for the
  organization in the session) the portal's 403 此页面供机构经办人使用 to a person of no organization, and for a
  bid the auction page's 只有机构经办人可以代表本单位出价 to anyone but a clerk (an institution's administrator too).

"Changes nothing" is checked on every database of the run (the services', identity's and the portal's), by
counting each collection's documents, as tests/security/test_authorization.py does. A new POST route of the
portal without a row in FORMS fails the table's completeness test.
"""
import re
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "services" / "portal" / "tests"))
from _portal import ORG, achievement, http_sign_in, platform, publish, until_ok  # noqa: E402

from .conftest import NOT_STATE  # noqa: E402

pytestmark = pytest.mark.integration

# who signs in for each letter (services/portal/tests/portal-accounts.yaml)
PEOPLE = {"I": "dev-institution", "N": "dev-institution-admin", "R": "dev-reviewer-chengdu",
          "G": "dev-registrar-chengdu", "A": "dev-admin"}
# what the one who may not use a form sees on the 403 page (any of the texts)
SERVICE_REFUSAL = ("拒绝了这项请求", "may not do this")  # the service's 403: its page, or its message beside the form
NOT_STAFF = ("此页面供机构经办人使用",)  # the portal's 403 for a person acting for no organization
NOT_BIDDER = ("只有机构经办人可以代表本单位出价",)  # the auction page's: only a clerk bids for the organization
CSRF_TEXT = "表单已失效或来源不明"

# route of the portal (as its entrypoint declares it) -> [(path, form fields, who may use it, who may not, what
# the one who may not sees)]; {draft}, {listing}, … are records of the run (seed below). The form fields are those
# the service would accept from the caller who may use it, far enough for the request to reach the service.
FORMS = {
    "/my/achievements": [("/my/achievements", {"title": "川西高原牧区光伏提水系统", "type": "applied"}, "I", "N",
                          SERVICE_REFUSAL)],
    "/my/achievements/<string:achievement_id>/edit": [
        ("/my/achievements/{draft}/edit", {"title": "成都平原智慧灌溉决策系统（修订）", "type": "applied"}, "I", "R",
         NOT_STAFF)],
    "/my/achievements/<string:achievement_id>/<string:action>": [
        ("/my/achievements/{draft}/submit", {}, "I", "N", SERVICE_REFUSAL),
        ("/my/achievements/{draft}/withdraw", {}, "I", "N", SERVICE_REFUSAL)],
    "/my/achievements/import": [("/my/achievements/import", {}, "I", "R", NOT_STAFF)],
    "/my/listings": [("/my/listings", {"achievement_id": "{published}", "mode": "transfer", "asking_price": "500000"},
                      "I", "N", SERVICE_REFUSAL)],
    "/my/listings/<string:item_id>/withdraw": [("/my/listings/{listing}/withdraw", {}, "I", "R", NOT_STAFF)],
    "/my/listings/<string:item_id>/auction": [("/my/listings/{listing}/auction", {
        "start_price": "300000", "increment": "10000", "extension_seconds": "300"}, "I", "N", SERVICE_REFUSAL)],
    "/my/demands": [("/my/demands", {"title": "寻求高原储能电池低温技术", "budget": "300000"}, "I", "N",
                     SERVICE_REFUSAL)],
    "/my/demands/<string:item_id>/withdraw": [("/my/demands/0/withdraw", {}, "I", "R", NOT_STAFF)],
    "/my/contracts": [("/my/contracts", {"contract_type": "transfer", "title": "光伏储能控制技术转让合同"}, "I", "N",
                       SERVICE_REFUSAL)],
    "/my/contracts/<string:contract_id>/edit": [("/my/contracts/{contract}/edit", {}, "I", "R", NOT_STAFF)],
    "/my/contracts/<string:contract_id>/income": [("/my/contracts/{contract}/income", {"amount": "1000"}, "I", "R",
                                                   NOT_STAFF)],
    "/my/incomes/<string:income_id>/edit": [("/my/incomes/0/edit", {"amount": "1000"}, "I", "R", NOT_STAFF)],
    "/my/disclosures": [("/my/disclosures", {"title": "高原储能电池热管理技术", "basis": "job_duties"}, "I", "N",
                         SERVICE_REFUSAL)],
    "/my/disclosures/<string:disclosure_id>/decision": [
        ("/my/disclosures/0/decision", {"decision": "transfer", "reasons": "拟转让"}, "I", "R", NOT_STAFF)],
    "/my/disclosures/<string:disclosure_id>/achievement": [("/my/disclosures/0/achievement", {}, "I", "R", NOT_STAFF)],
    "/my/annual-reports/<string:report_id>": [("/my/annual-reports/0", {}, "I", "R", NOT_STAFF)],
    "/my/rewards": [("/my/rewards", {}, "I", "R", NOT_STAFF)],
    "/auctions/<string:auction_id>/bids": [("/auctions/{auction}/bids", {"amount": "400000"}, "I", "N",
                                            NOT_BIDDER)],
    # the portal's own data: a message is its reader's only (another's is 404, services/portal/tests/test_inbox.py)
    "/notifications/<string:message_id>/read": [("/notifications/0/read", {}, "I", None, None)],
    "/auth/logout": [("/auth/logout", {}, "I", None, None)],
    "/review/achievements/<string:achievement_id>/<string:action>": [
        ("/review/achievements/{submitted}/register", {}, "R", "N", SERVICE_REFUSAL),
        ("/review/achievements/{submitted}/return", {"reasons": "材料不全"}, "R", "N", SERVICE_REFUSAL),
        ("/review/achievements/{submitted}/publish", {}, "R", "N", SERVICE_REFUSAL)],
    "/review/contracts/<string:contract_id>/<string:action>": [
        ("/review/contracts/{contract}/register", {}, "G", "I", SERVICE_REFUSAL),
        ("/review/contracts/{contract}/return", {"reasons": "合同金额有误"}, "G", "I", SERVICE_REFUSAL)],
    "/review/incomes/<string:income_id>/<string:action>": [
        ("/review/incomes/0/verify", {"verified_amount": "1000"}, "G", "I", SERVICE_REFUSAL),
        ("/review/incomes/0/return", {"reasons": "缺少到账凭证"}, "G", "I", SERVICE_REFUSAL)],
    "/review/annual-reports/<string:report_id>/<string:action>": [
        ("/review/annual-reports/0/accept", {}, "R", "I", SERVICE_REFUSAL),
        ("/review/annual-reports/0/return", {"reasons": "数据不全"}, "R", "I", SERVICE_REFUSAL),
        ("/review/annual-reports/0/forward", {}, "R", "I", SERVICE_REFUSAL)],
    "/admin/accounts": [("/admin/accounts", {"username": "new-clerk", "display_name": "新经办人", "role": "institution",
                                             "organization_id": ORG}, "A", "I", SERVICE_REFUSAL)],
    "/admin/accounts/<string:account_id>/<string:action>": [
        ("/admin/accounts/0/disable", {"reason": "离职"}, "A", "I", SERVICE_REFUSAL),
        ("/admin/accounts/0/enable", {"reason": "复职"}, "A", "I", SERVICE_REFUSAL),
        ("/admin/accounts/0/role", {"role": "institution", "organization_id": ORG}, "A", "I", SERVICE_REFUSAL),
        ("/admin/accounts/0/password-reset", {"reason": "忘记密码"}, "A", "I", SERVICE_REFUSAL),
        ("/admin/accounts/0/totp-reset", {"reason": "更换手机"}, "A", "I", SERVICE_REFUSAL),
        ("/admin/accounts/0/unlock", {"reason": "本人确认"}, "A", "I", SERVICE_REFUSAL)],
    "/admin/organizations": [("/admin/organizations", {"name": "四川省示例研究院", "kind": "institute",
                                                       "region_code": "510100"}, "A", "I", SERVICE_REFUSAL)],
    "/admin/organizations/<string:organization_id>/<string:action>": [
        ("/admin/organizations/{org}/correct", {"name": "演示机构（更正）"}, "A", "I", SERVICE_REFUSAL),
        ("/admin/organizations/{org}/accredit", {"basis": "川科函〔2026〕8号"}, "A", "I", SERVICE_REFUSAL),
        ("/admin/organizations/{org}/revoke", {"reason": "不再符合条件"}, "A", "I", SERVICE_REFUSAL)],
    "/admin/tasks/<string:task_id>": [("/admin/tasks/{task}", {"status": "in_progress", "note": "推进中"}, "A", "I",
                                       SERVICE_REFUSAL)],
}
ROWS = [(route, *row) for route, rows in FORMS.items() for row in rows]


def portal_post_routes():
    import inspect
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from portal.service import PortalService
    return {entrypoint.url for _, member in inspect.getmembers(PortalService)
            for entrypoint in getattr(member, "nameko_entrypoints", ())
            if getattr(entrypoint, "method", "GET").upper() == "POST"}


def seed(stack):
    """Records of the development organization the forms name: a published achievement with a listing and an
    auction, a draft, a submitted achievement, a contract filed for registration; a task of the ledger."""
    registry, transactions, metrics = (stack.urls[n] for n in ("registry", "transactions", "metrics"))
    owner = {"Authorization": f"Bearer {stack.token('institution', org=ORG)}"}
    published = publish(stack, "高原光伏储能协同控制技术")
    draft = until_ok(lambda: requests.post(f"{registry}/api/v1/achievements", headers=owner, timeout=10,
                                         json=achievement("成都平原智慧灌溉决策系统")), "a draft")["id"]
    submitted = until_ok(lambda: requests.post(f"{registry}/api/v1/achievements", headers=owner, timeout=10,
                                             json=achievement("川南页岩气返排液处理技术")), "a draft")["id"]
    until_ok(lambda: requests.post(f"{registry}/api/v1/achievements/{submitted}/submit", headers=owner, json={},
                                 timeout=10), "the submission")
    listing = until_ok(lambda: requests.post(f"{transactions}/api/v1/listings", headers=owner, timeout=10, json={
        "achievement_id": published, "mode": "transfer", "asking_price": "500000"}), "the listing")["id"]
    ends = (datetime.now(timezone.utc) + timedelta(hours=26)).isoformat()
    auction = until_ok(lambda: requests.post(f"{transactions}/api/v1/auctions", headers=owner, timeout=10, json={
        "listing_id": listing, "start_price": "300000", "increment": "10000", "ends_at": ends}), "the auction")["id"]
    contract = until_ok(lambda: requests.post(f"{transactions}/api/v1/contracts", headers=owner, timeout=10, json={
        "contract_type": "transfer", "title": "光伏储能控制技术转让合同", "contract_amount": "800000",
        "technology_transaction_amount": "600000", "seller_organization_id": ORG,
        "buyer_name": "成都高新区某能源企业", "region_code": "510100"}), "a contract")["id"]
    task = requests.get(f"{metrics}/api/v1/tasks", timeout=10).json()["tasks"][0]["id"]
    return {"published": published, "draft": draft, "submitted": submitted, "listing": listing, "auction": auction,
            "contract": contract, "task": task, "org": ORG}


def counts(stack):
    """Documents per collection of every database of the run (leases and the security audit left out)."""
    found = {}
    for db_name in [*stack.identity.dbs.values(), *stack.services.dbs.values(), stack.portal_db.name]:
        db = stack.mongo[db_name]
        for name in db.list_collection_names():
            if name not in NOT_STATE:
                found[f"{db_name}.{name}"] = db[name].count_documents({})
    return found


def settled(stack, timeout=60):
    """The counts once the events of the seeding have been consumed (two equal readings 2 s apart)."""
    deadline, last = time.monotonic() + timeout, counts(stack)
    while time.monotonic() < deadline:
        time.sleep(2)
        now = counts(stack)
        if now == last:
            return now
        last = now
    return last


@pytest.fixture(scope="module")
def portal():
    with platform(services=("registry", "transactions", "metrics", "talent")) as stack:
        with stack.portal() as (url, db, _client):
            stack.portal_url, stack.portal_db = url, db
            stack.records = seed(stack)
            stack.people = {code: http_sign_in(stack, url, name) for code, name in PEOPLE.items()}
            yield stack


def concrete(stack, path, fields):
    return path.format(**stack.records), {k: v.format(**stack.records) for k, v in fields.items()}


def main_text(response):
    found = re.search(r"<main.*?</main>", response.text, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found[0] if found else response.text)


def test_every_post_route_of_the_portal_has_rows():
    assert portal_post_routes() - set(FORMS) == set(), "POST routes of the portal without a row in FORMS"
    assert set(FORMS) - portal_post_routes() == set(), "rows in FORMS for routes the portal does not have"


def test_every_action_of_an_action_route_has_a_row():
    """The routes whose last segment names the action: each action the portal takes is in the table."""
    from portal.entrypoints import admin, income, review

    actions = {"/my/achievements/<string:achievement_id>/<string:action>": ("submit", "withdraw"),
               "/review/achievements/<string:achievement_id>/<string:action>": review.ACHIEVEMENT_ACTIONS,
               "/review/contracts/<string:contract_id>/<string:action>": review.CONTRACT_ACTIONS,
               "/review/annual-reports/<string:report_id>/<string:action>": review.REPORT_ACTIONS,
               "/review/incomes/<string:income_id>/<string:action>": income.INCOME_ACTIONS,
               "/admin/accounts/<string:account_id>/<string:action>": admin.ACCOUNT_ACTIONS,
               "/admin/organizations/<string:organization_id>/<string:action>": ("correct", "accredit", "revoke")}
    for route, names in actions.items():
        assert sorted(path.rsplit("/", 1)[1] for path, *_ in FORMS[route]) == sorted(names), route


def test_without_a_session_every_form_redirects_to_sign_in_and_changes_nothing(portal):
    before = settled(portal)
    for route, path, fields, *_ in ROWS:
        path, fields = concrete(portal, path, fields)
        answer = requests.post(portal.portal_url + path, data={**fields, "csrf_token": "guessed"}, timeout=30,
                               allow_redirects=False)
        if route == "/auth/logout":  # no session to end: refused as a form from nowhere
            assert answer.status_code == 403 and CSRF_TEXT in main_text(answer), (path, answer.status_code)
            continue
        assert answer.status_code == 303, (path, answer.status_code, main_text(answer)[:300])
        assert answer.headers["Location"].startswith("/auth/login?next=/"), (path, answer.headers["Location"])
    assert counts(portal) == before


def test_without_its_csrf_token_every_form_is_refused_with_the_403_page_and_changes_nothing(portal):
    before = settled(portal)
    for route, path, fields, may, *_ in ROWS:
        path, fields = concrete(portal, path, fields)
        for token in ({}, {"csrf_token": "not-the-token"}):
            answer = portal.people[may].post(portal.portal_url + path, data={**fields, **token}, timeout=30,
                                             allow_redirects=False)
            assert answer.status_code == 403 and CSRF_TEXT in main_text(answer), (path, token, answer.status_code,
                                                                                   main_text(answer)[:300])
    assert counts(portal) == before
    assert portal.people["I"].get(portal.portal_url + "/me", timeout=30, allow_redirects=False).status_code == 200


def test_a_role_that_may_not_use_a_form_gets_the_refusal_page_and_changes_nothing(portal):
    before, wrong = settled(portal), []
    for route, path, fields, _may, may_not, seen in ROWS:
        if may_not is None:
            continue
        path, fields = concrete(portal, path, fields)
        caller = portal.people[may_not]
        answer = caller.post(portal.portal_url + path, data={**fields, "csrf_token": caller.csrf}, timeout=30,
                             allow_redirects=False)
        text = main_text(answer)
        if answer.status_code != 403 or CSRF_TEXT in text or not any(e in text for e in seen):
            wrong.append((path, PEOPLE[may_not], answer.status_code, text[:300]))
    assert wrong == []
    assert counts(portal) == before
