"""Brute force (issue 15 item 6) over HTTP: the 6th wrong password within a minute is refused without its hash
being checked, consecutive failures lock the account until an administrator lifts the lock, the per-address
limit, and the counters on /metrics. The lockout is in ``test_lockout``, the per-address limit in
``test_address_limit`` (each on an instance of its own)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _identity import PASSWORD, attempt, metric, person  # noqa: E402

pytestmark = pytest.mark.integration


def test_the_sixth_wrong_password_in_a_minute_is_refused_unchecked(api, admin_token, portal_secret):
    person(api, admin_token, portal_secret, "brute.one")
    checks = metric(api, "ttp_identity_password_checks_total")
    throttled = metric(api, "ttp_identity_sign_ins_total", outcome="throttled")
    for _ in range(5):
        page = attempt(api, portal_secret, "brute.one", "wrong-password-guess")
        assert page.status_code == 401 and "用户名或密码错误" in page.text
    assert metric(api, "ttp_identity_password_checks_total") == checks + 5
    page = attempt(api, portal_secret, "brute.one", PASSWORD)  # even the right one
    assert page.status_code == 429 and "一分钟后再试" in page.text
    assert metric(api, "ttp_identity_password_checks_total") == checks + 5  # no hash was checked
    assert metric(api, "ttp_identity_sign_ins_total", outcome="throttled") == throttled + 1
    assert metric(api, "ttp_identity_sign_ins_total", outcome="wrong_password") >= 5


def test_an_unknown_account_is_answered_like_a_wrong_password_and_throttled_alike(api, portal_secret):
    checks = metric(api, "ttp_identity_password_checks_total")
    for _ in range(5):
        page = attempt(api, portal_secret, "no.such.person", "whatever-password")
        assert page.status_code == 401 and "用户名或密码错误" in page.text
    assert metric(api, "ttp_identity_password_checks_total") == checks + 5  # a dummy hash each time
    assert attempt(api, portal_secret, "no.such.person", "whatever-password").status_code == 429
