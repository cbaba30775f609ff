"""Helpers of the portal's tests: the stack a browser test needs — identity, registry, transactions, metrics and
the portal as real ``nameko run`` processes against the real local servers (the browser must reach them while the
test process waits on it) — and publishing an achievement through the registry's API."""
import contextlib
import json
import tempfile
from pathlib import Path

import pymongo
import requests
from nameko.testing.utils import find_free_port

from ttp_testing import MONGO_URI, nameko_run, wait_for
from ttp_testing import tokens
from ttp_testing.services import identity_signer

ORG = "dev-demo-organization"  # the dev institution user's organization (identity's dev-accounts.yaml)
SERVICES = ("registry", "transactions", "metrics")
ACCOUNTS = Path(__file__).with_name("portal-accounts.yaml")  # the development accounts and a second institution


class Stack:
    """The running services: ``urls``, ``secrets`` (the identity seeding's), tokens signed by the identity service,
    and the portal's database."""

    def __init__(self, identity, services, scratch):
        self.identity, self.services, self.scratch = identity, services, scratch
        self.urls = {**identity.urls, **services.urls}
        self.secrets = json.loads((scratch / "dev-credentials.json").read_text())
        self._sign = identity_signer({"IDENTITY_ISSUER": self.urls["identity"],
                                      "IDENTITY_KEY_DIR": str(scratch / "keys")})
        self.mongo = pymongo.MongoClient(MONGO_URI)

    def token(self, role, **claims):
        return tokens.token(role, f"test-{role}", signer=self._sign, **claims)

    def web_client(self, port, name="门户（测试）"):
        """A web client of the identity service for a portal on ``port`` (the seeded ``portal`` client is
        registered for port 8100, which a developer's `make up` may be using)."""
        base = f"http://127.0.0.1:{port}"
        for _ in range(3):  # the shared development database times a transaction out now and then (503)
            made = requests.post(f"{self.urls['identity']}/api/v1/clients", timeout=20,
                                 headers={"Authorization": f"Bearer {self.token('admin')}"},
                                 json={"name": name, "kind": "web", "scopes": ["openid", "profile"],
                                       "redirect_uris": [f"{base}/auth/callback"],
                                       "post_logout_redirect_uris": [f"{base}/"]})
            if made.status_code != 503:
                break
        assert made.status_code == 201, made.text
        return made.json()["client"]["client_id"], made.json()["client_secret"]

    @contextlib.contextmanager
    def portal(self, urls=None, name="门户（测试）", env=None):
        """A portal on a free port calling ``urls`` ({service: url}, default the running ones), ``env`` added to
        its environment; yields (its URL, its database, its client id and secret)."""
        port = find_free_port()
        client_id, secret = self.web_client(port, name)
        urls = urls or {n: self.urls[n] for n in self.services.urls}
        env = {"LOG_LEVEL": "WARNING", "PORTAL_PUBLIC_URL": f"http://127.0.0.1:{port}",
               "PORTAL_IDENTITY_URL": self.urls["identity"], "PORTAL_CLIENT_ID": client_id,
               "PORTAL_CLIENT_SECRET": secret, **{f"PORTAL_{n.upper()}_URL": u for n, u in urls.items()}, **(env or {})}
        with nameko_run(["portal"], self.scratch, prefix=self.identity.prefix, env=env, ports={"portal": port}) as run:
            yield run.urls["portal"], self.mongo[run.dbs["portal"]], (client_id, secret)


@contextlib.contextmanager
def platform(services=SERVICES, env=None):
    """Identity (seeded with ``portal-accounts.yaml``) and ``services`` (default registry, transactions, metrics),
    ``env`` added to the services' environment (e.g. ``METRICS_PLANS_DIR``)."""
    scratch = Path(tempfile.mkdtemp(prefix="ttp-portal-test-"))
    identity_env = {"LOG_LEVEL": "WARNING", "IDENTITY_SEED_FILE": str(ACCOUNTS),
                    "IDENTITY_KEY_DIR": str(scratch / "keys"), "IDENTITY_CREDENTIALS_FILE": str(scratch / "dev-credentials.json"),
                    "IDENTITY_ISSUER": "", "IDENTITY_KEY_ACTIVATION_SECONDS": "0",
                    "IDENTITY_ADDRESS_FAILURES_PER_MINUTE": "1000"}
    with nameko_run(["identity"], scratch, env=identity_env) as identity:
        credentials = scratch / "dev-credentials.json"
        wait_for(lambda: credentials.exists() and json.loads(credentials.read_text()).get("accounts", {}).get(
            "dev-institution"), timeout=60, message="the development seeding")
        with nameko_run(list(services), scratch, prefix=identity.prefix,
                        env={"LOG_LEVEL": "WARNING", "OIDC_ISSUER": identity.urls["identity"],
                             **(env or {})}) as services:
            stack = Stack(identity, services, scratch)
            try:
                yield stack
            finally:
                stack.mongo.close()


