"""Persistence: mongoengine documents of the identity database.

Secrets never stored as given: passwords and client secrets as argon2id hashes; refresh tokens,
authorization codes, session cookies, sign-in flow cookies and recovery codes as SHA-256 digests of
high-entropy random values (a database reader cannot use them). The security audit (``AuditRecord``)
is written with inserts only, by ``identity.audit``; nothing in the service updates or deletes it.
"""
import datetime as dt

from mongoengine import BooleanField, DateTimeField, DictField, Document, IntField, ListField, StringField

from ttp_common.clock import now_ms


def aware(moment):
    """A datetime read back from MongoDB as aware UTC (it may come back naive); None stays None."""
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


class Account(Document):
    """A person's account: one role, belonging to an organization (registry id) or a region's office."""

    meta = {"collection": "accounts", "indexes": [
        {"fields": ["username"], "unique": True},
        {"fields": ["organization_id", "role"]},
        {"fields": ["region_code", "role"]},
    ]}

    id = StringField(primary_key=True)
    username = StringField(required=True)           # lower case, the sign-in name
    display_name = StringField(required=True)
    email = StringField()                           # where the portal's notifications are mailed (optional)
    role = StringField(required=True)
    organization_id = StringField()
    region_code = StringField()
    status = StringField(required=True, default="active")  # active | disabled
    locked = BooleanField(default=False)
    locked_at = DateTimeField()
    failed_count = IntField(default=0)              # consecutive failed sign-ins since the last success
    password_hash = StringField(required=True)
    must_change_password = BooleanField(default=False)
    password_expires_at = DateTimeField()           # a one-time password (created, reset) expires
    password_changed_at = DateTimeField()
    totp_secret = StringField()
    totp_enabled = BooleanField(default=False)
    totp_last_step = IntField(default=0)            # the last accepted TOTP time step: no replay
    recovery_codes = ListField(StringField())       # SHA-256 digests, each removed when used
    created_at = DateTimeField(required=True, default=now_ms)
    created_by = StringField(required=True)
    updated_at = DateTimeField(default=now_ms)

    def public(self):
        return {
            "id": self.id, "username": self.username, "display_name": self.display_name, "role": self.role,
            "organization_id": self.organization_id, "region_code": self.region_code, "status": self.status,
            "email": self.email,
            "locked": bool(self.locked), "must_change_password": bool(self.must_change_password),
            "totp_enabled": bool(self.totp_enabled), "recovery_codes_left": len(self.recovery_codes or ()),
            "created_at": self.created_at, "created_by": self.created_by,
        }


class Client(Document):
    """An OAuth 2.0 client: another system (client credentials, scopes) or a web application (the portal:
    authorization code + PKCE). ``secrets``: ``{"id", "hash", "created_at", "expires_at"}``, the current
    one without ``expires_at``; rotated ones keep working until theirs."""

    meta = {"collection": "clients"}

    id = StringField(primary_key=True)              # the client_id
    name = StringField(required=True)
    kind = StringField(required=True)               # service | web
    scopes = ListField(StringField())               # what it may ask for
    grant_types = ListField(StringField())
    redirect_uris = ListField(StringField())
    post_logout_redirect_uris = ListField(StringField())
    organization_id = StringField()                 # a system of one organization or region: scoped so
    region_code = StringField()
    acts_as = StringField()                         # the role it acts as there (ttp_common.client_access)
    secrets = ListField(DictField())
    status = StringField(required=True, default="active")  # active | revoked
    created_at = DateTimeField(required=True, default=now_ms)
    created_by = StringField(required=True)
    revoked_at = DateTimeField()

    def public(self):
        return {
            "client_id": self.id, "name": self.name, "kind": self.kind, "scopes": list(self.scopes),
            "grant_types": list(self.grant_types), "redirect_uris": list(self.redirect_uris),
            "post_logout_redirect_uris": list(self.post_logout_redirect_uris),
            "organization_id": self.organization_id, "region_code": self.region_code, "acts_as": self.acts_as,
            "status": self.status, "secrets": [{"id": s["id"], "created_at": s["created_at"], "expires_at": s.get("expires_at")}
                        for s in self.secrets],
            "created_at": self.created_at, "revoked_at": self.revoked_at,
        }


class AuthorizationCode(Document):
    meta = {"collection": "authorization_codes", "indexes": [
        {"fields": ["expires_at"], "expireAfterSeconds": 3600},
    ]}

    id = StringField(primary_key=True)              # SHA-256 of the code
    client_id = StringField(required=True)
    account_id = StringField(required=True)
    session_id = StringField(required=True)
    redirect_uri = StringField(required=True)
    scope = StringField(default="")
    code_challenge = StringField(required=True)
    code_challenge_method = StringField(required=True)
    auth_time = IntField(required=True)
    amr = ListField(StringField())
    created_at = DateTimeField(required=True, default=now_ms)
    expires_at = DateTimeField(required=True)
    used = BooleanField(default=False)


