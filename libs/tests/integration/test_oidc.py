"""ttp_common.oidc against a real issuer: the identity service running in a test container (its discovery
document and JWKS over HTTP), its tokens accepted and mapped to a Principal, the forged ones of issue 15
refused, the JWKS refetched on an unknown kid at most once per interval, and a key rotation picked up
without a restart. Claim mapping for other issuers (nested role lists, role maps, ``scp`` lists) on locally
signed tokens."""
import base64
import json
import sys
import time
from pathlib import Path

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from ttp_common import auth, client_access, oidc
from ttp_common.auth import Roles
from ttp_common.errors import Forbidden, Unauthenticated

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "services" / "identity" / "tests"))
from _identity import Browser, client_token, credentials, running_identity  # noqa: E402

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def issuer():
    # a rotated key signs 3 s after it is published; the verifiers below refetch at most every 2 s
    with running_identity(IDENTITY_KEY_ACTIVATION_SECONDS=3) as api:
        api.creds = credentials(api)
        yield api


def verifier(issuer, audience="registry", **overrides):
    settings = oidc.OidcSettings.from_config({"OIDC_ISSUER": issuer.url, "OIDC_AUDIENCE": f"{audience},ttp"},
                                             min_refresh_seconds=2.0, **overrides)
    return oidc.Verifier(settings)


def subscriber_token(issuer, scope="registry:read"):
    secret = issuer.creds["clients"]["dev-subscriber"]["client_secret"]
    response = client_token(issuer, "dev-subscriber", secret, scope=scope)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def ring(issuer):
    from identity.keys import KeyRing

    return KeyRing(issuer.config["IDENTITY_KEY_DIR"], activation_seconds=3)


def b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def hs256_by_hand(header, claims, secret):
    """The classic confusion attack, signed by hand (joserfc itself refuses a public key as an HMAC secret)."""
    import hashlib
    import hmac

    signing_input = f"{b64(header)}.{b64(claims)}"
    signature = base64.urlsafe_b64encode(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())
    return f"{signing_input}.{signature.rstrip(b'=').decode()}"


def valid_claims(issuer, **changes):
    now = int(time.time())
    return {"iss": issuer.url, "sub": "forger", "aud": "registry", "iat": now, "exp": now + 600, "role": "admin",
            "jti": "j", "client_id": "x", "scope": "registry:write", **changes}


def test_a_client_token_is_verified_through_discovery_and_mapped(issuer):
    check = verifier(issuer)
    principal = check.verify(subscriber_token(issuer))
    assert isinstance(principal, auth.Principal) and principal.role == Roles.CLIENT
    assert principal.sub == principal.client_id == "dev-subscriber" and principal.scopes == {"registry:read"}
    assert principal.has_scope("registry:read") and principal.has_scope("registry:achievements:read")
    assert not principal.has_scope("registry:write")
    assert principal.acts_as is None  # acts for nobody: the public on public reads, 403 elsewhere
    with pytest.raises(Forbidden):
        client_access.acting(principal, "registry:review:read", public=False)
    assert check.keys.fetches == 1 and check.verify(subscriber_token(issuer)).sub == "dev-subscriber"
    assert check.keys.fetches == 1  # cached


def test_a_persons_token_carries_role_and_organization(issuer):
    secret = issuer.creds["clients"]["portal"]["client_secret"]
    token = Browser(issuer, client_secret=secret).sign_in(
        "dev-institution", issuer.creds["accounts"]["dev-institution"]["password"])["access_token"]
    principal = verifier(issuer, audience="transactions").verify(token)
    assert (principal.role, principal.org, principal.region) == (Roles.INSTITUTION, "dev-demo-organization", None)
    assert principal.scopes == {"openid", "profile"} and principal.claims["amr"] == ["pwd"]
    assert client_access.acting(principal, "transactions:contracts:write", public=False) is principal  # by role


def test_the_forged_tokens_of_issue_15_are_refused(issuer):
    check = verifier(issuer)
    check.verify(subscriber_token(issuer))
    public_jwk = issuer.get("/.well-known/jwks.json").json()["keys"][0]
    kid = public_jwk["kid"]
    signing = ring(issuer).signing_key()
    header = {"alg": "ES256", "typ": "at+jwt", "kid": kid}
    forged = {
        "a key not in the JWKS": jwt.encode(header, valid_claims(issuer), ECKey.generate_key("P-256", private=True)),
        "alg none": f"{b64({'alg': 'none', 'typ': 'at+jwt', 'kid': kid})}.{b64(valid_claims(issuer))}.",
        "HS256 with the public key (JWK) as secret": jwt.encode(
            {"alg": "HS256", "typ": "at+jwt", "kid": kid}, valid_claims(issuer),
            OctKey.import_key(json.dumps(public_jwk).encode())),
        "HS256 with the public key (PEM) as secret": hs256_by_hand(
            {"alg": "HS256", "typ": "at+jwt", "kid": kid}, valid_claims(issuer),
            ECKey.import_key(public_jwk).as_pem(private=False)),
        "wrong iss": jwt.encode(header, valid_claims(issuer, iss="https://evil.example"), signing.key),
        "wrong aud": jwt.encode(header, valid_claims(issuer, aud="finance"), signing.key),
        "expired": jwt.encode(header, valid_claims(issuer, iat=int(time.time()) - 2000,
                                                   exp=int(time.time()) - 120), signing.key),
        "unknown kid": jwt.encode({**header, "kid": "no-such-key"}, valid_claims(issuer), signing.key),
        "the old HS256 form, with the retired shared secret": hs256_by_hand(
            {"alg": "HS256", "typ": "JWT"}, {**valid_claims(issuer), "iss": "ttp", "role": "admin"},
            b"ttp-dev-secret-change-me-for-production"),
        "typ JWT (not an access token)": jwt.encode({**header, "typ": "JWT"}, valid_claims(issuer), signing.key),
        "RS256 with a key of its own": jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": kid}, valid_claims(issuer),
                                                  RSAKey.generate_key(2048, private=True)),
        "garbage": "not.a.jwt",
    }
    for name, token in forged.items():
        with pytest.raises(Unauthenticated):
            check.verify(token)
            pytest.fail(f"accepted: {name}")
    # the same key and claims, honestly signed, pass: the refusals above are the forgeries'
    assert check.verify(jwt.encode(header, valid_claims(issuer), signing.key)).role == Roles.ADMIN