def achievement(title, **overrides):
    return {"title": title, "type": "applied", "summary": "高海拔地区光伏与储能协同控制，已在甘孜州示范运行。",
            "keywords": ["光伏", "储能"], "industry": "新能源", "programme": 6, "trl": 7, "region_code": "510100",
            "organization_ids": [ORG], "contributors": [{"name": "李四", "share": "100"}],
            "funding": {"fiscal": False}, "patents": [], **overrides}


def publish(stack, title, org=ORG, **overrides):
    """An achievement drafted by ``org`` (the dev organization), submitted, registered and published by Chengdu's
    reviewer (tokens signed by the identity service, which the registry trusts); returns its id once it is public."""
    registry = stack.urls["registry"]
    owner, reviewer = stack.token("institution", org=org), stack.token("reviewer", region="510100")
    overrides.setdefault("organization_ids", [org])

    def post(path, body, token):
        response = requests.post(registry + path, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert response.status_code in (200, 201), response.text
        return response.json()

    achievement_id = post("/api/v1/achievements", achievement(title, **overrides), owner)["id"]
    for action, token in (("submit", owner), ("register", reviewer), ("publish", reviewer)):
        post(f"/api/v1/achievements/{achievement_id}/{action}", {}, token)
    wait_for(lambda: requests.get(f"{registry}/api/v1/achievements/{achievement_id}", timeout=5).status_code == 200,
             timeout=20, message="the published achievement")
    return achievement_id


COOKIE = "ttp_portal_session"


def _form(html, base):
    """The first POST form of a page: (its absolute action URL, its hidden fields)."""
    import html as html_lib
    import re
    from urllib.parse import urljoin

    match = re.search(r'<form[^>]*method="post"[^>]*action="([^"]*)"(.*?)</form>', html, re.S | re.I)
    assert match, html[:1000]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', match[2]))
    return urljoin(base, html_lib.unescape(match[1])), {k: html_lib.unescape(v) for k, v in fields.items()}


def http_sign_in(stack, portal_url, username):
    """Signs ``username`` in through the identity service's sign-in form (and its TOTP step) with plain HTTP, no
    browser; returns a ``requests.Session`` holding the portal's session cookie and ``session.csrf``, the token
    the portal's forms carry."""
    import re

    account = stack.secrets["accounts"][username]
    http = requests.Session()
    page = http.get(f"{portal_url}/auth/login", timeout=20)
    action, fields = _form(page.text, page.url)
    page = http.post(action, data={**fields, "username": username, "password": account["password"]}, timeout=20)
    if 'name="code"' in page.text and account.get("totp_secret"):
        import pyotp

        action, fields = _form(page.text, page.url)
        page = http.post(action, data={**fields, "code": pyotp.TOTP(account["totp_secret"]).now()}, timeout=20)
    assert page.url.startswith(portal_url) and COOKIE in http.cookies, (page.url, page.text[:1000])
    me = http.get(f"{portal_url}/me", timeout=20)
    token = re.search(r'name="csrf_token" value="([^"]+)"', me.text)
    assert me.status_code == 200 and token, me.text[:1000]
    http.csrf = token[1]
    return http


@contextlib.contextmanager
def running_portal(env=None):
    """``platform(env=env)`` with a portal on it: the stack, its ``portal_url``, ``portal_db`` and web ``client``."""
    with platform(env=env) as running:
        with running.portal() as (url, db, client):
            running.portal_url, running.portal_db, running.client = url, db, client
            yield running


def browser_sign_in(stack, folder, username):
    """A development account signed in through the identity service's pages in Chromium (its TOTP step for a
    privileged one; a code is accepted once per account and time step); returns the saved browser state's path."""
    from ttp_testing.browser import run_steps

    account = stack.secrets["accounts"][username]
    state = Path(folder) / f"{username}.json"
    run_steps(Path(__file__).with_name("browser_steps.py"), "sign_in", portal=stack.portal_url,
              identity=stack.urls["identity"], username=username, password=account["password"],
              totp_secret=account.get("totp_secret"), state_file=str(state))
    return str(state)


def until_ok(call, what, timeout=60):
    """``call()`` (a request) again until it answers a 2xx — a service learns of another's event a moment later —;
    its JSON."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        response = call()
        if response.status_code < 300 or time.monotonic() > deadline:
            assert response.status_code < 300, f"{what}: {response.status_code} {response.text[:500]}"
            return response.json()
        time.sleep(1)


def credit_code():
    """A random valid 统一社会信用代码 (GB 32100-2015) of a Sichuan public institution (12 5100 00 …)."""
    import random

    from ttp_common.reference import _USCC_CHARSET, uscc_check_character

    first = "12510000" + "".join(random.choice(_USCC_CHARSET[:10]) for _ in range(9))
    return first + uscc_check_character(first)
