"""Shared facilities (共享设施): an owner catalogues one; an enterprise requests time; the owner accepts,
declines and records the use. The rules are in ``innovation.facilities``; who may act is decided here:
the requesting enterprise sees its requests, the owner acts on requests for its own facilities, admins on all.
"""
import uuid

from ttp_common import auth
from ttp_common.refusals import NotAllowed, NotFound

from .. import facilities
from ..documents import Booking, Facility
from . import replace_unchanged
from .replica import organization_kind

LISTED = "innovation.facility.listed.v1"
REQUESTED = "innovation.booking.requested.v1"


def list_facility(uow, body, principal, at):
    """Catalogue a facility of the caller's organization (admins: any organization)."""
    auth.require_org(principal, body.owner_organization_id)
    facility = Facility(id=uuid.uuid4().hex, listed_at=at, listed_by=principal.sub, **body.model_dump())
    uow.insert(facility)
    uow.emit(LISTED, {"facility_id": facility.id, **body.model_dump(), "listed_at": at}, subject=facility.id)
    return facility


def request_time(uow, body, principal, at):
    """An enterprise's request (``BookingIn``) for hours on a facility, made by its own staff (or an admin)."""
    auth.require_org(principal, body.enterprise_organization_id)
    facility = uow.get(Facility, body.facility_id)
    facilities.check_requester(facility.owner_organization_id, body.enterprise_organization_id,
                               organization_kind(uow, body.enterprise_organization_id))
    booking = Booking(id=uuid.uuid4().hex, facility_kind=facility.kind, region_code=facility.region_code,
                      owner_organization_id=facility.owner_organization_id, status="requested", requested_at=at,
                      requested_by=principal.sub, **body.model_dump())
    uow.insert(booking)
    uow.emit(REQUESTED, {**_parties(booking), "facility_kind": facility.kind, "region_code": facility.region_code,
                         "starts_at": body.starts_at, "ends_at": body.ends_at, "hours": body.hours,
                         "requested_at": at}, subject=booking.id)
    return booking


def visible_booking(repo, booking_id, principal):
    """The request for its enterprise, the facility's owner and admins; ``NotFound`` for anyone else."""
    booking = repo.get(Booking, booking_id, missing="no such request")
    if not auth.acts_for(principal, booking.enterprise_organization_id, booking.owner_organization_id):
        raise NotFound("no such request")
    return booking


def accept(uow, booking_id, principal, at):
    def change(booking):
        booking.decided_at, booking.decided_by = at, principal.sub
        return {"accepted_at": at}

    return _transition(uow, "accept", booking_id, principal, change)


def decline(uow, booking_id, reason, principal, at):
    def change(booking):
        booking.decided_at, booking.decided_by, booking.decline_reason = at, principal.sub, reason
        return {"reason": reason, "declined_at": at}

    return _transition(uow, "decline", booking_id, principal, change)


def record_use(uow, booking_id, hours_used, principal, at):
    def change(booking):
        facilities.check_use(hours_used, booking.hours)
        booking.hours_used, booking.used_at = hours_used, at
        return {"facility_kind": booking.facility_kind, "region_code": booking.region_code,
                "hours_used": float(hours_used), "recorded_at": at}

    return _transition(uow, "record_use", booking_id, principal, change)


def _transition(uow, name, booking_id, principal, change):
    """The owner's step ``name`` on a request for its facility: the enterprise may read it but not decide it."""
    booking = visible_booking(uow, booking_id, principal)
    if not auth.acts_for(principal, booking.owner_organization_id):
        raise NotAllowed("only the facility's owner decides on and records its use")
    previous = booking.status
    step = facilities.transition(name, previous)
    data = change(booking)
    booking.status = step.target
    replace_unchanged(uow, booking, {"status": previous}, "the request changed meanwhile; read it again")
    uow.emit(step.event, {**_parties(booking), **data}, subject=booking.id)
    return booking


def _parties(booking):
    return {"booking_id": booking.id, "facility_id": booking.facility_id,
            "owner_organization_id": booking.owner_organization_id,
            "enterprise_organization_id": booking.enterprise_organization_id}


def bookings_query(principal, side=None):
    """The requests a caller may list: an admin all, an organization those it made or received (``side``:
    ``enterprise`` or ``owner`` only)."""
    if principal.role == auth.Roles.ADMIN:
        return {}
    if principal.org is None:
        raise NotAllowed("the token names no organization")
    sides = {"enterprise": "enterprise_organization_id", "owner": "owner_organization_id"}
    chosen = [sides[side]] if side else list(sides.values())
    return {"$or": [{field: principal.org} for field in chosen]}
