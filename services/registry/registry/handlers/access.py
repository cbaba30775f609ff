"""Who may act on a record of an organization and a region, and who may see one that is not public.

A record (an achievement, an annual report) belongs to its organization, whose institution acts on it as its
owner, and to a region, whose reviewers (a city's, or the province's) act on it as reviewers; admins act as
either. A supervising department (主管部门, a ``supervisor`` token whose ``org`` is the department's organization)
reads the annual reports of the organizations it supervises, and nothing else of them. The role an endpoint
declares is checked before the record is read; these checks need the record.
"""
from ttp_common import auth, regions
from ttp_common.auth import Roles

from ..documents import Organization


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


def supervised_by(repo, principal):
    """The ids of the organizations a supervisor supervises: those whose ``supervising_department`` names the
    supervisor's department organization (``principal.org``) by its id, or by its registered name when it is a
    government department (kind ``government``); exact, as registered."""
    return [doc["_id"] for doc in repo.collection(Organization).find(
        {"supervising_department": {"$in": _department_names(repo, principal)}}, {"_id": 1})]


def supervises(repo, principal, organization_id):
    """Whether the supervisor ``principal`` supervises ``organization_id`` (as ``supervised_by``)."""
    return repo.collection(Organization).find_one(
        {"_id": organization_id, "supervising_department": {"$in": _department_names(repo, principal)}},
        {"_id": 1}) is not None


def _department_names(repo, principal):
    """How an organization names the supervisor's department; none without an ``org`` claim."""
    if not principal.org:
        return []
    names = {principal.org}
    department = repo.collection(Organization).find_one({"_id": principal.org, "kind": "government"}, {"name": 1})
    if department:
        names.add(department["name"])
    return sorted(names)
