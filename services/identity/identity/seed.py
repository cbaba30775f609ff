"""Development seeding: the accounts and clients of a fixture file (``IDENTITY_SEED_FILE``), created when
missing, with random passwords and secrets written once to a credentials file (mode 0600) whose path is
logged. Seeded accounts need no password change; the privileged ones come enrolled in TOTP (their
secrets and recovery codes are in the credentials file, so scripts can compute codes with pyotp).

The file names the database it belongs to (server and database name): a seeding of another database (a
test's ``nameko run``, a benchmark's private server) writes ``dev-credentials-<hash>.json`` beside it
instead, so the developer's credentials are never overwritten by those of a database that is gone tomorrow.
"""
import hashlib
import json
import logging
import os

import yaml

from ttp_common.auth import Principal, Roles
from ttp_common.events import Actor

from . import passwords, tokens, totp
from .accounts import AccountIn, is_privileged
from .clients import ClientIn
from .documents import Account, Client
from .handlers import Caller
from .handlers import accounts as account_handlers
from .settings import Settings
from .handlers import clients as client_handlers

log = logging.getLogger(__name__)
SEEDER = Caller(Principal(sub="service:identity:seed", role=Roles.ADMIN),
                Actor(sub="service:identity:seed", role="system"))


def _seed_account(uow, body, password_hash, second_factor, at):
    account = account_handlers.create(uow, body, SEEDER, password_hash, at, created_by=SEEDER.principal.sub)
    account.must_change_password, account.password_expires_at = False, None
    if second_factor:
        secret, digests = second_factor
        account.totp_secret, account.totp_enabled, account.recovery_codes = secret, True, digests
    uow.replace(account)
    return account


def credentials_target(configured, database, development_name="ttp_identity", explicit=False):
    """(path, its current content) of the credentials of ``database`` ("host:port/name"). The default file is
    the development database's (``ttp_identity``) unless it already holds another's; other databases (a
    test's ``nameko run``) get a file of their own. A file configured ``explicit``-ly is that database's."""
    own = configured.with_name(f"{configured.stem}-{hashlib.sha256(database.encode()).hexdigest()[:8]}"
                               f"{configured.suffix}")
    development = explicit or database.rsplit("/", 1)[-1] == development_name
    candidates = (configured, own) if development else (own,)
    for path in candidates:
        content = json.loads(path.read_text()) if path.exists() else None
        if content is None or content.get("database") in (None, database):
            return path, content or {"database": database, "accounts": {}, "clients": {}}
    return path, {"database": database, "accounts": {}, "clients": {}}


def seed(store, runtime, path, now):
    """Create what ``path`` lists and is missing; returns the names created."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    host, port = store.db.client.address or ("?", 0)
    configured = runtime.settings.credentials_file
    target, credentials = credentials_target(configured, f"{host}:{port}/{store.db.name}",
                                             explicit=configured != Settings().credentials_file)
    credentials["database"] = f"{host}:{port}/{store.db.name}"
    made = []
    for entry in data.get("accounts", []):
        body = AccountIn(**entry)
        if store.find_one(Account, {"username": body.username}) is not None:
            continue
        password = passwords.one_time_password()
        second = None
        record = {"password": password, "role": body.role.value}
        if is_privileged(body.role):
            secret = totp.new_secret()
            shown, digests = totp.new_recovery_codes()
            second = (secret, digests)
            record.update(totp_secret=secret, recovery_codes=shown)
        account = store.transact(_seed_account, body, runtime.hasher.hash(password), second, now,
                                 actor=SEEDER.actor)
        record["account_id"] = account.id
        credentials["accounts"][body.username] = record
        made.append(body.username)
    for entry in data.get("clients", []):
        entry = dict(entry)
        client_id = entry.pop("client_id")
        if store.find_one(Client, {"_id": client_id}) is not None:
            continue
        body = ClientIn(**entry)
        secret = tokens.new_secret(32)
        store.transact(client_handlers.register, body, SEEDER, runtime.hasher.hash(secret), now, client_id,
                       actor=SEEDER.actor)
        credentials["clients"][client_id] = {"client_secret": secret, "kind": body.kind, "scopes": body.scopes}
        made.append(client_id)
    if made:
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = target.with_suffix(".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(credentials, out, ensure_ascii=False, indent=2)
        os.replace(temp, target)
        log.info("development accounts and clients created: %s; their passwords and secrets are in %s",
                 ", ".join(made), target)
    else:
        log.info("development accounts present (credentials in %s)", target)
    return made
