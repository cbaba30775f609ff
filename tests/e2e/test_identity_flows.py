"""People and systems signed in by the identity service, using another service (issue 15, "Tests").

A real identity service and a real registry that trusts it (OIDC_ISSUER: discovery, JWKS, ES256) and
nothing else. An administrator signs in with two factors and opens an account for an institution's
clerk; the clerk signs in as a browser does (authorization code + PKCE through the sign-in form, a new
password at the first sign-in), registers an achievement with the token, refreshes it, signs the refresh
token off (RFC 7009) and cannot refresh again. A client system with ``registry:read`` reads and cannot
write. A token the registry's own test issuer signed is worthless here: the registry trusts one issuer.
"""
import sys
from pathlib import Path

import pytest
import requests

from ttp_testing import assert_error, running_service, tokens
from ttp_tools import signin

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "services" / "identity" / "tests"))
from _identity import credentials, running_identity  # noqa: E402

pytestmark = pytest.mark.integration

ORG = "org-sichuan-university-e2e"
NEW_PASSWORD = "锦江-望江楼-竹林-2026"


def achievement():
    return {"title": "川西高原光伏储能一体化技术", "type": "applied", "summary": "高海拔地区光伏与储能协同控制。",
            "keywords": ["光伏", "储能"], "industry": "新能源", "programme": 3, "trl": 6, "region_code": "510100",
            "organization_ids": [ORG], "contributors": [{"name": "李四", "share": "100"}],
            "funding": {"fiscal": False}, "patents": []}


@pytest.fixture(scope="module")
def platform():
    with running_identity() as identity:
        with running_service("registry", OIDC_ISSUER=identity.url, LOG_LEVEL="WARNING") as registry:
            yield identity, registry, credentials(identity)


def test_a_clerk_opened_by_the_administrator_signs_in_works_on_the_registry_refreshes_and_signs_off(platform):
    identity, registry, secrets = platform
    admin_secrets = secrets["accounts"]["dev-admin"]
    admin = signin.sign_in(identity.url, "dev-admin", admin_secrets["password"], admin_secrets["totp_secret"],
                           client_secret=secrets["clients"]["portal"].get("client_secret"))["access_token"]
    made = identity.post("/api/v1/accounts", {"username": "scu-clerk-e2e", "display_name": "四川大学成果经办人",
                                              "role": "institution", "organization_id": ORG}, token=admin)
    assert made.status_code == 201, made.text

    signed_in = signin.sign_in(identity.url, "scu-clerk-e2e", made.json()["one_time_password"],
                               new_password=NEW_PASSWORD,
                               client_secret=secrets["clients"]["portal"].get("client_secret"))
    created = registry.post("/api/v1/achievements", achievement(), token=signed_in["access_token"])
    assert created.status_code == 201, created.text
    assert created.json()["organization_ids"] == [ORG]
    other_org = registry.post("/api/v1/achievements", {**achievement(), "organization_ids": ["someone-else"]},
                              token=signed_in["access_token"])
    assert_error(other_org, 403, "forbidden")  # the token's org claim is the clerk's organization

    portal = ("portal", secrets["clients"]["portal"].get("client_secret"))
    refreshed = requests.post(f"{identity.url}/oauth/token", auth=portal, timeout=20,
                              data={"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    again = registry.get(f"/api/v1/achievements/{created.json()['id']}",
                         token=refreshed.json()["access_token"])
    assert again.status_code == 200, again.text

    revoked = requests.post(f"{identity.url}/oauth/revoke", auth=portal, timeout=20,
                            data={"token": refreshed.json()["refresh_token"], "token_type_hint": "refresh_token"})
    assert revoked.status_code == 200
    after = requests.post(f"{identity.url}/oauth/token", auth=portal, timeout=20,
                          data={"grant_type": "refresh_token", "refresh_token": refreshed.json()["refresh_token"]})
    assert after.status_code == 400 and after.json()["error"] == "invalid_grant"


def test_a_client_with_registry_read_reads_and_cannot_write(platform):
    identity, registry, secrets = platform
    client = secrets["clients"]["dev-subscriber"]
    token = signin.client_token(identity.url, "dev-subscriber", client["client_secret"], scope="registry:read")
    assert registry.get("/api/v1/achievements", token=token["access_token"]).status_code == 200
    written = registry.post("/api/v1/organizations", {"name": "订阅系统不该写", "credit_code": "x", "kind": "enterprise",
                                                      "region_code": "510100"}, token=token["access_token"])
    assert_error(written, 403, "forbidden")


def test_the_registry_trusts_no_other_issuer(platform):
    _, registry, _ = platform
    local = tokens.admin("someone-of-another-issuer")  # well signed, by the test run's issuer
    assert_error(registry.post("/api/v1/organizations", {"name": "x"}, token=local), 401, "unauthenticated")
