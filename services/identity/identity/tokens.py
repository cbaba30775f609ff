"""What a token says: the claims of the RFC 9068 access tokens and the secrets behind the opaque ones.
No I/O.

Access tokens are JWTs (``typ: at+jwt``, ES256 with ``kid``) carrying ``iss``, ``sub``, ``aud``, ``exp``,
``iat``, ``jti``, ``client_id``, ``scope`` (RFC 9068 §2.2) plus what ``ttp_common.auth.Principal`` needs:
``role``, ``org``, ``region``. A person's token has ``aud`` ``ttp`` (every service: what the person may do
follows from the role), ``sid`` (the browser session, which the identity service checks on its own API),
``auth_time`` and ``amr`` (``pwd``, ``otp``). A client system's token has ``sub`` = its client id, role
``client`` and as ``aud`` the services its scopes name.
Refresh tokens, authorization codes and cookies are random strings; only their SHA-256 is stored.
"""
import base64
import hashlib
import secrets

PLATFORM_AUDIENCE = "ttp"


def new_secret(nbytes=32):
    """A random URL-safe string (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)


def digest(value):
    """The SHA-256 under which a random secret is stored (URL-safe base64)."""
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).decode().rstrip("=")


def _common(issuer, now, ttl_seconds, client_id, scope):
    issued = int(now.timestamp())
    return {"iss": issuer, "iat": issued, "exp": issued + int(ttl_seconds), "jti": new_secret(16),
            "client_id": client_id, "scope": scope or ""}


def person_claims(account, *, issuer, now, ttl_seconds, client_id, scope, session_id, auth_time, amr):
    claims = _common(issuer, now, ttl_seconds, client_id, scope)
    claims.update({"sub": account.id, "aud": PLATFORM_AUDIENCE, "role": account.role, "sid": session_id,
                   "auth_time": int(auth_time), "amr": list(amr), "preferred_username": account.username})
    if account.organization_id:
        claims["org"] = account.organization_id
    if account.region_code:
        claims["region"] = account.region_code
    return claims


def client_claims(client, *, issuer, now, ttl_seconds, scope, audiences):
    claims = _common(issuer, now, ttl_seconds, client.id, scope)
    claims.update({"sub": client.id, "aud": audiences if len(audiences) != 1 else audiences[0], "role": "client"})
    if client.organization_id:
        claims["org"] = client.organization_id
    if client.region_code:
        claims["region"] = client.region_code
    if getattr(client, "acts_as", None):
        claims["acts_as"] = client.acts_as
    return claims
