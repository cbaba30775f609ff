"""Signing in to a running identity service from tools and scripts, the way a person's browser does: the
authorization request with PKCE (S256), the sign-in form with its CSRF token, the steps the service asks for
(a new password after a one-time one, TOTP enrolment, a TOTP code, the recovery codes page), the redirect with
the code, and the client's token request; and the client-credentials grant of other systems.

    from ttp_tools.signin import client_token, dev_credentials, sign_in
    creds = dev_credentials()                     # what the development seeding wrote (.run/identity/...)
    admin = creds["accounts"]["dev-admin"]
    token = sign_in("http://127.0.0.1:8106", "dev-admin", admin["password"], totp_secret=admin["totp_secret"],
                    client_secret=creds["clients"]["portal"]["client_secret"])["access_token"]

Refusals raise ``SignInError`` (the page's message in it); an identity service that does not answer raises
``requests.ConnectionError``. The pages are the service's server-rendered forms: each step is recognised by its
heading (``identity/templates``)."""
import base64
import hashlib
import json
import re
import secrets
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from ttp_common.paths import RUN_DIR

PORTAL_REDIRECT = "http://127.0.0.1:8100/auth/callback"
DEV_CREDENTIALS = RUN_DIR / "identity" / "dev-credentials.json"
# the sign-in steps by the heading of their page (identity.entrypoints.oauth.STAGE_PAGES)
STAGES = {"登录": "password", "设置新密码": "new_password", "绑定身份验证器": "enrol", "双因素验证": "totp",
          "保存恢复码": "recovery_codes"}
REPLAYED = "已使用过"  # the TOTP step's refusal of a code of a time step accepted before
TOTP_INTERVAL = 30


class SignInError(Exception):
    """The identity service refused a step (the message says which and why), or answered something else."""


class CredentialsMissing(SignInError):
    """No development credentials file (the identity service has not seeded its development accounts)."""


def pkce():
    """(code_verifier, code_challenge) of RFC 7636 with S256."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def csrf_of(html):
    """The CSRF token of a sign-in page's form."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise SignInError(f"no sign-in form on the page: {page_text(html)[:500]}")
    return match.group(1)


def totp_code(secret, at=None):
    """The TOTP code (RFC 6238, 6 digits, 30 s) of ``secret`` at ``at`` (a Unix time; default now)."""
    import pyotp

    return pyotp.TOTP(secret).at(time.time() if at is None else at)


def heading_of(html):
    match = re.search(r"<h1>(.*?)</h1>", html or "", re.S)
    return match.group(1).strip() if match else None


def error_of(html):
    """The error a page shows (``<p class="error">``), or None."""
    match = re.search(r'<p class="error"[^>]*>(.*?)</p>', html or "", re.S)
    return match.group(1).strip() if match else None


def page_text(html):
    """A page without its markup (for messages)."""
    body = re.sub(r"(?s)<(style|script)[^>]*>.*?</\1>", " ", html or "")
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def enrolment_secret(html):
    """The TOTP secret an enrolment page shows beside its QR code (as a person types it into an app)."""
    match = re.search(r"<code>([A-Z2-7]+)</code>", html or "")
    if not match:
        raise SignInError(f"no TOTP secret on the enrolment page: {page_text(html)[:500]}")
    return match.group(1)


def recovery_codes_of(html):
    """The recovery codes a page shows once after enrolment."""
    return re.findall(r"<li>([a-z2-9]{5}-[a-z2-9]{5})</li>", html or "")


