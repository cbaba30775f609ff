"""Administering accounts (administrators; an institution's administrator within its organization; a region's
office administrator within its region) and the self-service API of the person signed in (their account,
password and sessions). The work is in ``identity.handlers.accounts`` and ``.sessions``; who may manage whom
is ``identity.accounts``."""
from typing import Literal

from pydantic import Field

from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint
from ttp_common.refusals import Invalid, NotAllowed
from ttp_common.regions import RegionScope

from .. import accounts as rules
from .. import passwords
from ..accounts import ACCOUNT_MANAGERS, AccountIn, PasswordChangeIn, ReasonIn, RoleChangeIn
from ..documents import Account, BrowserSession
from ..handlers import Caller
from ..handlers import accounts as handlers
from ..handlers import sessions as session_handlers
from .common import IdentityHelpers

ONE_TIME = {"type": "object", "required": ["account", "one_time_password"], "properties": {
    "account": {"$ref": "#/components/schemas/Account"},
    "one_time_password": {"type": "string", "description": "Shown this once: give it to the person, who must "
                                                             "change it at the first sign-in (valid 72 hours)"}}}
SESSIONS = {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": {
    "$ref": "#/components/schemas/Session"}}}}
ACCOUNT_SCHEMA = {"type": "object", "required": ["id", "username", "role", "status"], "properties": {
    "id": {"type": "string"}, "username": {"type": "string"}, "display_name": {"type": "string"},
    "email": {"type": ["string", "null"]}, "role": {"type": "string"}, "organization_id": {"type": ["string", "null"]},
    "region_code": {"type": ["string", "null"]}, "status": {"type": "string", "enum": ["active", "disabled"]},
    "locked": {"type": "boolean"}, "must_change_password": {"type": "boolean"}, "totp_enabled": {"type": "boolean"},
    "recovery_codes_left": {"type": "integer"}, "created_at": {"type": "string", "format": "date-time"},
    "created_by": {"type": "string"}}}
SESSION_SCHEMA = {"type": "object", "required": ["id", "created_at", "last_seen_at"], "properties": {
    "id": {"type": "string"}, "created_at": {"type": "string"}, "last_seen_at": {"type": "string"},
    "expires_at": {"type": "string"}, "address": {"type": ["string", "null"]},
    "user_agent": {"type": ["string", "null"]}, "ended_at": {"type": ["string", "null"]},
    "end_reason": {"type": ["string", "null"]}}}
PEOPLE = tuple(role for role in Roles if role not in (Roles.PUBLIC, Roles.CLIENT))
RECIPIENTS_SCOPE = "identity:recipients:read"
RECIPIENTS = paging.cursor_page_schema({"type": "object", "required": ["id", "email"],
                                        "properties": {"id": {"type": "string"}, "email": {"type": "string"}}})


class RecipientQuery(paging.CursorParams):
    organization_id: str | None = Field(None, max_length=64)
    region_code: RegionScope | None = None
    roles: str = Field(max_length=200, description="The roles, comma-separated (institution,institution_admin)")


class AccountQuery(paging.OffsetParams):
    role: Literal[tuple(sorted(rules.ASSIGNABLE))] | None = None
    status: Literal["active", "disabled"] | None = None
    organization_id: str | None = Field(None, max_length=64)
    region: RegionScope | None = Field(None, description="Accounts of offices inside this region")
    locked: bool | None = None


