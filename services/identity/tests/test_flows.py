"""The OAuth flows end to end over HTTP, as a browser and a client system do them, against the real servers:
authorization code with PKCE through the sign-in form, refresh rotation, revocation, sign-out, single sign-on,
idle sessions; client credentials with scopes, secret rotation and revocation."""
import json
import sys
from pathlib import Path

import pytest
from joserfc import jws

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _identity import Browser, client_token, csrf_of, refresh  # noqa: E402

pytestmark = pytest.mark.integration


def claims_of(token):
    compact = jws.extract_compact(token.encode())
    return compact.protected, json.loads(compact.payload)


def oauth_error(response, status, error):
    assert response.status_code == status, response.text
    assert response.json()["error"] == error, response.text
    assert response.headers["Cache-Control"] == "no-store"


# -- discovery ------------------------------------------------------------------------------

def test_discovery_names_the_issuer_its_endpoints_and_keys(api):
    doc = api.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == api.url and doc["jwks_uri"] == f"{api.url}/.well-known/jwks.json"
    assert doc["token_endpoint"] == f"{api.url}/oauth/token" and doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["grant_types_supported"] == ["authorization_code", "refresh_token", "client_credentials"]
    [key] = api.get("/.well-known/jwks.json").json()["keys"]
    assert (key["kty"], key["crv"], key["alg"], key["use"]) == ("EC", "P-256", "ES256", "sig")
    assert not {"d", "p", "q"} & set(key)


# -- people: authorization code + PKCE --------------------------------------------------------

def test_an_institution_user_signs_in_and_gets_an_rfc9068_token_with_its_organization(api, creds, browser):
    token = browser.sign_in("dev-institution", creds["accounts"]["dev-institution"]["password"])
    header, claims = claims_of(token["access_token"])
    [key] = api.get("/.well-known/jwks.json").json()["keys"]
    assert header == {"alg": "ES256", "typ": "at+jwt", "kid": key["kid"]}
    assert claims["iss"] == api.url and claims["aud"] == "ttp" and claims["client_id"] == "portal"
    assert claims["sub"] == creds["accounts"]["dev-institution"]["account_id"]
    assert (claims["role"], claims["org"], claims["scope"]) == ("institution", "dev-demo-organization", "openid profile")
    assert claims["exp"] - claims["iat"] == 900 and claims["jti"] and claims["amr"] == ["pwd"]
    assert token["expires_in"] == 900 and token["refresh_token"]
    me = api.get("/api/v1/me", token=token["access_token"]).json()
    assert me["username"] == "dev-institution" and me["organization_id"] == "dev-demo-organization"
    assert api.get("/oauth/userinfo", token=token["access_token"]).json()["preferred_username"] == "dev-institution"


def test_a_wrong_password_shows_the_form_again_and_issues_nothing(api, browser):
    browser.start()
    browser.submit(username="dev-institution", password="not-the-password-at-all")
    assert browser.page.status_code == 401 and "用户名或密码错误" in browser.page.text
    assert 'name="password"' in browser.page.text


def test_pkce_is_required_and_s256_only(api, browser):
    for extra in ({"code_challenge": None, "code_challenge_method": None}, {"code_challenge_method": "plain"}):
        browser.start(**{k: v for k, v in extra.items()})
        # an invalid request with a registered redirect URI goes back to the client with the error
        assert browser.page.status_code == 302, browser.page.text[:500]
        assert "error=invalid_request" in browser.page.headers["Location"]


def test_an_unregistered_redirect_uri_is_not_followed(api, portal_secret):
    browser = Browser(api, client_secret=portal_secret, redirect_uri="https://evil.example/cb")
    browser.start()
    assert browser.page.status_code == 400 and "Location" not in browser.page.headers


def test_a_wrong_code_verifier_fails_and_a_code_works_once(api, creds, browser):
    browser.start()
    browser.submit(username="dev-institution", password=creds["accounts"]["dev-institution"]["password"])
    code = browser.code()
    oauth_error(browser.redeem(code, verifier="x" * 64), 400, "invalid_grant")
    oauth_error(browser.redeem(code), 400, "invalid_grant")  # consumed by the failed attempt

    browser.start(prompt="login")  # signed in now: sign in again all the same
    browser.submit(username="dev-institution", password=creds["accounts"]["dev-institution"]["password"])
    code = browser.code()
    first = browser.redeem(code)
    assert first.status_code == 200
    oauth_error(browser.redeem(code), 400, "invalid_grant")
    # the second redemption revoked what the first one issued (RFC 6749 §4.1.2)
    oauth_error(refresh(api, first.json()["refresh_token"], client_secret=browser.client_secret), 400, "invalid_grant")


