import time

import jwt
import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ttp_common import auth
from ttp_common.auth import (
    Principal, Roles, authenticate, decode_token, mint_token, region_covers, require, require_org,
    require_region,
)
from ttp_common.errors import ApiError
from ttp_tools.token import main

SECRET = "test-secret-that-is-at-least-32-bytes-long"


def request_with(authorization=None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return Request(EnvironBuilder(path="/api/v1/things", headers=headers).get_environ())


def assert_api_error(excinfo, status, code):
    assert excinfo.value.status == status
    assert excinfo.value.code == code
    body = excinfo.value.to_dict()
    assert body["code"] == code and body["message"]


def test_valid_token_round_trips():
    token = mint_token("alice", Roles.INSTITUTION, org="org-1", secret=SECRET)
    principal = decode_token(token, SECRET)
    assert principal == Principal("alice", Roles.INSTITUTION, org="org-1", region=None)
    assert principal.role == "institution"
    assert not principal.is_anonymous


def test_reviewer_token_carries_region():
    principal = decode_token(mint_token("bob", "reviewer", region=510100, secret=SECRET), SECRET)
    assert principal.region == "510100"


def test_expired_token_is_401():
    token = mint_token("alice", Roles.ADMIN, secret=SECRET, ttl_seconds=-3600)
    with pytest.raises(ApiError) as excinfo:
        decode_token(token, SECRET)
    assert_api_error(excinfo, 401, "unauthenticated")
    assert "expired" in excinfo.value.message


def test_forged_signature_is_401():
    token = mint_token("mallory", Roles.ADMIN, secret="another-secret-that-is-also-32-bytes-long")
    with pytest.raises(ApiError) as excinfo:
        decode_token(token, SECRET)
    assert_api_error(excinfo, 401, "unauthenticated")


def test_alg_none_is_401():
    now = int(time.time())
    token = jwt.encode({"iss": "ttp", "sub": "m", "role": "admin", "iat": now, "exp": now + 60}, None, algorithm="none")
    with pytest.raises(ApiError) as excinfo:
        decode_token(token, SECRET)
    assert_api_error(excinfo, 401, "unauthenticated")


def test_wrong_issuer_is_401():
    token = mint_token("alice", Roles.ADMIN, secret=SECRET, issuer="someone-else")
    with pytest.raises(ApiError) as excinfo:
        decode_token(token, SECRET)
    assert_api_error(excinfo, 401, "unauthenticated")


def test_unknown_role_is_401():
    now = int(time.time())
    token = jwt.encode({"iss": "ttp", "sub": "eve", "role": "superuser", "iat": now, "exp": now + 60}, SECRET)
    with pytest.raises(ApiError) as excinfo:
        decode_token(token, SECRET)
    assert_api_error(excinfo, 401, "unauthenticated")


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "role"])
def test_missing_claim_is_401(missing):
    now = int(time.time())
    claims = {"iss": "ttp", "sub": "eve", "role": "admin", "iat": now, "exp": now + 60}
    del claims[missing]
    with pytest.raises(ApiError) as excinfo:
        decode_token(jwt.encode(claims, SECRET), SECRET)
    assert_api_error(excinfo, 401, "unauthenticated")


def test_malformed_token_is_401():
    with pytest.raises(ApiError) as excinfo:
        decode_token("not.a.token", SECRET)
    assert_api_error(excinfo, 401, "unauthenticated")


def test_authenticate_without_header_is_anonymous_public():
    principal = authenticate(request_with(), SECRET)
    assert principal == Principal.anonymous()
    assert principal.role == Roles.PUBLIC and principal.is_anonymous


def test_authenticate_reads_bearer_token():
    token = mint_token("carol", Roles.ADMIN, secret=SECRET)
    assert authenticate(request_with(f"Bearer {token}"), SECRET).sub == "carol"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer garbage"])
