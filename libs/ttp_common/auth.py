"""Who is calling and what they may do: roles, and the scope of a caller's organization or region.

A caller is a ``Principal``: ``sub``, ``role`` and, depending on the role, ``org`` (an institution's
organization id) or ``region`` (a reviewer's or registrar's administrative division code, GB/T 2260, e.g.
510100 for Chengdu). Services learn it from a bearer token signed by the identity service and verified
with its published keys (``ttp_common.oidc``); no service can sign one. No token means the anonymous
public caller, who may only read published data.
"""
from dataclasses import dataclass
from enum import StrEnum

from . import regions
from .errors import Forbidden, Unauthenticated


class Roles(StrEnum):
    PUBLIC = "public"            # read-only, published data
    INSTITUTION = "institution"  # edits its own organization's records
    REVIEWER = "reviewer"        # department reviewer, one region's queue
    ADMIN = "admin"              # administrator, every scope
    INSTITUTION_ADMIN = "institution_admin"  # manages its organization's staff accounts (identity service)
    REGISTRAR = "registrar"      # technology-contract registrar (技术合同登记机构) of a region
    SUPERVISOR = "supervisor"    # supervising department (主管部门) of its organizations
    INVESTOR = "investor"        # an investor organization's staff
    AUDITOR = "auditor"          # reads the security audit (identity service)
    CLIENT = "client"            # another system, with OAuth 2.0 client credentials and scopes


# Roles whose holders act for one organization: a token of theirs without an ``org`` claim may do nothing.
ORGANIZATION_ROLES = frozenset({Roles.INSTITUTION, Roles.INSTITUTION_ADMIN, Roles.INVESTOR})


@dataclass(frozen=True)
class Principal:
    sub: str | None
    role: Roles
    org: str | None = None
    region: str | None = None

    @classmethod
    def anonymous(cls):
        return cls(sub=None, role=Roles.PUBLIC)

    @property
    def is_anonymous(self):
        return self.sub is None


def require(principal, *roles):
    """Allow only the given roles (none given: any authenticated caller).

    Roles are explicit: admins pass only when listed. Anonymous callers get 401 (they
    could authenticate); authenticated callers with another role get 403.
    """
    if Roles.PUBLIC in roles:
        return principal
    if principal.is_anonymous:
        raise Unauthenticated()
    if roles and principal.role not in roles:
        raise Forbidden(f"Role '{principal.role}' may not do this; allowed: {', '.join(roles)}")
    if principal.role in ORGANIZATION_ROLES and not principal.org:
        raise Forbidden(f"a caller of role '{principal.role}' acts for an organization (token claim 'org')")
    return principal


def acts_for(principal, *org_ids):
    """True for admins and for a caller of one of the organizations ``org_ids`` (missing ones match nobody)."""
    if principal.role == Roles.ADMIN:
        return True
    return principal.org is not None and principal.org in {str(org_id) for org_id in org_ids if org_id is not None}


def require_org(principal, org_id):
    """Admins, or a caller of the organization `org_id` (an institution edits only its own records)."""
    require(principal)
    if not acts_for(principal, org_id):
        raise Forbidden("This record belongs to another organization")
    return principal


region_covers = regions.covers  # whether a reviewer's or registrar's region includes a code (GB/T 2260 nesting)


def require_region(principal, region_code, role=Roles.REVIEWER):
    """Admins, or a caller of ``role`` (a reviewer by default, or a registrar) whose region includes
    `region_code` (a city's reviewer, its city's queue)."""
    require(principal)
    if principal.role == Roles.ADMIN:
        return principal
    if principal.role != role or principal.region is None:
        raise Forbidden(f"Only {role}s of this region may do this")
    if not region_covers(principal.region, region_code):
        raise Forbidden("This record belongs to another region's queue")
    return principal


def review_scope(principal, region=None, role=Roles.REVIEWER):
    """The region a listing shows ``principal``: a caller of ``role`` (a reviewer by default, or a registrar)
    sees ``region`` if it lies in their scope (else 403) and their whole scope by default; others see ``region``
    (None: everywhere). Combine with ``regions.query``."""
    if principal.role == role:
        region = region or principal.region
        require_region(principal, region, role)
    return region
