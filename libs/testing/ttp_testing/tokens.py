"""Bearer tokens for tests, signed by the test run's issuer (``ttp_testing.issuer``), which every service a
test starts trusts, as a deployment trusts the identity service.

    token("admin")                        an administrator (sub test-admin)
    institution("org-1")                  a clerk of organization org-1 (sub clerk-org-1)
    reviewer("510100")                    the reviewer of Chengdu (sub reviewer-510100)
    client("registry:read")               another system's client-credentials token with that scope
    token("admin", ttl_seconds=-120)      expired
    forged("admin", "another key")        a token no service may accept (``FORGERIES`` lists the kinds)

``ServiceApi.token/admin/institution/reviewer`` are the same.
"""
import base64
import hashlib
import hmac
import json
import time
import uuid

from .issuer import local_issuer


def claims_of(role, sub=None, *, org=None, region=None, scope=None, audience="ttp", ttl_seconds=3600, **extra):
    now = int(time.time())
    claims = {"iss": local_issuer().url, "sub": str(sub or f"test-{role}"), "aud": audience, "role": str(role),
              "iat": now, "exp": now + int(ttl_seconds), "jti": uuid.uuid4().hex}
    for name, value in (("org", org), ("region", region), ("scope", scope)):
        if value is not None:
            claims[name] = str(value)
    claims.update(extra)
    return claims


def token(role, sub=None, *, signer=None, **claims):
    """A token of ``role`` for ``sub`` (default ``test-<role>``); ``claims``: ``org``, ``region``, ``scope``,
    ``audience``, ``ttl_seconds`` and any other claim. ``signer``: another issuer's ``sign(claims)``."""
    return (signer or local_issuer().sign)(claims_of(role, sub, **claims))


def admin(sub=None, **claims):
    return token("admin", sub, **claims)


def institution(org, sub=None, **claims):
    """A clerk of ``org`` (an institution token scoped to that organization)."""
    return token("institution", sub or f"clerk-{org}", org=org, **claims)


def reviewer(region, sub=None, **claims):
    """The reviewer of ``region`` (a GB/T 2260 code: a city's queue, or the province's)."""
    return token("reviewer", sub or f"reviewer-{region}", region=region, **claims)


def client(scope, client_id="test-client", audience=None, **claims):
    """Another system's client-credentials token: role ``client``, ``scope`` (space-separated), ``aud`` the
    services its scopes name (as the identity service issues them)."""
    services = sorted({part.split(":")[0] for part in scope.split()})
    return token("client", client_id, scope=scope, client_id=client_id,
                 audience=audience or (services[0] if len(services) == 1 else services), **claims)


def _other_key():
    from joserfc.jwk import ECKey

    return ECKey.generate_key("P-256", parameters={"kid": local_issuer().kid})


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs256(claims, secret):
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{_b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())}"


def _unsigned(claims):
    header = {"alg": "none", "typ": "at+jwt", "kid": local_issuer().kid}
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."


def _public_key_as_hmac_secret(claims):
    """The algorithm-confusion attack: HS256 keyed with the issuer's published public key."""
    return _hs256(claims, json.dumps(local_issuer().key.as_dict(private=False)).encode())


def _tampered(token, claims):
    """``token``'s header and signature over other claims."""
    header, _, signature = token.split(".")
    return f"{header}.{_b64(json.dumps(claims).encode())}.{signature}"


# What an attacker can make without the issuer's private key; each must get 401 everywhere.
FORGERIES = {
    "another key with the issuer's kid": lambda c: local_issuer().sign(c, key=_other_key()),
    "an unknown kid": lambda c: local_issuer().sign(c, key=_other_key(), header={"kid": "made-up-kid"}),
    "HS256 with the old shared development secret": lambda c: _hs256(c, b"ttp-dev-secret-change-me-for-production"),
    "HS256 keyed with the issuer's public key": _public_key_as_hmac_secret,
    "alg none": _unsigned,
    "another issuer": lambda c: local_issuer().sign({**c, "iss": "https://evil.example"}),
    "another audience": lambda c: local_issuer().sign({**c, "aud": "someone-else"}),
    "expired": lambda c: local_issuer().sign({**c, "exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}),
    "not an access token (typ JWT)": lambda c: local_issuer().sign(c, header={"typ": "JWT"}),
    "a tampered payload": lambda c: _tampered(local_issuer().sign({**c, "role": "reviewer"}), {**c, "role": "admin"}),
}


def forged(role, kind, sub=None, **claims):
    """A token of ``role`` forged as ``kind`` (a key of ``FORGERIES``)."""
    return FORGERIES[kind](claims_of(role, sub or f"mallory-{role}", **claims))
