"""Who may act on a record of an organization and a region, and who may see one that is not public.

A record (an achievement, an annual report) belongs to its organization, whose institution acts on it as its
owner, and to a region, whose reviewers (a city's, or the province's) act on it as reviewers; admins act as
either. The role an endpoint declares is checked before the record is read; these checks need the record.
"""
from ttp_common import auth, regions
from ttp_common.auth import Roles


def require_owner(principal, organization_id):
    """An institution of ``organization_id``, or an admin."""
    auth.require(principal, Roles.INSTITUTION, Roles.ADMIN)
    auth.require_org(principal, organization_id)


def require_reviewer(principal, region_code):
    """A reviewer whose region covers ``region_code``, or an admin."""
    auth.require(principal, Roles.REVIEWER, Roles.ADMIN)
    auth.require_region(principal, region_code)


def may_see(principal, organization_id, region_code):
    """Whether ``principal`` may read an unpublished record: its institution, its region's reviewers, admins."""
    if principal.role == Roles.ADMIN:
        return True
    if principal.role == Roles.INSTITUTION:
        return principal.org == organization_id
    if principal.role == Roles.REVIEWER:
        return regions.covers(principal.region, region_code)
    return False