class AccountEntrypoints(IdentityHelpers):
    @endpoint("POST", "/api/v1/accounts", roles=ACCOUNT_MANAGERS, body=AccountIn, status=201, response=ONE_TIME,
              described="Created; the one-time password is in this answer only", errors=(409,),
              summary="Create an account (administrators; an institution's administrator for its organization; "
                      "a region's office administrator within its region)")
    def create_account(self, ctx):
        one_time = passwords.one_time_password()
        hashed = self.runtime.hasher.hash(one_time)
        account = self.audited(ctx, "account.create", "account", None, handlers.create, ctx.body, Caller.of(ctx),
                               hashed, ctx.now)
        return created({"account": account.public(), "one_time_password": one_time},
                       f"/api/v1/accounts/{account.id}")

    @endpoint("GET", "/api/v1/accounts", roles=ACCOUNT_MANAGERS, query=AccountQuery,
              response=paging.offset_page_schema("Account"), described="A page, oldest first",
              summary="Accounts the caller manages")
    def list_accounts(self, ctx):
        q = ctx.query
        query = rules.scope_query(ctx.principal)
        filters = {"role": q.role, "status": q.status, "organization_id": q.organization_id, "locked": q.locked}
        query = {"$and": [query, {k: v for k, v in filters.items() if v is not None}]}
        if q.region:
            from ttp_common import regions

            query["$and"].append(regions.query(q.region))
        return paging.by_offset(self.store.collection(Account), query, [("created_at", 1), ("_id", 1)], q,
                                lambda raw: self.store.load(Account, raw).public())

    @endpoint("GET", "/api/v1/accounts/<string:account_id>", roles=ACCOUNT_MANAGERS, response="Account",
              summary="One account the caller manages")
    def get_account(self, ctx, account_id):
        account = self.store.get(Account, account_id)
        rules.check_manage(ctx.principal, account.role, account.organization_id, account.region_code)
        return account.public()

    @endpoint("POST", "/api/v1/accounts/<string:account_id>/disable", roles=ACCOUNT_MANAGERS, body=ReasonIn,
              response="Account", errors=(409,), summary="Disable an account: its sessions end at once")
    def disable_account(self, ctx, account_id):
        return self.audited(ctx, "account.disable", "account", account_id, handlers.disable, account_id,
                            ctx.body.reason, Caller.of(ctx), ctx.now).public()

    @endpoint("POST", "/api/v1/accounts/<string:account_id>/enable", roles=ACCOUNT_MANAGERS, body=ReasonIn,
              response="Account", errors=(409,), summary="Enable a disabled account")
    def enable_account(self, ctx, account_id):
        return self.audited(ctx, "account.enable", "account", account_id, handlers.enable, account_id,
                            ctx.body.reason, Caller.of(ctx), ctx.now).public()

    @endpoint("POST", "/api/v1/accounts/<string:account_id>/role", roles=ACCOUNT_MANAGERS, body=RoleChangeIn,
              response="Account", errors=(409,),
              summary="Change an account's role (and what it belongs to); its sessions end")
    def change_role(self, ctx, account_id):
        return self.audited(ctx, "account.role_change", "account", account_id, handlers.change_role, account_id,
                            ctx.body, Caller.of(ctx), ctx.now).public()

    @endpoint("POST", "/api/v1/accounts/<string:account_id>/password-reset", roles=ACCOUNT_MANAGERS,
              response=ONE_TIME, described="Reset; the one-time password is in this answer only",
              summary="Reset a password: a one-time password to give to the person (changed at the next sign-in)")
    def reset_password(self, ctx, account_id):
        one_time = passwords.one_time_password()
        hashed = self.runtime.hasher.hash(one_time)
        account = self.audited(ctx, "account.password_reset", "account", account_id, handlers.reset_password,
                               account_id, Caller.of(ctx), hashed, ctx.now)
        return {"account": account.public(), "one_time_password": one_time}

    @endpoint("POST", "/api/v1/accounts/<string:account_id>/totp-reset", roles=ACCOUNT_MANAGERS, response="Account",
              errors=(409,), summary="Forget an account's second factor (lost phone): it enrols again at next sign-in")
    def reset_totp(self, ctx, account_id):
        return self.audited(ctx, "account.totp_reset", "account", account_id, handlers.reset_second_factor,
                            account_id, Caller.of(ctx), ctx.now).public()

    @endpoint("POST", "/api/v1/accounts/<string:account_id>/unlock", roles=ACCOUNT_MANAGERS, response="Account",
              errors=(409,), summary="Lift the lockout after failed sign-ins")
    def unlock_account(self, ctx, account_id):
        return self.audited(ctx, "account.unlock", "account", account_id, handlers.unlock, account_id,
                            Caller.of(ctx), ctx.now).public()

    @endpoint("GET", "/api/v1/recipients", roles=(Roles.CLIENT,), query=RecipientQuery, response=RECIPIENTS,
              summary="Email addresses of the active accounts of one organization or region's office with the given "
                      "roles: for a system that mails people their notifications (the portal's notifier; scope "
                      "identity:recipients:read), nothing else of the accounts")
    def recipients(self, ctx):
        q = ctx.query
        if not ctx.principal.has_scope(RECIPIENTS_SCOPE):
            raise NotAllowed(f"needs the scope {RECIPIENTS_SCOPE}")
        if (q.organization_id is None) == (q.region_code is None):
            raise Invalid("give organization_id or region_code (one of them)", field="organization_id")
        roles = sorted({part.strip() for part in q.roles.split(",") if part.strip()})
        if not roles or any(role not in rules.ASSIGNABLE for role in roles):
            raise Invalid("roles: a comma-separated list of account roles", field="roles")
        query = {"status": "active", "role": {"$in": roles}, "email": {"$nin": [None, ""]}}
        query.update({"organization_id": q.organization_id} if q.organization_id else {"region_code": q.region_code})
        docs, next_cursor = paging.by_id(self.store.collection(Account), query, q.limit, q.cursor)
        return {"items": [{"id": d["_id"], "email": d["email"]} for d in docs], "next_cursor": next_cursor}

    # -- self-service -----------------------------------------------------------------------
    def _me(self, ctx):
        if ctx.principal.role == Roles.CLIENT:
            raise NotAllowed("a client system has no account")
        return self.store.get(Account, ctx.principal.sub, missing="no such account")

    @endpoint("GET", "/api/v1/me", roles=PEOPLE, response="Account", summary="My account")
    def me(self, ctx):
        return self._me(ctx).public()

    @endpoint("POST", "/api/v1/me/password", roles=PEOPLE, body=PasswordChangeIn, response="Account",
              summary="Change my password (my other sessions end)")
    def change_own_password(self, ctx):
        account = self._me(ctx)
        metrics_check = self.runtime.hasher.verify(account.password_hash, ctx.body.current_password)
        if not metrics_check:
            raise Invalid("the current password is not right", field="current_password")
        passwords.check(ctx.body.new_password, account.username, field="new_password")
        if ctx.body.new_password == ctx.body.current_password:
            raise Invalid("the new password must differ from the current one", field="new_password")
        hashed = self.runtime.hasher.hash(ctx.body.new_password)
        sid = ctx.principal.claims.get("sid") if hasattr(ctx.principal, "claims") else None
        return self.audited(ctx, "account.password_change", "account", account.id, handlers.change_own_password,
                            account.id, hashed, ctx.now, Caller.of(ctx), sid).public()

    @endpoint("GET", "/api/v1/me/sessions", roles=PEOPLE, response=SESSIONS,
              summary="My browser sessions, newest first (the last 50)")
    def my_sessions(self, ctx):
        self._me(ctx)
        found = self.store.find(BrowserSession, {"account_id": ctx.principal.sub}, sort=[("created_at", -1)], limit=50)
        idle = self.runtime.settings.session_idle_minutes
        return {"items": [session.public(idle) for session in found]}

    @endpoint("POST", "/api/v1/me/sessions/<string:session_id>/revocation", roles=PEOPLE, response="Session",
              errors=(409,), summary="End one of my sessions (and the refresh tokens issued through it)")
    def revoke_my_session(self, ctx, session_id):
        self._me(ctx)
        session = self.audited(ctx, "session.revoke", "session", session_id, session_handlers.revoke_own, session_id,
                               Caller.of(ctx), ctx.now)
        return session.public(self.runtime.settings.session_idle_minutes)