class RefreshToken(Document):
    """One refresh token of a family (one sign-in of one client); each use replaces it by the next."""

    meta = {"collection": "refresh_tokens", "indexes": [
        {"fields": ["family_id"]}, {"fields": ["session_id"]}, {"fields": ["account_id"]},
        {"fields": ["expires_at"], "expireAfterSeconds": 86400},
    ]}

    id = StringField(primary_key=True)              # SHA-256 of the token
    family_id = StringField(required=True)
    client_id = StringField(required=True)
    account_id = StringField(required=True)
    session_id = StringField(required=True)
    scope = StringField(default="")
    auth_time = IntField(required=True)
    amr = ListField(StringField())
    created_at = DateTimeField(required=True, default=now_ms)
    expires_at = DateTimeField(required=True)
    used_at = DateTimeField()
    revoked_at = DateTimeField()


class BrowserSession(Document):
    """A signed-in browser (the identity service's cookie): ends when idle, at its maximum age, at sign-out,
    or when revoked (by its owner, an administrator's disable or reset)."""

    meta = {"collection": "sessions", "indexes": [
        {"fields": ["secret_hash"], "unique": True}, {"fields": ["account_id", "created_at"]},
    ]}

    id = StringField(primary_key=True)
    secret_hash = StringField(required=True)
    account_id = StringField(required=True)
    amr = ListField(StringField())
    address = StringField()
    user_agent = StringField()
    created_at = DateTimeField(required=True, default=now_ms)
    last_seen_at = DateTimeField(required=True, default=now_ms)
    expires_at = DateTimeField(required=True)
    ended_at = DateTimeField()
    end_reason = StringField()

    def public(self, idle_minutes):
        return {"id": self.id, "created_at": self.created_at, "last_seen_at": self.last_seen_at,
                "expires_at": self.expires_at, "address": self.address, "user_agent": self.user_agent,
                "ended_at": self.ended_at, "end_reason": self.end_reason}


class SignInFlow(Document):
    """A sign-in in progress (its cookie's SHA-256 as id): the authorization request it answers, the CSRF
    token of its forms, and how far it got (password, new password, TOTP enrolment, TOTP)."""

    meta = {"collection": "sign_in_flows", "indexes": [{"fields": ["expires_at"], "expireAfterSeconds": 0}]}

    id = StringField(primary_key=True)
    csrf = StringField(required=True)
    params = ListField(ListField(StringField()))     # the authorization request's query parameters
    stage = StringField(required=True, default="password")
    account_id = StringField()
    amr = ListField(StringField())
    pending_totp_secret = StringField()
    created_at = DateTimeField(required=True, default=now_ms)
    expires_at = DateTimeField(required=True)


class SignInAttempt(Document):
    """One attempt to sign in (password or second factor), for the per-account and per-address limits."""

    meta = {"collection": "sign_in_attempts", "indexes": [
        {"fields": ["username", "at"]}, {"fields": ["address", "at"]},
        {"fields": ["at"], "expireAfterSeconds": 86400},
    ]}

    id = StringField(primary_key=True)
    username = StringField(required=True)
    address = StringField(required=True)
    at = DateTimeField(required=True)
    outcome = StringField(required=True, default="pending")  # pending | failed | throttled | success


class AuditRecord(Document):
    """A security audit record (GB/T 22239-2019 8.1.4.3 安全审计): who, what, when, from where, outcome.
    Append-only: inserted, never updated or deleted by the service (and, at deployment, by nobody: the
    service's database user has insert and find only on this collection)."""

    meta = {"collection": "security_audit", "indexes": [
        {"fields": ["at"]}, {"fields": ["action", "at"]}, {"fields": ["actor_sub", "at"]},
        {"fields": ["target_id", "at"]},
    ]}

    id = StringField(primary_key=True)
    at = DateTimeField(required=True)
    action = StringField(required=True)             # e.g. sign_in, account.create, client.token
    outcome = StringField(required=True)            # success | failure | refused
    actor_sub = StringField()
    actor_role = StringField()
    actor_org = StringField()
    actor_region = StringField()
    address = StringField()
    user_agent = StringField()
    target_type = StringField()
    target_id = StringField()
    detail = DictField()
    correlation_id = StringField()

    def public(self):
        return {"id": self.id, "at": self.at, "action": self.action, "outcome": self.outcome,
                "actor": {"sub": self.actor_sub, "role": self.actor_role, "org": self.actor_org,
                          "region": self.actor_region},
                "address": self.address, "user_agent": self.user_agent, "target_type": self.target_type,
                "target_id": self.target_id, "detail": dict(self.detail or {}), "correlation_id": self.correlation_id}


DOCUMENTS = [Account, Client, AuthorizationCode, RefreshToken, BrowserSession, SignInFlow, SignInAttempt,
             AuditRecord]
