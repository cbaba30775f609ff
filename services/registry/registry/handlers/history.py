"""Loading records of years before the platform (``registry.history``): accreditations with their original dates,
announced as ``registry.organization.accredited.v1`` (and ``.accreditation_revoked.v1`` when the row was revoked)
with ``effective_date`` and ``imported: true``; achievements registered in an earlier system, stored as registered
under their original number and announced as ``registry.achievement.registered.v1`` the same way. Each in one
transaction, once per record."""
import datetime as dt

from pymongo.errors import DuplicateKeyError

from ttp_common import auth, clock, regions
from ttp_common.refusals import TransitionRefused

from .. import organizations
from ..documents import Achievement, Organization
from ..history import accreditation_key, registered_id
from .organizations import ACCREDITATION_REVOKED, ORGANIZATION_ACCREDITED

ACHIEVEMENT_REGISTERED = "registry.achievement.registered.v1"


def _rejected(path, message):
    return {"status": "rejected", "errors": [{"path": path, "message": message}]}


def china_midnight(day):
    """The start of ``day`` in China, in UTC (an original registration or accreditation date as a time)."""
    return dt.datetime.combine(day, dt.time(), clock.CHINA_TIME).astimezone(dt.timezone.utc)


def covers(principal, region_code):
    """Whether ``principal`` may load records of ``region_code``: its region's reviewer, an administrator."""
    return principal.role == auth.Roles.ADMIN or regions.covers(principal.region, region_code)


def import_accreditation(uow, row, principal, at):
    """``{"status": "created" | "exists" | "rejected", ...}`` for ``row`` (a ``HistoricalAccreditationIn``): a
    reviewer loads its region's organizations' accreditations, an administrator any. One still in force makes
    the organization (or its unit) accredited since its date; a revoked one is announced and taken back, the
    organization as it is now."""
    org = uow.find_one(Organization, {"credit_code": row.credit_code})
    if org is None:
        return _rejected("credit_code", "no organization with this credit code is registered on the platform")
    if not covers(principal, org.region_code):
        return _rejected("credit_code", "an organization of another region")
    key = accreditation_key(org.id, row.unit, row.accredited_on)
    if key in (org.imported_accreditations or ()):
        return {"status": "exists", "organization_id": org.id, "accreditation": key}
    units = list(org.accredited_units or ())
    in_force = row.revoked_on is None
    try:  # a revoked one does not hold now: only the kind decides
        organizations.check_accreditable(org.kind, org.accredited and in_force, row.unit,
                                         [u["name"] for u in units] if in_force else [])
    except TransitionRefused as exc:
        return _rejected(exc.field or ("unit" if row.unit is not None else "credit_code"), exc.message)
    accredited_at = china_midnight(row.accredited_on)
    if in_force and row.unit is None:
        org.accredited, org.accredited_at, org.accreditation_basis = True, accredited_at, row.basis
    elif in_force:
        org.accredited_units = [*units, {"name": row.unit, "accredited_at": accredited_at, "basis": row.basis}]
    org.imported_accreditations = [*(org.imported_accreditations or ()), key]
    uow.replace(org)
    uow.emit(ORGANIZATION_ACCREDITED, {"organization_id": org.id, "region_code": org.region_code,
                                       "accredited_at": accredited_at, "basis": row.basis, "unit": row.unit,
                                       "effective_date": row.accredited_on, "imported": True}, subject=org.id)
    if not in_force:
        uow.emit(ACCREDITATION_REVOKED, {"organization_id": org.id, "region_code": org.region_code,
                                         "revoked_at": china_midnight(row.revoked_on),
                                         "reason": row.revocation_reason, "unit": row.unit,
                                         "effective_date": row.revoked_on, "imported": True}, subject=org.id)
    return {"status": "created", "organization_id": org.id, "accreditation": key}


def import_registered(uow, form, registration_number, registered_on, principal, at):
    """An achievement registered in an earlier system (``form``: its ``AchievementIn``; number and date checked by
    ``registry.history.registration_errors``), stored as registered under its number: a reviewer of its region,
    an administrator. Once per number; a number another achievement holds is refused."""
    if not covers(principal, form.region_code):
        return other_region()
    aid = registered_id(registration_number)
    if uow.find_one(Achievement, {"_id": aid}) is not None:
        return {"status": "exists", "id": aid}
    achievement = registered_achievement(form, registration_number, registered_on, principal, at)
    try:
        uow.insert(achievement)
    except DuplicateKeyError:  # the number is another achievement's (registered on the platform)
        return number_taken()
    uow.emit(ACHIEVEMENT_REGISTERED, registered_data(achievement, registered_on), subject=aid)
    return {"status": "created", "id": aid}


def other_region():
    return _rejected("form.region_code", "an achievement of another region")


def number_taken():
    return _rejected("registration_number", "already the number of another achievement")


def registered_achievement(form, registration_number, registered_on, principal, at):
    """The achievement an earlier system registered (not stored): registered under its number since its date."""
    return Achievement(id=registered_id(registration_number), owner_organization_id=form.organization_ids[0],
                       region_code=form.region_code, status="registered", record=form.model_dump(mode="json"),
                       created_by=principal.sub, created_at=at, updated_at=at,
                       registration_number=registration_number, registered_at=china_midnight(registered_on))


def registered_data(achievement, registered_on):
    """The ``registry.achievement.registered.v1`` data of an achievement imported as registered."""
    return {"achievement_id": achievement.id, "organization_id": achievement.owner_organization_id,
            "region_code": achievement.region_code, "registration_number": achievement.registration_number,
            "type": achievement.record["type"], "registered_at": china_midnight(registered_on),
            "effective_date": registered_on, "imported": True}