def test_refresh_tokens_rotate_and_a_reused_one_revokes_the_chain(api, creds, browser):
    token = browser.sign_in("dev-institution", creds["accounts"]["dev-institution"]["password"])
    second = refresh(api, token["refresh_token"], client_secret=browser.client_secret)
    assert second.status_code == 200, second.text
    rotated = second.json()
    assert rotated["refresh_token"] != token["refresh_token"]
    assert claims_of(rotated["access_token"])[1]["sub"] == claims_of(token["access_token"])[1]["sub"]
    oauth_error(refresh(api, token["refresh_token"], client_secret=browser.client_secret), 400, "invalid_grant")
    oauth_error(refresh(api, rotated["refresh_token"], client_secret=browser.client_secret), 400, "invalid_grant")


def test_a_refresh_token_is_the_clients_own(api, creds, browser):
    token = browser.sign_in("dev-institution", creds["accounts"]["dev-institution"]["password"])
    subscriber = creds["clients"]["dev-subscriber"]["client_secret"]
    oauth_error(refresh(api, token["refresh_token"], client_id="dev-subscriber", client_secret=subscriber), 400,
                "unauthorized_client")
    assert refresh(api, token["refresh_token"], client_secret=browser.client_secret).status_code == 200


def test_revocation_rfc7009_refuses_the_refresh_token_afterwards(api, creds, browser):
    token = browser.sign_in("dev-institution", creds["accounts"]["dev-institution"]["password"])
    revoked = api.post("/oauth/revoke", data={"token": token["refresh_token"], "token_type_hint": "refresh_token"},
                       auth=("portal", browser.client_secret))
    assert revoked.status_code == 200
    oauth_error(refresh(api, token["refresh_token"], client_secret=browser.client_secret), 400, "invalid_grant")
    # revoking something unknown answers 200 too (RFC 7009 §2.2); an unauthenticated client does not get in
    assert api.post("/oauth/revoke", data={"token": "nothing"}, auth=("portal", browser.client_secret)).status_code == 200
    assert api.post("/oauth/revoke", data={"token": "nothing"}, auth=("portal", "wrong")).status_code == 401


def test_single_sign_on_then_sign_out_ends_the_session_and_its_tokens(api, creds, browser):
    token = browser.sign_in("dev-institution", creds["accounts"]["dev-institution"]["password"])
    browser.start(state="again")  # the session cookie: a code without the form
    code = browser.code()
    assert browser.redeem(code).status_code == 200
    page = browser.http.get(f"{api.url}/oauth/logout", params={"client_id": "portal",
                                                               "post_logout_redirect_uri": "http://127.0.0.1:8100/",
                                                               "state": "bye"}, timeout=10)
    assert page.status_code == 200 and "退出" in page.text
    done = browser.http.post(f"{api.url}/oauth/logout", allow_redirects=False, timeout=10, data={
        "csrf_token": csrf_of(page.text), "client_id": "portal", "post_logout_redirect_uri": "http://127.0.0.1:8100/",
        "state": "bye"})
    assert done.status_code == 302 and done.headers["Location"] == "http://127.0.0.1:8100/?state=bye"
    oauth_error(refresh(api, token["refresh_token"], client_secret=browser.client_secret), 400, "invalid_grant")
    assert api.get("/api/v1/me", token=token["access_token"]).status_code == 401  # its session ended
    assert browser.start(state="after").status_code == 200 and 'name="password"' in browser.page.text


def test_sign_out_to_an_unregistered_address_is_refused(api):
    page = api.get("/oauth/logout", params={"client_id": "portal", "post_logout_redirect_uri": "https://evil.example/"})
    assert page.status_code == 400


