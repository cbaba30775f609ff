"""Signing in through the browser: the steps of one sign-in flow, from the password to the last factor.

A flow (``SignInFlow``, its cookie's SHA-256 as id) remembers the authorization request it answers, the
CSRF token of its forms and how far it got; its stage is the server's, never the form's:

    password ──► new_password (a one-time password: first sign-in, or reset) ──► enrol | totp | done
    enrol (privileged, no TOTP yet) ──► recovery_codes ──► done
    totp (privileged) ──► done

Each password or second-factor attempt is recorded before it is checked and refused unchecked when the
per-account or per-address limit is reached (``identity.lockout``); failures count toward the lockout.
Every step is audited (``identity.audit``) and counted (``identity.metrics``).
"""
import datetime as dt
import hmac
import uuid
from dataclasses import dataclass

from ttp_common.events import Actor
from ttp_common.refusals import Invalid

from .. import accounts as rules
from .. import audit, lockout, metrics, passwords, tokens, totp
from ..documents import Account, BrowserSession, SignInAttempt, SignInFlow, aware
from . import accounts as account_handlers

FLOW_COOKIE = "ttp_id_signin"
SESSION_COOKIE = "ttp_id_session"
GENERIC_FAILURE = "用户名或密码错误。"
THROTTLED = "失败次数过多，请一分钟后再试。"
LOCKED = "账户已锁定，请联系管理员解锁。"
DISABLED = "账户已停用，请联系管理员。"


@dataclass(frozen=True)
class Visitor:
    address: str
    user_agent: str | None


def _actor(account, visitor):
    if account is None:
        return Actor(sub=None, role=None, ip=visitor.address)
    return Actor(sub=account.id, role=account.role, org=account.organization_id, region=account.region_code,
                 ip=visitor.address)


def _audit(store, action, outcome, account, visitor, now, **detail):
    record = audit.entry(action, outcome, at=now, actor=_actor(account, visitor), user_agent=visitor.user_agent,
                         target_type="account" if account else None, target_id=account.id if account else None,
                         detail=detail)
    audit.write_and_announce(store, record)


# -- the flow -------------------------------------------------------------------------------

def start(store, settings, params, now):
    """A new flow for the authorization request ``params`` ([(name, value)]); returns (cookie, flow)."""
    cookie = tokens.new_secret(32)
    flow = SignInFlow(id=tokens.digest(cookie), csrf=tokens.new_secret(24), params=[list(p) for p in params],
                      created_at=now, expires_at=now + dt.timedelta(minutes=settings.sign_in_flow_minutes))
    store.insert(flow)
    return cookie, flow


def flow_of(store, cookie, now):
    if not cookie:
        return None
    flow = store.find_one(SignInFlow, {"_id": tokens.digest(cookie)})
    if flow is None or aware(flow.expires_at) <= now:
        return None
    return flow


def csrf_ok(flow, given):
    return bool(given) and hmac.compare_digest(flow.csrf.encode(), str(given).encode())


def _save(store, flow):
    store.replace(flow)


def _attempt(store, username, visitor, now):
    """Record an attempt (before checking it) and say which limit, if any, refuses it."""
    attempt = SignInAttempt(id=uuid.uuid4().hex, username=username, address=visitor.address, at=now)
    store.transact(lambda uow: uow.insert(attempt))  # (SecantusDB: see audit.write_and_announce)
    since = lockout.window_start(now)
    by_account = store.count(SignInAttempt, {"username": username, "at": {"$gte": since},
                                             "outcome": {"$in": list(lockout.NOT_SUCCEEDED)}})
    by_address = store.count(SignInAttempt, {"address": visitor.address, "at": {"$gte": since},
                                             "outcome": {"$in": list(lockout.NOT_SUCCEEDED)}})
    return attempt, by_account, by_address


def _settle(store, attempt, outcome):
    store.update(SignInAttempt, {"_id": attempt.id}, {"$set": {"outcome": outcome}})


def _failed(store, settings, attempt, account, visitor, now, outcome, step):
    """A failed check: settle the attempt, count it on the account, lock it when due."""
    _settle(store, attempt, "failed")
    metrics.SIGN_INS.labels(outcome).inc()
    if account is None:
        _audit(store, f"sign_in.{step}", "failure", None, visitor, now, reason=outcome, username=attempt.username)
        return GENERIC_FAILURE
    raw = store.collection(Account).find_one_and_update({"_id": account.id}, {"$inc": {"failed_count": 1}},
                                                       return_document=True)
    failures = raw["failed_count"] if raw else 0
    _audit(store, f"sign_in.{step}", "failure", account, visitor, now, reason=outcome, consecutive_failures=failures)
    if lockout.lock_due(failures, settings.lockout_after) and not (raw or {}).get("locked"):
        record = store.transact(account_handlers.lock, account.id, failures, now, visitor.address,
                                actor=_actor(account, visitor))
        if record is not None:
            metrics.LOCKOUTS.inc()
            audit.announce(record)
        return LOCKED
    return GENERIC_FAILURE if step == "password" else "验证码错误。"