def test_unknown_kids_refetch_the_jwks_at_most_once_per_interval(issuer):
    check = verifier(issuer)
    check.verify(subscriber_token(issuer))
    signing = ring(issuer).signing_key()
    for n in range(20):
        with pytest.raises(Unauthenticated, match="unknown key"):
            check.verify(jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": f"made-up-{n}"}, valid_claims(issuer),
                                    signing.key))
    assert check.keys.fetches == 1  # within 2 s of the first fetch: none
    time.sleep(2.1)
    with pytest.raises(Unauthenticated):
        check.verify(jwt.encode({"alg": "ES256", "typ": "at+jwt", "kid": "made-up-again"}, valid_claims(issuer),
                                signing.key))
    assert check.keys.fetches == 2


def test_a_key_rotation_is_picked_up_without_a_restart(issuer):
    check = verifier(issuer)
    old_token = subscriber_token(issuer)
    check.verify(old_token)  # the JWKS is cached now, with the old key only
    keys = ring(issuer)
    old_kid, new_kid = keys.signing_key().kid, keys.rotate().kid  # as ttp-identity-keys rotate does
    deadline = time.time() + 15
    while time.time() < deadline:
        token = subscriber_token(issuer)
        kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==")).get("kid")
        if kid == new_kid:
            break
        time.sleep(0.5)
    assert kid == new_kid, "the service never signed with the rotated key"
    assert check.verify(token).sub == "dev-subscriber"  # the new kid: refetched, no restart
    assert check.verify(old_token).sub == "dev-subscriber"  # the old key stays published while its tokens live
    assert {key["kid"] for key in issuer.get("/.well-known/jwks.json").json()["keys"]} >= {old_kid, new_kid}


# -- another issuer's claims (Keycloak-style), locally signed -------------------------------

def test_claims_of_another_issuer_map_by_configuration():
    key = ECKey.generate_key("P-256", private=True)
    public = ECKey.import_key(key.as_dict(private=False))
    settings = oidc.OidcSettings.from_config({
        "OIDC_ISSUER": "https://sso.sc.gov.cn/realms/ttp", "OIDC_AUDIENCE": "registry", "OIDC_TOKEN_TYPES": "JWT",
        "OIDC_ROLE_CLAIM": "realm_access.roles", "OIDC_ROLE_MAP": "ttp-reviewer=reviewer,ttp-admin=admin",
        "OIDC_ORG_CLAIM": "ttp_org", "OIDC_REGION_CLAIM": "ttp_region", "OIDC_SCOPE_CLAIM": "scp"})
    check = oidc.Verifier(settings, oidc.StaticKeys(lambda kid: public if kid == "k1" else None))
    now = int(time.time())
    claims = {"iss": "https://sso.sc.gov.cn/realms/ttp", "aud": ["registry", "account"], "sub": "u-1", "iat": now,
              "exp": now + 300, "realm_access": {"roles": ["offline_access", "ttp-reviewer", "uma_authorization"]},
              "ttp_region": "510100", "scp": ["registry:read"], "azp": "portal"}
    principal = check.verify(jwt.encode({"alg": "ES256", "typ": "JWT", "kid": "k1"}, claims, key))
    assert (principal.role, principal.region, principal.scopes, principal.client_id) == (
        Roles.REVIEWER, "510100", frozenset({"registry:read"}), "portal")
    two_roles = {**claims, "realm_access": {"roles": ["ttp-reviewer", "ttp-admin"]}}
    with pytest.raises(Unauthenticated, match="more than one"):
        check.verify(jwt.encode({"alg": "ES256", "typ": "JWT", "kid": "k1"}, two_roles, key))


def test_only_asymmetric_algorithms_can_be_configured():
    with pytest.raises(ValueError):
        oidc.OidcSettings(issuer="https://x", algorithms=("HS256",))
    with pytest.raises(ValueError):
        oidc.OidcSettings(issuer="https://x", algorithms=("none",))
    with pytest.raises(ValueError):
        oidc.OidcSettings(issuer="")