def test_authenticate_rejects_bad_headers(header):
    with pytest.raises(ApiError) as excinfo:
        authenticate(request_with(header), SECRET)
    assert_api_error(excinfo, 401, "unauthenticated")
    assert excinfo.value.to_response().headers["WWW-Authenticate"] == "Bearer"


def test_require_anonymous_write_is_401():
    with pytest.raises(ApiError) as excinfo:
        require(Principal.anonymous(), Roles.INSTITUTION)
    assert_api_error(excinfo, 401, "unauthenticated")


def test_require_wrong_role_is_403():
    with pytest.raises(ApiError) as excinfo:
        require(Principal("rita", Roles.REVIEWER, region="510100"), Roles.INSTITUTION, Roles.ADMIN)
    assert_api_error(excinfo, 403, "forbidden")


def test_require_allowed_roles_pass():
    admin = Principal("root", Roles.ADMIN)
    assert require(admin, Roles.INSTITUTION, Roles.ADMIN) is admin
    assert require(admin) is admin  # no roles: any authenticated caller
    assert require(Principal.anonymous(), Roles.PUBLIC).is_anonymous


def test_require_org_scope():
    inst = Principal("ivy", Roles.INSTITUTION, org="org-1")
    assert require_org(inst, "org-1") is inst
    assert require_org(Principal("root", Roles.ADMIN), "org-9")
    for principal in (inst, Principal("nobody", Roles.INSTITUTION)):
        with pytest.raises(ApiError) as excinfo:
            require_org(principal, "org-2")
        assert_api_error(excinfo, 403, "forbidden")
    with pytest.raises(ApiError) as excinfo:
        require_org(Principal.anonymous(), "org-1")
    assert_api_error(excinfo, 401, "unauthenticated")


def test_require_region_scope():
    chengdu = Principal("rita", Roles.REVIEWER, region="510100")
    assert require_region(chengdu, "510100") is chengdu
    assert require_region(chengdu, "510104")  # a district of Chengdu
    assert require_region(Principal("root", Roles.ADMIN), "511300")
    assert require_region(Principal("prov", Roles.REVIEWER, region="510000"), "511300")
    for principal in (chengdu, Principal("ivy", Roles.INSTITUTION, org="org-1", region="511300")):
        with pytest.raises(ApiError) as excinfo:
            require_region(principal, "511300")  # Nanchong
        assert_api_error(excinfo, 403, "forbidden")


def test_region_covers():
    assert region_covers("510100", "510100")
    assert region_covers("510100", "510107")
    assert not region_covers("510100", "510000")
    assert not region_covers("510104", "510100")
    assert region_covers("510000", "513400")
    assert not region_covers("510000", "500000")


def test_secret_comes_from_env(monkeypatch):
    monkeypatch.setenv("TTP_JWT_SECRET", SECRET)
    assert decode_token(mint_token("a", Roles.ADMIN), SECRET).sub == "a"
    monkeypatch.delenv("TTP_JWT_SECRET")
    assert auth.jwt_secret() == auth.DEV_JWT_SECRET == "ttp-dev-secret-change-me-for-production"


def test_cli_prints_a_token(monkeypatch, capsys):
    monkeypatch.setenv("TTP_JWT_SECRET", SECRET)
    assert main(["--role", "reviewer", "--sub", "rita", "--region", "510100", "--ttl", "60"]) == 0
    principal = decode_token(capsys.readouterr().out.strip(), SECRET)
    assert principal == Principal("rita", Roles.REVIEWER, region="510100")


def test_acts_for_admins_and_the_callers_own_organizations_only():
    seller = Principal("s", Roles.INSTITUTION, org="org-seller")
    assert auth.acts_for(seller, "org-buyer", "org-seller") and auth.acts_for(Principal("a", Roles.ADMIN), "x")
    assert not auth.acts_for(seller, "org-buyer") and not auth.acts_for(seller)
    # a missing party matches nobody, not even a caller without an organization
    assert not auth.acts_for(Principal("n", Roles.INSTITUTION), "org-seller", None)
