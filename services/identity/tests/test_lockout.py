"""The lockout over HTTP: consecutive failed sign-ins lock the account (an event, an audit record, a counter)
until an administrator lifts the lock; its own instance locks after 3 failures (10 by default)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _identity import PASSWORD, attempt, metric, person, running_identity  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def api():
    with running_identity(IDENTITY_LOCKOUT_AFTER=3) as running:
        yield running


def test_consecutive_failures_lock_the_account_until_an_administrator_lifts_it(api, creds, admin_token, portal_secret):
    account_id = person(api, admin_token, portal_secret, "brute.two")
    locks = metric(api, "ttp_identity_lockouts_total")
    pages = [attempt(api, portal_secret, "brute.two", "wrong-password-guess") for _ in range(3)]
    assert [page.status_code for page in pages] == [401, 401, 403] and "锁定" in pages[-1].text
    assert metric(api, "ttp_identity_lockouts_total") == locks + 1
    assert attempt(api, portal_secret, "brute.two", PASSWORD).status_code == 403  # locked: even the right one
    account = api.get(f"/api/v1/accounts/{account_id}", token=admin_token).json()
    assert account["locked"] is True
    events = api.db["outbox"].count_documents({"type": "cn.gov.sc.ttp.identity.account.locked.v1"})
    assert events == 1

    lifted = api.post(f"/api/v1/accounts/{account_id}/unlock", token=admin_token)
    assert lifted.status_code == 200 and lifted.json()["locked"] is False
    page = attempt(api, portal_secret, "brute.two", PASSWORD)
    assert page.status_code == 302, page.text[:500]
    audit = [r["action"] for r in api.db["security_audit"].find({"target_id": account_id}).sort("at", 1)]
    assert "account.lock" in audit and "account.unlock" in audit and audit[-1] == "sign_in"
