"""The incubation ladder (孵化链条): a department records a carrier; the carrier's operator records an
enterprise's entry (checked against the registry's replica: an enterprise, registered achievements) and its
graduation. The rules are in ``innovation.incubation``.
"""
import datetime as dt
import uuid

from ttp_common import auth, clock
from ttp_common.refusals import Conflict, NotFound

from .. import incubation
from ..documents import Carrier, Incubation
from . import replace_unchanged
from .replica import organization_kind, registered_among

RECORDED = "innovation.carrier.recorded.v1"
ENTERED = "innovation.incubation.entered.v1"
GRADUATED = "innovation.incubation.graduated.v1"


def record_carrier(uow, body, principal, at):
    """A carrier recognized by a reviewer of its region (or an admin)."""
    auth.require_region(principal, body.region_code)
    carrier = Carrier(id=uuid.uuid4().hex, recorded_at=at, recorded_by=principal.sub, **body.model_dump())
    uow.insert(carrier)
    uow.emit(RECORDED, {"carrier_id": carrier.id, **body.model_dump(), "recorded_at": at}, subject=carrier.id)
    return carrier


def operated_carrier(repo, carrier_id, principal):
    """The carrier, for its operator's staff and admins (others: 403)."""
    carrier = repo.get(Carrier, carrier_id)
    auth.require_org(principal, carrier.operator_organization_id)
    return carrier


def visible_incubation(repo, incubation_id, principal):
    """The stay for the carrier's operator, the enterprise itself and admins; ``NotFound`` for anyone else."""
    stay = repo.get(Incubation, incubation_id, missing="no such incubation")
    carrier = repo.get(Carrier, stay.carrier_id)
    if not auth.acts_for(principal, carrier.operator_organization_id, stay.enterprise_organization_id):
        raise NotFound("no such incubation")
    return stay


def enter(uow, carrier_id, body, principal, at):
    """An enterprise enters the carrier (``EntryIn``); one open stay per enterprise and carrier."""
    carrier = operated_carrier(uow, carrier_id, principal)
    incubation.check_entry_date(body.entered_on, clock.china_date(at))
    incubation.check_enterprise(organization_kind(uow, body.enterprise_organization_id))
    incubation.check_achievements(body.achievement_ids, registered_among(uow, body.achievement_ids))
    open_key = f"{carrier.id}|{body.enterprise_organization_id}"
    if uow.find_one(Incubation, {"open_key": open_key}) is not None:
        raise Conflict("the enterprise is already incubating in this carrier")
    stay = Incubation(id=uuid.uuid4().hex, carrier_id=carrier.id, region_code=carrier.region_code,
                      enterprise_organization_id=body.enterprise_organization_id,
                      entered_on=body.entered_on.isoformat(), achievement_ids=body.achievement_ids,
                      built_on_achievement=bool(body.achievement_ids), status="incubating", open_key=open_key,
                      recorded_by=principal.sub)
    uow.insert(stay)
    uow.emit(ENTERED, {"incubation_id": stay.id, "carrier_id": carrier.id, "carrier_kind": carrier.kind,
                       "carrier_level": carrier.level, "region_code": carrier.region_code,
                       "enterprise_organization_id": stay.enterprise_organization_id, "entered_on": body.entered_on,
                       "achievement_ids": body.achievement_ids, "built_on_achievement": stay.built_on_achievement},
             subject=stay.id)
    return stay


def graduate(uow, incubation_id, graduated_on, principal, at):
    """The enterprise graduates (``GraduationIn``), recorded by the carrier's operator (or an admin)."""
    stay = uow.get(Incubation, incubation_id, missing="no such incubation")
    operated_carrier(uow, stay.carrier_id, principal)
    entered_on = dt.date.fromisoformat(stay.entered_on)
    incubation.check_graduation(stay.status, entered_on, graduated_on, clock.china_date(at))
    stay.status, stay.graduated_on, stay.open_key = "graduated", graduated_on.isoformat(), stay.id
    replace_unchanged(uow, stay, {"status": "incubating"}, "the incubation changed meanwhile; read it again")
    uow.emit(GRADUATED, {"incubation_id": stay.id, "carrier_id": stay.carrier_id, "region_code": stay.region_code,
                         "enterprise_organization_id": stay.enterprise_organization_id, "entered_on": entered_on,
                         "graduated_on": graduated_on, "built_on_achievement": stay.built_on_achievement},
             subject=stay.id)
    return stay

