"""Browser sessions, kept server-side: what a session is, when it ends, when its access token needs a refresh.

The cookie carries only a random session key; the database keeps its SHA-256 (a copy of the database cannot be
replayed as cookies) with the person's tokens, the CSRF token of its forms and, during a sign-in, the OAuth
``state`` and PKCE verifier. A session ends after ``idle`` without use or ``max_age`` after it began, whatever
happens; an access token is refreshed ``REFRESH_MARGIN`` before it expires.
"""
import hashlib
import hmac
import secrets
from datetime import timedelta

COOKIE = "ttp_portal_session"
REFRESH_MARGIN = timedelta(seconds=30)
SIGN_IN_MINUTES = 10  # a pending sign-in (state, verifier) is good for this long


def new_key():
    """A fresh session key (the cookie's value) and its id (the stored digest)."""
    key = secrets.token_urlsafe(32)
    return key, key_id(key)


def key_id(key):
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def new_csrf_token():
    return secrets.token_urlsafe(32)


def csrf_ok(expected, given):
    """The synchronizer-token check: the form's token is the session's (compared in constant time)."""
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected).encode(), str(given).encode())


def ends_at(started_at, last_seen_at, idle, max_age):
    """When a session used last at ``last_seen_at`` ends."""
    return min(last_seen_at + idle, started_at + max_age)


def is_live(session, now, idle, max_age):
    return now < ends_at(session["started_at"], session["last_seen_at"], idle, max_age)


def needs_refresh(access_expires_at, now):
    return access_expires_at is None or now >= access_expires_at - REFRESH_MARGIN


def user_of(claims, userinfo=None):
    """The person a token is for, as the pages show them (claims of the access token, names from userinfo)."""
    info = userinfo or {}
    return {"sub": claims.get("sub"), "role": claims.get("role"), "org": claims.get("org"),
            "region": claims.get("region"), "username": info.get("preferred_username") or claims.get("preferred_username"),
            "name": info.get("name") or info.get("preferred_username") or claims.get("sub")}


def safe_next(target):
    """Where to go after signing in: a path of this portal only (never another site: an open redirect)."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