def _succeeded(store, attempt, account):
    _settle(store, attempt, "success")
    store.update(Account, {"_id": account.id}, {"$set": {"failed_count": 0}})


def _next_stage(account):
    if account.must_change_password:
        return "new_password"
    if rules.is_privileged(account.role):
        return "totp" if account.totp_enabled else "enrol"
    return "done"


def password(store, runtime, flow, username, password_given, now, visitor):
    """The password step; returns an error to show, or None (``flow.stage`` then says what comes next)."""
    settings, hasher = runtime.settings, runtime.hasher
    username = (username or "").strip().lower()[:64]
    if not username or not password_given:
        return GENERIC_FAILURE
    attempt, by_account, by_address = _attempt(store, username, visitor, now)
    limit = lockout.throttled(by_account, by_address, settings)
    account = store.find_one(Account, {"username": username})
    if limit:
        _settle(store, attempt, "throttled")
        metrics.SIGN_INS.labels("throttled").inc()
        _audit(store, "sign_in.password", "refused", account, visitor, now, reason=f"throttled by {limit}",
               username=username)
        return THROTTLED
    if account is None:
        metrics.PASSWORD_CHECKS.inc()
        hasher.verify_dummy(password_given)
        return _failed(store, settings, attempt, None, visitor, now, "unknown_account", "password")
    if account.locked:
        _settle(store, attempt, "failed")
        metrics.SIGN_INS.labels("locked").inc()
        _audit(store, "sign_in.password", "refused", account, visitor, now, reason="locked")
        return LOCKED
    if account.status != "active":
        _settle(store, attempt, "failed")
        metrics.SIGN_INS.labels("disabled").inc()
        _audit(store, "sign_in.password", "refused", account, visitor, now, reason="disabled")
        return DISABLED
    metrics.PASSWORD_CHECKS.inc()
    if not hasher.verify(account.password_hash, password_given):
        return _failed(store, settings, attempt, account, visitor, now, "wrong_password", "password")
    if account.password_expires_at is not None and aware(account.password_expires_at) <= now:
        _settle(store, attempt, "failed")
        metrics.SIGN_INS.labels("expired_password").inc()
        _audit(store, "sign_in.password", "refused", account, visitor, now, reason="one-time password expired")
        return "一次性密码已过期，请联系管理员重置。"
    _succeeded(store, attempt, account)
    if hasher.needs_rehash(account.password_hash):
        store.update(Account, {"_id": account.id}, {"$set": {"password_hash": hasher.hash(password_given)}})
    flow.account_id, flow.amr, flow.stage = account.id, ["pwd"], _next_stage(account)
    _save(store, flow)
    _audit(store, "sign_in.password", "success", account, visitor, now, next_step=flow.stage)
    return None


def _flow_account(store, flow):
    account = store.find_one(Account, {"_id": flow.account_id}) if flow.account_id else None
    if account is None or account.status != "active" or account.locked:
        return None
    return account


def new_password(store, runtime, flow, new, confirm, now, visitor):
    account = _flow_account(store, flow)
    if account is None:
        return DISABLED
    if new != confirm:
        return "两次输入的新密码不一致。"
    if runtime.hasher.verify(account.password_hash, new or ""):
        return "新密码不能与原密码相同。"
    try:
        passwords.check(new or "", account.username)
    except Invalid as refused:
        return "新密码不符合要求：" + refused.message
    hashed = runtime.hasher.hash(new)
    store.update(Account, {"_id": account.id}, {"$set": {
        "password_hash": hashed, "must_change_password": False, "password_expires_at": None,
        "password_changed_at": now, "updated_at": now}})
    account.must_change_password = False
    flow.stage = _next_stage(account)
    _save(store, flow)
    _audit(store, "account.password_change", "success", account, visitor, now, how="first sign-in")
    return None


def enrolment(store, flow, issuer_name=None):
    """The secret being enrolled (made once per flow), its otpauth:// URI and QR code."""
    account = _flow_account(store, flow)
    if flow.pending_totp_secret is None:
        flow.pending_totp_secret = totp.new_secret()
        _save(store, flow)
    uri = totp.provisioning_uri(flow.pending_totp_secret, account.username if account else "")
    return flow.pending_totp_secret, uri, totp.qr_svg_data_uri(uri)


