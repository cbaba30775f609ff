"""Administering accounts: create, disable, enable, change the role, reset the password or the second
factor, lift a lockout; and the lock itself (after failed sign-ins). Who may do what to whom is
``identity.accounts``; every change is one transaction with its event and its audit record.

Passwords are hashed by the caller before the transaction (argon2 is slow CPU work that must not run,
or re-run, inside it): handlers get the hash and the one-time password only to return it once.
"""
import datetime as dt
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common.refusals import Conflict, TransitionRefused

from .. import accounts as rules
from .. import audit
from ..documents import Account
from .sessions import end_all_sessions

ACCOUNT_CREATED = "identity.account.created.v1"
ACCOUNT_DISABLED = "identity.account.disabled.v1"
ACCOUNT_ENABLED = "identity.account.enabled.v1"
ROLE_CHANGED = "identity.account.role_changed.v1"
ACCOUNT_LOCKED = "identity.account.locked.v1"
ACCOUNT_UNLOCKED = "identity.account.unlocked.v1"
ONE_TIME_PASSWORD_HOURS = 72


def _record(uow, caller, action, account, at, **detail):
    return audit.write(uow, audit.entry(action, "success", at=at, actor=caller.actor, user_agent=caller.user_agent,
                                        target_type="account", target_id=account.id, detail=detail))


def _scope(account):
    return {"account_id": account.id, "role": account.role, "organization_id": account.organization_id,
            "region_code": account.region_code}


def create(uow, body, caller, password_hash, at, created_by=None):
    """A new account (``AccountIn``) with a one-time password (its hash given) to change at first sign-in."""
    rules.check_manage(caller.principal, body.role, body.organization_id, body.region_code)
    account = Account(id=uuid.uuid4().hex, username=body.username, display_name=body.display_name, email=body.email,
                      role=body.role, organization_id=body.organization_id, region_code=body.region_code,
                      password_hash=password_hash,
                      must_change_password=True, password_expires_at=at + dt.timedelta(hours=ONE_TIME_PASSWORD_HOURS),
                      created_at=at, updated_at=at, created_by=created_by or caller.principal.sub)
    try:
        uow.insert(account)
    except DuplicateKeyError:
        raise Conflict("an account with this username exists", field="username", detail="already taken") from None
    uow.emit(ACCOUNT_CREATED, {**_scope(account), "username": account.username,
                               "display_name": account.display_name, "created_at": at}, subject=account.id)
    _record(uow, caller, "account.create", account, at, role=account.role, username=account.username)
    return account


def _managed(uow, caller, account_id):
    account = uow.get(Account, account_id)
    rules.check_manage_account(caller.principal, account)
    return account


def disable(uow, account_id, reason, caller, at):
    """Disable an account: its sessions and refresh tokens end at once."""
    account = _managed(uow, caller, account_id)
    rules.check_status_change(account, "disabled")
    account.status, account.updated_at = "disabled", at
    uow.replace(account)
    end_all_sessions(uow, account.id, at, "account disabled")
    uow.emit(ACCOUNT_DISABLED, {**_scope(account), "disabled_at": at, "reason": reason}, subject=account.id)
    _record(uow, caller, "account.disable", account, at, reason=reason)
    return account


def enable(uow, account_id, reason, caller, at):
    account = _managed(uow, caller, account_id)
    rules.check_status_change(account, "active")
    account.status, account.updated_at = "active", at
    uow.replace(account)
    uow.emit(ACCOUNT_ENABLED, {**_scope(account), "enabled_at": at}, subject=account.id)
    _record(uow, caller, "account.enable", account, at, reason=reason)
    return account


def change_role(uow, account_id, change, caller, at):
    """A new role for an account (``RoleChangeIn``); its sessions end (its next tokens carry the new role).
    An account that becomes privileged enrols a second factor at its next sign-in."""
    account = _managed(uow, caller, account_id)
    rules.check_role_change(caller.principal, account, change)
    before = _scope(account)
    account.role, account.organization_id, account.region_code = change.role, change.organization_id, change.region_code
    account.updated_at = at
    uow.replace(account)
    end_all_sessions(uow, account.id, at, "role changed")
    uow.emit(ROLE_CHANGED, {**_scope(account), "previous_role": before["role"],
                            "previous_organization_id": before["organization_id"],
                            "previous_region_code": before["region_code"], "changed_at": at,
                            "reason": change.reason}, subject=account.id)
    _record(uow, caller, "account.role_change", account, at, previous_role=before["role"], role=account.role,
            reason=change.reason)
    return account


def reset_password(uow, account_id, caller, password_hash, at):
    """A new one-time password (its hash given): the old one stops working, sessions end, and the person
    must choose a new password at the next sign-in."""
    account = _managed(uow, caller, account_id)
    account.password_hash, account.must_change_password = password_hash, True
    account.password_expires_at = at + dt.timedelta(hours=ONE_TIME_PASSWORD_HOURS)
    account.updated_at = at
    uow.replace(account)
    end_all_sessions(uow, account.id, at, "password reset")
    _record(uow, caller, "account.password_reset", account, at)
    return account


def reset_second_factor(uow, account_id, caller, at):
    """Forget the account's TOTP secret and recovery codes: it enrols again at its next sign-in."""
    account = _managed(uow, caller, account_id)
    if not account.totp_enabled:
        raise TransitionRefused("the account has no second factor enrolled")
    account.totp_secret, account.totp_enabled, account.recovery_codes = None, False, []
    account.updated_at = at
    uow.replace(account)
    end_all_sessions(uow, account.id, at, "second factor reset")
    _record(uow, caller, "account.totp_reset", account, at)
    return account


def unlock(uow, account_id, caller, at):
    """Lift a lockout (an administrator's, after checking with the person)."""
    account = _managed(uow, caller, account_id)
    if not account.locked:
        raise TransitionRefused("the account is not locked")
    account.locked, account.locked_at, account.failed_count, account.updated_at = False, None, 0, at
    uow.replace(account)
    uow.emit(ACCOUNT_UNLOCKED, {**_scope(account), "unlocked_at": at}, subject=account.id)
    _record(uow, caller, "account.unlock", account, at)
    return account


def lock(uow, account_id, failures, at, address):
    """Lock an account after ``failures`` consecutive failed sign-ins (the sign-in calls this); returns the
    audit record, or None when it was locked already."""
    account = uow.get(Account, account_id)
    if account.locked:
        return None
    account.locked, account.locked_at, account.updated_at = True, at, at
    uow.replace(account)
    end_all_sessions(uow, account.id, at, "locked")
    uow.emit(ACCOUNT_LOCKED, {**_scope(account), "locked_at": at, "failed_sign_ins": int(failures)},
             subject=account.id)
    return audit.write(uow, audit.entry("account.lock", "success", at=at, actor=uow.actor, address=address,
                                        target_type="account", target_id=account.id,
                                        detail={"consecutive_failures": int(failures)}))


def change_own_password(uow, account_id, new_hash, at, caller, keep_session=None):
    """The caller's new password (checked and hashed before): other sessions end."""
    account = uow.get(Account, account_id)
    account.password_hash, account.must_change_password, account.password_expires_at = new_hash, False, None
    account.password_changed_at = account.updated_at = at
    uow.replace(account)
    end_all_sessions(uow, account.id, at, "password changed", keep=keep_session)
    _record(uow, caller, "account.password_change", account, at, how="self-service")
    return account
