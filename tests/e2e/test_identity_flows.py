"""People and systems signed in by the identity service, using another service (issue 15, "Tests").

A real identity service and a real registry that trusts it (OIDC_ISSUER: discovery, JWKS, ES256) and
nothing else. An administrator signs in with two factors and opens an account for an institution's
clerk; the clerk signs in as a browser does (authorization code + PKCE through the sign-in form, a new
password at the first sign-in), registers an achievement with the token, refreshes it, signs the refresh
token off (RFC 7009) and cannot refresh again. A client system with ``registry:read`` reads and cannot
write; a university's system files its organization's achievements and a city's registers them, each within
its scopes, as the role it was registered to act as. A token the registry's own test issuer signed is worthless here: the registry trusts one issuer.
"""
import sys
from pathlib import Path

import pytest
import requests

from ttp_testing import assert_error, running_service, tokens
from ttp_testing.events import header
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


@pytest.fixture(scope="module")
def admin(platform):
    """The administrator's access token, signed in once with two factors (a TOTP code is good once)."""
    identity, _, secrets = platform
    admin_secrets = secrets["accounts"]["dev-admin"]
    return signin.sign_in(identity.url, "dev-admin", admin_secrets["password"], admin_secrets["totp_secret"],
                          client_secret=secrets["clients"]["portal"].get("client_secret"))["access_token"]


def test_a_clerk_opened_by_the_administrator_signs_in_works_on_the_registry_refreshes_and_signs_off(platform, admin):
    identity, registry, secrets = platform
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


def client_of(identity, admin, **registration):
    """A service client registered by the administrator, and a token of the client-credentials grant."""
    made = identity.post("/api/v1/clients", {"kind": "service", **registration}, token=admin)
    assert made.status_code == 201, made.text
    client = made.json()["client"]
    return client, signin.client_token(identity.url, client["client_id"], made.json()["client_secret"])["access_token"]


def test_client_systems_act_for_their_organization_or_region_within_their_scopes(platform, admin):
    identity, registry, secrets = platform
    university, university_token = client_of(
        identity, admin, name="四川大学科研管理系统", scopes=["registry:achievements:write"], organization_id=ORG)
    assert university["acts_as"] == "institution"  # the default for a client of an organization
    city, city_token = client_of(identity, admin, name="成都市科技局成果登记系统", scopes=["registry:achievements:write"],
                                 region_code="510100")
    assert city["acts_as"] == "reviewer"

    created = registry.post("/api/v1/achievements", {**achievement(), "title": "高校科研系统推送的成果"},
                            token=university_token)
    assert created.status_code == 201, created.text
    achievement_id = created.json()["id"]
    assert_error(registry.post("/api/v1/achievements", {**achievement(), "organization_ids": ["someone-else"]},
                               token=university_token), 403, "forbidden")  # its organization only
    organization = registry.post("/api/v1/organizations", {"name": "无权登记的主体", "credit_code": "x",
                                                           "kind": "enterprise", "region_code": "510100"},
                                 token=university_token)
    assert_error(organization, 403, "forbidden")  # no scope covering registry:organizations:write
    assert registry.post(f"/api/v1/achievements/{achievement_id}/submit", {}, token=university_token).status_code == 200
    record = registry.event("ttp.registry.achievement", achievement_id)  # submitted: the first event of it
    assert (header(record, "ce_actor"), header(record, "ce_actorrole"), header(record, "ce_actorclient")) == (
        university["client_id"], "institution", university["client_id"])

    queue = registry.get("/api/v1/review/achievements", token=city_token)
    assert queue.status_code == 200 and achievement_id in [item["id"] for item in queue.json()["items"]]
    registered = registry.post(f"/api/v1/achievements/{achievement_id}/register", {}, token=city_token)
    assert registered.status_code == 200 and registered.json()["status"] == "registered", registered.text

    subscriber = signin.client_token(identity.url, "dev-subscriber",
                                     secrets["clients"]["dev-subscriber"]["client_secret"], scope="registry:read")
    assert_error(registry.get("/api/v1/review/achievements", token=subscriber["access_token"]), 403, "forbidden")
    mentioned = registry.get(f"/api/v1/achievements/{achievement_id}", token=subscriber["access_token"])
    assert_error(mentioned, 404, "not_found")  # registered, not published: a client acting for nobody is the public


def test_the_registry_trusts_no_other_issuer(platform):
    _, registry, _ = platform
    local = tokens.admin("someone-of-another-issuer")  # well signed, by the test run's issuer
    assert_error(registry.post("/api/v1/organizations", {"name": "x"}, token=local), 401, "unauthenticated")
