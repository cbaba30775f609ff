"""Scopes of client systems: ``<service>:<access>`` or ``<service>:<resource>:<access>``.

``registry:read`` reads everything the registry serves; ``transactions:contracts:write`` writes
technology contracts only. ``<access>`` is ``read`` or ``write``; a write scope covers the read of the
same service and resource, a scope without a resource covers every resource of its service. The services
of a token's scopes are its audience (``aud``): a token with ``registry:read`` is for the registry alone.
The portal (a web client of people) asks for the OpenID scopes ``openid`` and ``profile`` instead: what a
person may do follows from their role.
"""
import re
from dataclasses import dataclass

from ttp_common import client_access
from ttp_common.refusals import Invalid

SERVICES = ("registry", "transactions", "finance", "talent", "metrics", "identity")
ACCESS = ("read", "write")
OPENID_SCOPES = ("openid", "profile")
_RESOURCE = re.compile(r"[a-z][a-z0-9_-]{0,39}")


@dataclass(frozen=True, order=True)
class Scope:
    service: str
    resource: str | None
    access: str

    def __str__(self):
        middle = f":{self.resource}" if self.resource else ""
        return f"{self.service}{middle}:{self.access}"


def parse(text):
    """One service scope; ``Invalid`` (field ``scopes``) for anything else."""
    parts = str(text).split(":")
    if len(parts) not in (2, 3):
        raise Invalid(f"'{text}' is not <service>:<access> or <service>:<resource>:<access>", field="scopes")
    service, access = parts[0], parts[-1]
    resource = parts[1] if len(parts) == 3 else None
    if service not in SERVICES:
        raise Invalid(f"'{text}': unknown service '{service}' (one of {', '.join(SERVICES)})", field="scopes")
    if access not in ACCESS:
        raise Invalid(f"'{text}': access must be read or write", field="scopes")
    if resource is not None and not _RESOURCE.fullmatch(resource):
        raise Invalid(f"'{text}': a resource is lower-case letters, digits, '-' or '_'", field="scopes")
    return Scope(service, resource, access)


def split(text):
    """The scopes of a space-separated ``scope`` parameter or claim (RFC 6749 §3.3), in order, once each."""
    seen = []
    for part in (text or "").split():
        if part not in seen:
            seen.append(part)
    return seen


def normalise(texts, openid=False):
    """Validated, de-duplicated, sorted scope strings (``openid``: the OpenID scopes are allowed too)."""
    result = set()
    for text in texts:
        if openid and text in OPENID_SCOPES:
            result.add(text)
        else:
            result.add(str(parse(text)))
    return sorted(result)


def covers(held, needed):
    """Whether the scope ``held`` (a string or ``Scope``) allows what ``needed`` asks for: both validated here,
    then the rule every service applies (``ttp_common.client_access.covers``)."""
    held = held if isinstance(held, Scope) else parse(held)
    needed = needed if isinstance(needed, Scope) else parse(needed)
    return client_access.covers(str(held), str(needed))


def allowed(requested, granted):
    """Whether every requested scope is among those ``granted`` to the client (exactly: a client asks
    for its scopes, not for a narrower one it was not given)."""
    return set(requested) <= set(granted)


def audiences(scope_texts):
    """The services a token of these scopes is for (its ``aud``), sorted."""
    return sorted({parse(text).service for text in scope_texts if text not in OPENID_SCOPES})