def confirm_enrolment(store, runtime, flow, code, now, visitor):
    """(error, recovery codes to show once)."""
    account = _flow_account(store, flow)
    if account is None:
        return DISABLED, None
    attempt, by_account, by_address = _attempt(store, account.username, visitor, now)
    if lockout.throttled(by_account, by_address, runtime.settings):
        _settle(store, attempt, "throttled")
        metrics.SIGN_INS.labels("throttled").inc()
        return THROTTLED, None
    step = totp.matching_step(flow.pending_totp_secret, code, now, 0)
    if step is None:
        return _failed(store, runtime.settings, attempt, account, visitor, now, "totp_failed", "totp"), None
    _succeeded(store, attempt, account)
    shown, digests = totp.new_recovery_codes()
    store.update(Account, {"_id": account.id}, {"$set": {
        "totp_secret": flow.pending_totp_secret, "totp_enabled": True, "totp_last_step": step,
        "recovery_codes": digests, "updated_at": now}})
    flow.pending_totp_secret, flow.stage, flow.amr = None, "recovery_codes", sorted({*flow.amr, "otp"})
    _save(store, flow)
    _audit(store, "account.totp_enrol", "success", account, visitor, now)
    return None, shown


def second_factor(store, runtime, flow, code, now, visitor):
    """The TOTP step: a code for a later time step than the last one accepted, or an unused recovery code."""
    account = _flow_account(store, flow)
    if account is None:
        return DISABLED
    attempt, by_account, by_address = _attempt(store, account.username, visitor, now)
    if lockout.throttled(by_account, by_address, runtime.settings):
        _settle(store, attempt, "throttled")
        metrics.SIGN_INS.labels("throttled").inc()
        _audit(store, "sign_in.totp", "refused", account, visitor, now, reason="throttled")
        return THROTTLED
    collection = store.collection(Account)
    if totp.looks_like_recovery_code(code):
        digest = totp.recovery_digest(code)
        used = collection.update_one({"_id": account.id, "recovery_codes": digest},
                                     {"$pull": {"recovery_codes": digest}}).modified_count == 1
        if not used:
            return _failed(store, runtime.settings, attempt, account, visitor, now, "totp_failed", "totp")
        metrics.SIGN_INS.labels("recovery_code").inc()
        method = "recovery code"
    else:
        step = totp.matching_step(account.totp_secret, code, now, 0)
        if step is None:
            return _failed(store, runtime.settings, attempt, account, visitor, now, "totp_failed", "totp")
        fresh = collection.update_one({"_id": account.id, "totp_last_step": {"$lt": step}},
                                      {"$set": {"totp_last_step": step}}).modified_count == 1
        if not fresh:  # this code (or a later one) was accepted before: a replay
            _settle(store, attempt, "failed")
            metrics.SIGN_INS.labels("totp_replayed").inc()
            _audit(store, "sign_in.totp", "refused", account, visitor, now, reason="code used before")
            return "此验证码已使用过，请等待下一个验证码。"
        method = "totp"
    _succeeded(store, attempt, account)
    flow.amr, flow.stage = sorted({*flow.amr, "otp"}), "done"
    _save(store, flow)
    _audit(store, "sign_in.totp", "success", account, visitor, now, method=method)
    return None


def finish(store, settings, flow, now, visitor):
    """The flow succeeded: a browser session (cookie, session, account); the flow is spent."""
    account = _flow_account(store, flow)
    if account is None or flow.stage != "done":
        return None
    cookie = tokens.new_secret(32)
    session = BrowserSession(id=uuid.uuid4().hex, secret_hash=tokens.digest(cookie), account_id=account.id,
                             amr=list(flow.amr), address=visitor.address, user_agent=(visitor.user_agent or "")[:300],
                             created_at=now, last_seen_at=now,
                             expires_at=now + dt.timedelta(hours=settings.session_max_hours))
    store.insert(session)
    store.delete(SignInFlow, {"_id": flow.id})
    metrics.SIGN_INS.labels("success").inc()
    _audit(store, "sign_in", "success", account, visitor, now, session=session.id, amr=" ".join(flow.amr))
    return cookie, session, account


def session_of(store, settings, cookie, now):
    """(session, account) of a browser's session cookie while both are good (active, not idle too long)."""
    if not cookie:
        return None
    session = store.find_one(BrowserSession, {"secret_hash": tokens.digest(cookie)})
    if session is None or session.ended_at is not None or aware(session.expires_at) <= now:
        return None
    if aware(session.last_seen_at) + dt.timedelta(minutes=settings.session_idle_minutes) <= now:
        return None
    account = store.find_one(Account, {"_id": session.account_id})
    if account is None or account.status != "active" or account.locked or account.must_change_password:
        return None
    store.update(BrowserSession, {"_id": session.id}, {"$set": {"last_seen_at": now}})
    return session, account


def sign_out(store, session, now, visitor, account=None):
    """End a browser session and every refresh token issued through it."""
    from .sessions import end_session

    end_session(store, session.id, now, "signed out")
    _audit(store, "sign_out", "success", account, visitor, now, session=session.id)
