"""Registering organizations (主体登记) and accrediting service institutions (认定).

Reviewers act only on organizations of their region; the accreditation rules are in
``registry.organizations``.
"""
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common import auth, clock
from ttp_common.refusals import Conflict

from .. import organizations
from ..documents import Organization

ORGANIZATION_REGISTERED = "registry.organization.registered.v1"
ORGANIZATION_ACCREDITED = "registry.organization.accredited.v1"
ACCREDITATION_REVOKED = "registry.organization.accreditation_revoked.v1"
ORGANIZATION_CORRECTED = "registry.organization.corrected.v1"


def register(uow, body, principal):
    """A new organization from ``body`` (``OrganizationIn``), registered by a reviewer of its region or an admin."""
    if principal.role == auth.Roles.REVIEWER:
        auth.require_region(principal, body.region_code)
    org = Organization(id=uuid.uuid4().hex, created_by=principal.sub, **body.model_dump())
    try:
        uow.insert(org)
    except DuplicateKeyError:
        raise Conflict("an organization with this credit code is already registered", field="credit_code",
                       detail="already registered") from None
    uow.emit(ORGANIZATION_REGISTERED, {
        "organization_id": org.id, "name": org.name, "credit_code": org.credit_code, "kind": org.kind,
        "region_code": org.region_code, "supervising_department": org.supervising_department,
        "state_established": org.state_established,
    }, subject=org.id)
    return org


def accredit(uow, organization_id, basis, principal, at, unit=None):
    """Accredit a service institution, or the transfer unit ``unit`` inside a university or an institute (the
    1,000-institution target counts each accreditation)."""
    org = _for_review(uow, principal, organization_id)
    units = list(org.accredited_units or ())
    organizations.check_accreditable(org.kind, org.accredited, unit, [u["name"] for u in units])
    if unit is None:
        org.accredited, org.accredited_at, org.accreditation_basis = True, at, basis
    else:
        org.accredited_units = [*units, {"name": unit, "accredited_at": at, "basis": basis}]
    uow.replace(org)
    uow.emit(ORGANIZATION_ACCREDITED, {"organization_id": org.id, "region_code": org.region_code,
                                       "accredited_at": at, "basis": basis, "unit": unit,
                                       "effective_date": clock.china_date(at)}, subject=org.id)
    return org


def revoke_accreditation(uow, organization_id, reason, principal, at, unit=None):
    org = _for_review(uow, principal, organization_id)
    units = list(org.accredited_units or ())
    organizations.check_revocable(org.accredited, unit, [u["name"] for u in units])
    if unit is None:
        org.accredited, org.accredited_at, org.accreditation_basis = False, None, None
    else:
        org.accredited_units = [u for u in units if u["name"] != unit]
    uow.replace(org)
    uow.emit(ACCREDITATION_REVOKED, {"organization_id": org.id, "region_code": org.region_code,
                                     "revoked_at": at, "reason": reason, "unit": unit,
                                     "effective_date": clock.china_date(at)}, subject=org.id)
    return org


def correct(uow, organization_id, body, principal, at):
    """Correct an organization's name, supervising department or contact (``CorrectionIn``), by a reviewer of its
    region or an admin: the changes join its history and are announced (the new name and department, which
    fields changed; the contact's value stays out of the event). Nothing changed: no history, no event."""
    org = _for_review(uow, principal, organization_id)
    changed = organizations.changes({field: org[field] for field in organizations.CORRECTABLE}, body)
    if not changed:
        return org
    for change in changed:
        org[change["field"]] = change["new"]
    org.corrections = [*(org.corrections or ()), {"at": at, "by": principal.sub, "changes": changed}]
    uow.replace(org)
    uow.emit(ORGANIZATION_CORRECTED, {
        "organization_id": org.id, "region_code": org.region_code, "kind": org.kind, "name": org.name,
        "supervising_department": org.supervising_department, "changed_fields": [c["field"] for c in changed],
        "corrected_at": at}, subject=org.id)
    return org


def _for_review(uow, principal, organization_id):
    """The organization, read in the transaction; its region must be the reviewer's."""
    org = uow.get(Organization, organization_id)
    if principal.role == auth.Roles.REVIEWER:
        auth.require_region(principal, org.region_code)
    return org


NAMES_AT_MOST = 100  # ids in one look-up of names


def names(repo, organization_ids):
    """The registered names of the organizations ``organization_ids`` (at most ``NAMES_AT_MOST``), by id; unknown
    ids are left out. Names are public (``GET /api/v1/organizations/{id}``)."""
    ids = [str(org_id) for org_id in list(organization_ids)[:NAMES_AT_MOST]]
    return {doc["_id"]: doc["name"] for doc in repo.collection(Organization).find({"_id": {"$in": ids}}, {"name": 1})}
