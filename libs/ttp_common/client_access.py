"""What another system's client token may do on an endpoint: its scopes say where, its ``acts_as`` as whom.

A client system (OAuth 2.0 client credentials, issued by the identity service) has role ``client``, scopes
``<service>[:<resource>]:<read|write>`` and, when it was registered to act for someone, ``acts_as``: a role of
an organization (institution, investor, supervisor; with the token's ``org``) or of a region (reviewer,
registrar; with its ``region``, 510000 for the whole province). A city's contract system is a registrar of
the city with ``transactions:contracts:write``; a university's research office system is an institution of
the university with ``registry:achievements:write``; a provincial data exchange reading every region's
registry is a reviewer of 510000 with ``registry:read``.

On an endpoint whose scope one of its scopes covers, the client *is* that role of that organization or region:
every rule the endpoint and its records apply to people of that role applies to it, and no more (a read scope
never reaches a write). On a public read it lacks the scope for, or with no ``acts_as``, it is the anonymous
public. Anywhere else: 403. A client never acts as an administrator.

An endpoint's scope is ``<service>:<resource>:<access>``: the resource is the first path segment after
``/api/v1/`` (``contracts``, ``achievements``, ``annual-reports``), the access ``read`` for GET and ``write``
otherwise; a declaration may name another scope, or ``CLOSED`` (no client, whatever its scopes).
"""
import dataclasses

from .auth import Principal, Roles
from .errors import Forbidden

ORGANIZATION_ACTS = frozenset({Roles.INSTITUTION, Roles.INVESTOR, Roles.SUPERVISOR})
REGION_ACTS = frozenset({Roles.REVIEWER, Roles.REGISTRAR})
ACTS = ORGANIZATION_ACTS | REGION_ACTS
CLOSED = False  # ``@endpoint(client_scope=CLOSED)``: not for client systems
DERIVED = None  # the default: the scope follows from the method and path


def endpoint_scope(service, method, path, declared=DERIVED):
    """The scope a client needs for ``method path`` of ``service`` (None: closed to clients)."""
    if declared is CLOSED or not service:
        return None
    if declared:
        return declared
    parts = [part for part in path.split("/") if part]
    if parts[:2] != ["api", "v1"] or len(parts) < 3 or parts[2].startswith("<"):
        return None
    return f"{service}:{parts[2]}:{'read' if method.upper() in ('GET', 'HEAD') else 'write'}"


def covers(held, needed):
    """Whether the scope ``held`` allows ``needed`` (both ``service[:resource]:access``): the same service, the
    same resource or none named, and a write scope also reads."""
    have, want = str(held).split(":"), str(needed).split(":")
    if len(have) not in (2, 3) or len(want) not in (2, 3) or have[0] != want[0]:
        return False
    if len(have) == 3 and (len(want) != 3 or have[1] != want[1]):
        return False
    return have[-1] == "write" or want[-1] == "read"


def acting(principal, needed, public):
    """The principal a client token acts as on an endpoint needing ``needed`` (None: closed to clients);
    ``public``: the endpoint serves anonymous callers too. Other principals are returned as they are."""
    if principal.role != Roles.CLIENT:
        return principal
    holds = needed is not None and any(covers(held, needed) for held in getattr(principal, "scopes", ()))
    acts_as = getattr(principal, "acts_as", None)
    if holds and acts_as is not None:
        if acts_as not in ACTS:
            raise Forbidden(f"a client system cannot act as '{acts_as}'")
        if acts_as in ORGANIZATION_ACTS and not principal.org:
            raise Forbidden(f"a client acting as {acts_as} needs the organization it acts for (token claim 'org')")
        if acts_as in REGION_ACTS and not principal.region:
            raise Forbidden(f"a client acting as {acts_as} needs the region it acts for (token claim 'region')")
        return dataclasses.replace(principal, role=acts_as, acts_as=None, via_client=True)
    if public:
        return Principal.anonymous()
    if needed is None:
        raise Forbidden("this operation is not open to client systems")
    if not holds:
        raise Forbidden(f"this client's token has no scope covering {needed}")
    raise Forbidden("a client that acts for no organization or region reads public data only")
