"""The security audit: one record per security-relevant act (who, what, when, from where, outcome), in a
collection of its own that the service only ever inserts into (GB/T 22239-2019 8.1.4.3), each also
logged as one JSON line and counted in ``ttp_identity_security_events_total``.

Records of a change are inserted in the change's transaction (``write``), so the audit holds exactly the
changes that happened; a refused or failed act is recorded on its own (``write`` outside a transaction).
No record carries a password, secret, code or token: ``detail`` holds names, ids and reasons only.
"""
import logging
import uuid

from ttp_common import logs

from . import metrics
from .documents import AuditRecord

log = logging.getLogger("identity.audit")
_FORBIDDEN_DETAIL = ("password", "secret", "code", "token", "hash", "totp")


def entry(action, outcome, *, at, actor=None, address=None, user_agent=None, target_type=None, target_id=None,
          detail=None):
    """An ``AuditRecord`` (not yet written). ``actor``: a ``ttp_common.events.Actor`` (its ``ip`` is where
    the request came from) or None for an anonymous caller (``detail`` may name who they said they were)."""
    detail = {key: value for key, value in (detail or {}).items() if value is not None}
    leaked = [key for key in detail if any(word in key.lower() for word in _FORBIDDEN_DETAIL)]
    if leaked:
        raise ValueError(f"audit detail must not carry secrets: {leaked}")
    return AuditRecord(
        id=uuid.uuid4().hex, at=at, action=action, outcome=outcome,
        actor_sub=getattr(actor, "sub", None), actor_role=str(getattr(actor, "role", None) or "") or None,
        actor_org=getattr(actor, "org", None), actor_region=getattr(actor, "region", None),
        address=address or getattr(actor, "ip", None), user_agent=(user_agent or "")[:300] or None,
        target_type=target_type, target_id=target_id, detail=detail,
        correlation_id=logs.get_context().get("correlation_id"))


def write(repository, record):
    """Insert ``record`` (in the caller's transaction, if any); never an update or a delete."""
    repository.insert(record)
    written = getattr(repository, "written_audit", None)
    if isinstance(written, list):  # see entrypoints.common.IdentityHelpers.audited
        written.append(record)
    return record


def announce(record):
    """Log and count a written record (call after its transaction committed)."""
    metrics.SECURITY_EVENTS.labels(record.action, record.outcome).inc()
    level = logging.INFO if record.outcome == "success" else logging.WARNING
    log.log(level, "%s %s", record.action, record.outcome, extra={
        "audit_id": record.id, "action": record.action, "outcome": record.outcome, "actor": record.actor_sub,
        "actor_role": record.actor_role, "address": record.address, "target_type": record.target_type,
        "target_id": record.target_id, "detail": dict(record.detail or {})})


def write_and_announce(store, record):
    """Write a record of its own (outside any other change: a sign-in step, a token request, a refusal) and
    announce it. Through a transaction of its own when ``store`` has one: a plain insert would do as well on
    MongoDB, but SecantusDB (development) slows plain inserts down as a collection grows."""
    if hasattr(store, "transact"):
        store.transact(write, record)
    else:
        write(store, record)
    announce(record)
    return record