class Flow:
    """One browser (a requests session: cookies, no automatic redirects) signing in to ``issuer_url`` on behalf
    of a client (the portal by default). ``start``/``submit``/``code``/``redeem`` are the single steps;
    ``sign_in`` the whole flow. ``page`` is the last answer; after an enrolment ``totp_secret`` and
    ``recovery_codes`` hold what the pages showed."""

    def __init__(self, issuer_url, client_id="portal", client_secret=None, redirect_uri=PORTAL_REDIRECT,
                 timeout=20):
        self.issuer_url = issuer_url.rstrip("/")
        self.client_id, self.client_secret, self.redirect_uri = client_id, client_secret, redirect_uri
        self.timeout = timeout
        self.http = requests.Session()
        self.page = None
        self.verifier = self.state = None
        self.totp_secret, self.recovery_codes = None, []

    # -- the single steps -------------------------------------------------------------------------
    def start(self, scope="openid profile", state=None, **extra):
        """The authorization request (``extra``: ``prompt="login"`` ...): the sign-in page, or with a live
        session the redirect with a code."""
        self.verifier, challenge = pkce()
        self.state = state or secrets.token_urlsafe(12)
        params = {"response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
                  "scope": scope, "state": self.state, "code_challenge": challenge, "code_challenge_method": "S256",
                  **extra}
        self.page = self.http.get(f"{self.issuer_url}/oauth/authorize?{urlencode(params)}", allow_redirects=False,
                                  timeout=self.timeout)
        return self.page

    def submit(self, **fields):
        """The current page's form with ``fields`` (and its CSRF token)."""
        self.page = self.http.post(f"{self.issuer_url}/oauth/authorize", allow_redirects=False,
                                   timeout=self.timeout, data={"csrf_token": csrf_of(self.page.text), **fields})
        return self.page

    def stage(self):
        """The step the current page asks for (``password``, ``new_password``, ``enrol``, ``totp``,
        ``recovery_codes``), ``"redirect"`` back to the client, or None (another page: a message)."""
        if self.page.status_code in (302, 303):
            return "redirect"
        return STAGES.get(heading_of(self.page.text))

    def code(self):
        """The code of the redirect back to the client (the redirect URI and the state checked)."""
        if self.page.status_code not in (302, 303):
            raise SignInError(f"no redirect back to the client ({self.page.status_code}): "
                              f"{page_text(self.page.text)[:800]}")
        location = urlsplit(self.page.headers["Location"])
        if f"{location.scheme}://{location.netloc}{location.path}" != self.redirect_uri:
            raise SignInError(f"redirected to {self.page.headers['Location']}, not {self.redirect_uri}")
        query = parse_qs(location.query)
        if query.get("state") != [self.state]:
            raise SignInError(f"the redirect's state {query.get('state')} is not the request's")
        if "code" not in query:
            raise SignInError(f"the authorization was refused: {query.get('error')} {query.get('error_description')}")
        return query["code"][0]

    def redeem(self, code, verifier=None):
        """The client's token request for ``code`` (the raw response)."""
        return requests.post(f"{self.issuer_url}/oauth/token", timeout=self.timeout,
                             data={"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                                   "code_verifier": verifier or self.verifier},
                             auth=(self.client_id, self.client_secret))

    # -- the whole flow ---------------------------------------------------------------------------
    def sign_in(self, username, password, totp_secret=None, new_password=None, **start):
        """Sign in as ``username``: the password, then what the service asks for: ``new_password`` when the
        password was a one-time one, TOTP enrolment (the secret read off the page: ``self.totp_secret``), a
        code of ``totp_secret`` (a code of a time step used before is followed by the next step's), the
        recovery codes page (``self.recovery_codes``); returns the token response (a dict)."""
        self.start(**start)
        totp_steps = 0
        for _ in range(12):
            stage = self.stage()
            if stage == "redirect":
                break
            if stage == "password":
                self._step("password", username=username, password=password)
            elif stage == "new_password":
                if new_password is None:
                    raise SignInError(f"{username} must set a new password at this sign-in (give new_password)")
                self._step("new password", new_password=new_password, confirm_password=new_password)
            elif stage == "enrol":
                self.totp_secret = enrolment_secret(self.page.text)
                self._step("TOTP enrolment", code=totp_code(self.totp_secret))
            elif stage == "totp":
                if totp_secret is None:
                    raise SignInError(f"{username} signs in with a TOTP code (give totp_secret)")
                totp_steps = self._totp(totp_secret, totp_steps)
            elif stage == "recovery_codes":
                self.recovery_codes = recovery_codes_of(self.page.text)
                self._step("recovery codes")
            else:
                raise SignInError(f"sign-in of {username}: {page_text(self.page.text)[:800]}")
        else:
            raise SignInError(f"sign-in of {username} did not finish: {page_text(self.page.text)[:800]}")
        response = self.redeem(self.code())
        if response.status_code != 200:
            raise SignInError(f"the token request for {username}'s code answered {response.status_code}: "
                              f"{response.text[:800]}")
        return response.json()

    def _step(self, what, **fields):
        self.submit(**fields)
        if self.page.status_code >= 400:
            raise SignInError(f"{what} refused ({self.page.status_code}): "
                              f"{error_of(self.page.text) or page_text(self.page.text)[:500]}")

    def _totp(self, secret, attempts):
        """One TOTP submission; a code of a step accepted before (a second sign-in within 30 s) is followed by
        the next step's code, which the drift window accepts, and then by a wait for that step."""
        now = time.time()
        if attempts == 0:
            at = now
        elif attempts == 1:
            at = now + TOTP_INTERVAL
        elif attempts == 2:
            time.sleep(TOTP_INTERVAL - now % TOTP_INTERVAL + 0.5)
            at = time.time() + TOTP_INTERVAL
        else:
            raise SignInError("the TOTP code was refused as used before, three times")
        self.submit(code=totp_code(secret, at))
        if self.page.status_code >= 400:
            error = error_of(self.page.text) or page_text(self.page.text)[:500]
            if REPLAYED not in error:
                raise SignInError(f"TOTP code refused ({self.page.status_code}): {error}")
        return attempts + 1


def sign_in(issuer_url, username, password, totp_secret=None, client_id="portal", client_secret=None,
            redirect_uri=PORTAL_REDIRECT, new_password=None, scope="openid profile"):
    """The token response (``access_token``, ``refresh_token``, ...) of ``username``'s sign-in through the sign-in
    form of the identity service at ``issuer_url`` on behalf of ``client_id`` (``Flow.sign_in``)."""
    flow = Flow(issuer_url, client_id, client_secret, redirect_uri)
    return flow.sign_in(username, password, totp_secret=totp_secret, new_password=new_password, scope=scope)


def client_token(issuer_url, client_id, client_secret, scope=None, timeout=20):
    """The token response of the client-credentials grant (``scope``: space-separated; default the client's
    own scopes)."""
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = requests.post(f"{issuer_url.rstrip('/')}/oauth/token", data=data, auth=(client_id, client_secret),
                             timeout=timeout)
    if response.status_code != 200:
        raise SignInError(f"the client-credentials token request of {client_id} answered {response.status_code}: "
                          f"{response.text[:800]}")
    return response.json()


def dev_credentials(path=None):
    """What the identity service's development seeding wrote (``IDENTITY_CREDENTIALS_FILE``, default
    ``.run/identity/dev-credentials.json``): ``{"accounts": {name: {"password", "totp_secret", ...}},
    "clients": {id: {"client_secret", "scopes"}}}``."""
    path = Path(path) if path else DEV_CREDENTIALS
    if not path.exists():
        raise CredentialsMissing(f"no development credentials at {path}: the identity service writes them when it "
                          "starts in development and seeds its accounts (`make up`)")
    return json.loads(path.read_text(encoding="utf-8"))
