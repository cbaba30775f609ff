"""Registering, rotating and revoking clients (``identity.clients``), each with its audit record."""
import datetime as dt
import uuid

from ttp_common.refusals import NotAllowed, TransitionRefused

from .. import audit
from ..clients import GRANT_TYPES
from ..documents import Client, aware


def _record(uow, caller, action, client, at, **detail):
    audit.write(uow, audit.entry(action, "success", at=at, actor=caller.actor, user_agent=caller.user_agent,
                                 target_type="client", target_id=client.id, detail=detail))


def _platform_admin(caller):
    if caller.principal.region is not None:
        raise NotAllowed("clients are registered by the platform's administrators")


def new_client_id(kind):
    return f"{'svc' if kind == 'service' else 'web'}-{uuid.uuid4().hex[:20]}"


def register(uow, body, caller, secret_hash, at, client_id=None):
    """A new client (``ClientIn``) with its first secret (its hash given; the secret is answered once)."""
    _platform_admin(caller)
    client = Client(id=client_id or new_client_id(body.kind), name=body.name, kind=body.kind, scopes=body.scopes,
                    grant_types=GRANT_TYPES[body.kind], redirect_uris=body.redirect_uris,
                    post_logout_redirect_uris=body.post_logout_redirect_uris, organization_id=body.organization_id,
                    region_code=body.region_code, acts_as=body.acts_as, secrets=[_secret(secret_hash, at)], created_at=at,
                    created_by=caller.principal.sub)
    uow.insert(client)
    _record(uow, caller, "client.register", client, at, kind=client.kind, scopes=" ".join(client.scopes),
            **({"acts_as": client.acts_as} if client.acts_as else {}))
    return client


def _secret(secret_hash, at, expires_at=None):
    return {"id": uuid.uuid4().hex[:12], "hash": secret_hash, "created_at": at, "expires_at": expires_at}


def rotate_secret(uow, client_id, caller, secret_hash, at, overlap_hours):
    """A new secret; the previous ones keep working ``overlap_hours`` (0: stop now), expired ones go."""
    _platform_admin(caller)
    client = uow.get(Client, client_id)
    if client.status != "active":
        raise TransitionRefused("the client is revoked")
    until = at + dt.timedelta(hours=overlap_hours)
    kept = []
    for entry in client.secrets:
        expires = aware(entry.get("expires_at"))
        if expires is not None and expires <= at:
            continue  # expired: drop it
        kept.append({**entry, "expires_at": min(expires, until) if expires else until})
    client.secrets = kept + [_secret(secret_hash, at)]
    uow.replace(client)
    _record(uow, caller, "client.rotate_secret", client, at, overlap_hours=overlap_hours)
    return client


def revoke(uow, client_id, reason, caller, at):
    """The client stops at once: no token, no refresh; its refresh tokens are revoked."""
    from ..documents import RefreshToken

    _platform_admin(caller)
    client = uow.get(Client, client_id)
    if client.status != "active":
        raise TransitionRefused("the client is revoked already")
    client.status, client.revoked_at = "revoked", at
    uow.replace(client)
    uow.update(RefreshToken, {"client_id": client.id, "revoked_at": None}, {"$set": {"revoked_at": at}}, many=True)
    _record(uow, caller, "client.revoke", client, at, reason=reason)
    return client