def test_a_disabled_accounts_refresh_is_refused(api, creds, admin_token, portal_secret):
    made = api.post("/api/v1/accounts", {"username": "to.be.disabled", "display_name": "待停用",
                                         "role": "institution", "organization_id": "org-d"}, token=admin_token)
    assert made.status_code == 201, made.text
    browser = Browser(api, client_secret=portal_secret)
    browser.start()
    browser.submit(username="to.be.disabled", password=made.json()["one_time_password"])
    assert "设置新密码" in browser.page.text
    browser.submit(new_password="青城山-都江堰-2026", confirm_password="青城山-都江堰-2026")
    token = browser.redeem(browser.code()).json()
    account_id = made.json()["account"]["id"]
    assert api.post(f"/api/v1/accounts/{account_id}/disable", {"reason": "离职"}, token=admin_token).status_code == 200
    oauth_error(refresh(api, token["refresh_token"], client_secret=portal_secret), 400, "invalid_grant")
    browser.start()
    browser.submit(username="to.be.disabled", password="青城山-都江堰-2026")
    assert browser.page.status_code == 403 and "停用" in browser.page.text


# -- systems: client credentials ------------------------------------------------------------

def test_a_subscribing_system_gets_a_token_for_its_scopes_only(api, creds):
    secret = creds["clients"]["dev-subscriber"]["client_secret"]
    token = client_token(api, "dev-subscriber", secret, scope="registry:read")
    assert token.status_code == 200, token.text
    header, claims = claims_of(token.json()["access_token"])
    assert header["typ"] == "at+jwt" and "refresh_token" not in token.json()
    assert (claims["sub"], claims["client_id"], claims["role"], claims["aud"], claims["scope"]) == (
        "dev-subscriber", "dev-subscriber", "client", "registry", "registry:read")
    everything = client_token(api, "dev-subscriber", secret).json()
    assert claims_of(everything["access_token"])[1]["aud"] == ["finance", "metrics", "registry", "talent",
                                                                "transactions"]
    oauth_error(client_token(api, "dev-subscriber", secret, scope="registry:write"), 400, "invalid_scope")
    oauth_error(client_token(api, "dev-subscriber", "wrong-secret"), 401, "invalid_client")
    oauth_error(client_token(api, "nobody", "x"), 401, "invalid_client")
    # its token is no key to the administration API
    assert api.get("/api/v1/accounts", token=token.json()["access_token"]).status_code == 401  # aud is registry


def test_a_client_is_registered_its_secret_rotated_with_overlap_and_revoked(api, admin_token):
    made = api.post("/api/v1/clients", {"name": "成都市科技局成果系统", "kind": "service",
                                        "scopes": ["registry:read", "identity:read"], "region_code": "510100"},
                    token=admin_token)
    assert made.status_code == 201, made.text
    client_id, first = made.json()["client"]["client_id"], made.json()["client_secret"]
    assert "client_secret" not in json.dumps(api.get(f"/api/v1/clients/{client_id}", token=admin_token).json())
    token = client_token(api, client_id, first, scope="identity:read")
    assert token.status_code == 200 and claims_of(token.json()["access_token"])[1]["region"] == "510100"
    # a client token with an identity scope reaches the identity API, and is refused by its admin endpoints
    assert api.get("/api/v1/accounts", token=token.json()["access_token"]).status_code == 403
    rotated = api.post(f"/api/v1/clients/{client_id}/secret-rotation", token=admin_token)
    second = rotated.json()["client_secret"]
    assert client_token(api, client_id, first).status_code == 200  # the overlap
    assert client_token(api, client_id, second).status_code == 200
    revoked = api.post(f"/api/v1/clients/{client_id}/revocation", {"reason": "系统下线"}, token=admin_token)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    oauth_error(client_token(api, client_id, second), 401, "invalid_client")


def test_token_requests_are_counted_and_audited_without_secrets(api, creds, admin_token):
    secret = creds["clients"]["dev-subscriber"]["client_secret"]
    client_token(api, "dev-subscriber", secret)
    metrics = api.get("/metrics").text
    assert 'ttp_identity_tokens_issued_total{grant_type="client_credentials"}' in metrics
    assert 'ttp_identity_security_events_total{action="client.token",outcome="success"}' in metrics
    stored = json.dumps(list(api.db["security_audit"].find({}, {"_id": 0})), default=str)
    for account in creds["accounts"].values():
        assert account["password"] not in stored
        assert account.get("totp_secret") is None or account["totp_secret"] not in stored
    for client in creds["clients"].values():
        assert client["client_secret"] not in stored
