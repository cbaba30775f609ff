"""Helpers of the identity tests (imported by the conftest and the test modules: ``sys.path`` has this folder):
a browser that signs in the way a person does (the authorization request with PKCE, the sign-in form with
its CSRF token, TOTP when asked, the redirect with the code, the client's token request), and the token
requests of clients."""
import json
import re
import tempfile
from pathlib import Path

from joserfc import jws

from ttp_testing import wait_for
from ttp_tools import signin
from ttp_tools.signin import PORTAL_REDIRECT, csrf_of, pkce  # noqa: F401  (the tests import them from here)

SERVICE = "identity.service:IdentityService"
_run = Path(tempfile.mkdtemp(prefix="ttp-identity-test-"))


def running_identity(**config):
    """A running identity service (a context manager) with a key directory and credentials file of its own and
    the development accounts seeded; ``config``: overrides (``IDENTITY_SESSION_IDLE_MINUTES=...``)."""
    from ttp_testing import running_service

    scratch = Path(tempfile.mkdtemp(prefix="run-", dir=_run))
    # all tests sign in from 127.0.0.1: the per-address limit is tested on its own instance
    config = {"IDENTITY_ADDRESS_FAILURES_PER_MINUTE": 1000, "LOG_LEVEL": "WARNING", "IDENTITY_KEY_ACTIVATION_SECONDS": 0,
              "IDENTITY_KEY_DIR": str(scratch / "keys"), "IDENTITY_SEED_FILE": "fixtures/dev-accounts.yaml",
              "IDENTITY_CREDENTIALS_FILE": str(scratch / "dev-credentials.json"), **config}
    return running_service(SERVICE, **config)


def credentials(api):
    """The seeded accounts' and clients' secrets (written by the service at start)."""
    path = Path(api.config["IDENTITY_CREDENTIALS_FILE"])
    wait_for(lambda: path.exists() and json.loads(path.read_text()).get("clients", {}).get("portal"),
             timeout=60, message="the development seeding")
    return json.loads(path.read_text())


class Browser(signin.Flow):
    """A person's browser (a requests session: cookies, no automatic redirects) against the identity service,
    on behalf of the portal client: ``ttp_tools.signin.Flow`` on a test's service (``api``)."""

    def __init__(self, api, client_id="portal", client_secret=None, redirect_uri=PORTAL_REDIRECT):
        super().__init__(api.url, client_id, client_secret, redirect_uri)
        self.api = api

    def start(self, scope="openid profile", state="st-1", **extra):
        return super().start(scope=scope, state=state, **extra)

    def sign_in(self, username, password, totp_secret=None, **start):
        """The whole flow (password, TOTP when asked); returns the token response's JSON."""
        token = super().sign_in(username, password, totp_secret=totp_secret, **start)
        if totp_secret is not None:  # the second factor was asked for
            assert "otp" in json.loads(jws.extract_compact(token["access_token"].encode()).payload)["amr"], token
        return token


def fresh_code(secret):
    """A TOTP code of the current time step (the service refuses a step it accepted before: ``Browser.sign_in``
    then uses the next step's code, which the drift window accepts)."""
    return signin.totp_code(secret)


def refresh(api, refresh_token, client_id="portal", client_secret=None):
    return api.post("/oauth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                    auth=(client_id, client_secret))


def client_token(api, client_id, client_secret, scope=None):
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    return api.post("/oauth/token", data=data, auth=(client_id, client_secret))


PASSWORD = "峨眉山-金顶-日出-2026"


def metric(api, name, **labels):
    """The value of one sample on the service's /metrics (0 when absent)."""
    text = api.get("/metrics").text
    selector = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(selector) + r"\}" if labels else "") + r" (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def person(api, admin_token, portal_secret, username):
    """A new institution account that has set its own password."""
    made = api.post("/api/v1/accounts", {"username": username, "display_name": "测试", "role": "institution",
                                         "organization_id": "org-abuse"}, token=admin_token)
    assert made.status_code == 201, made.text
    browser = Browser(api, client_secret=portal_secret)
    browser.start()
    browser.submit(username=username, password=made.json()["one_time_password"])
    browser.submit(new_password=PASSWORD, confirm_password=PASSWORD)
    assert browser.page.status_code == 302
    return made.json()["account"]["id"]


def attempt(api, portal_secret, username, password):
    browser = Browser(api, client_secret=portal_secret)
    browser.start()
    return browser.submit(username=username, password=password)


def enrol(browser, username, one_time_password, new_password=PASSWORD):
    """First sign-in of a privileged account an administrator created: the one-time password, a new password,
    TOTP enrolment (the secret read off the page, as a person types it into an app), the recovery codes;
    returns (token response JSON, TOTP secret, recovery codes)."""
    browser.start(prompt="login")
    browser.submit(username=username, password=one_time_password)
    assert "设置新密码" in browser.page.text, browser.page.text[:800]
    browser.submit(new_password=new_password, confirm_password=new_password)
    assert "绑定身份验证器" in browser.page.text and "data:image/svg+xml" in browser.page.text
    secret = signin.enrolment_secret(browser.page.text)
    browser.submit(code=fresh_code(secret))
    codes = signin.recovery_codes_of(browser.page.text)
    assert len(codes) == 10, browser.page.text[:800]
    browser.submit()
    response = browser.redeem(browser.code())
    assert response.status_code == 200, response.text
    return response.json(), secret, codes


def new_account(api, token, **fields):
    made = api.post("/api/v1/accounts", {"display_name": "测试用户", **fields}, token=token)
    assert made.status_code == 201, made.text
    return made.json()["account"]["id"], made.json()["one_time_password"]
