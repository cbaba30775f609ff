"""Duty-achievement disclosures (职务科技成果披露): a researcher discloses to their institution, another person of
the institution decides and records why, ``flag_overdue`` flags an undecided one past its due date once, and a kept
one becomes an achievement draft from the disclosed form. Each step is an event on ``ttp.registry.disclosure``
without the achievement's text. The rules are in ``registry.disclosures``."""
import datetime as dt
import uuid

from ttp_common import clock

from .. import achievements, disclosures
from ..achievements import AchievementIn
from ..documents import Disclosure
from . import achievements as achievement_handlers
from .access import require_owner

DISCLOSED = "registry.disclosure.disclosed.v1"
DECIDED = "registry.disclosure.decided.v1"
OVERDUE = "registry.disclosure.overdue.v1"
DRAFTED = "registry.disclosure.drafted.v1"


def disclose(uow, body, principal, at, days):
    """A disclosure of ``body`` (``DisclosureIn``) to the caller's own institution, due ``days`` after today."""
    form = body.achievement
    require_owner(principal, form.organization_ids[0])
    achievements.check_not_classified(form.model_dump())
    due = disclosures.due_date(clock.china_date(at), days)
    disclosure = uow.insert(Disclosure(
        id=uuid.uuid4().hex, organization_id=form.organization_ids[0], region_code=form.region_code,
        status="disclosed", basis=body.basis, record=form.model_dump(mode="json"), remarks=body.remarks,
        disclosed_by=principal.sub, disclosed_at=at, due_date=due.isoformat()))
    uow.emit(DISCLOSED, {**_about(disclosure), "basis": body.basis, "disclosed_at": at, "due_date": due,
                         "inventors": len(form.contributors)}, subject=disclosure.id)
    return disclosure


def decide(uow, disclosure_id, body, principal, at):
    """The institution's decision (``DecisionIn``), by another person than the discloser; late after the due date."""
    disclosure = disclosure_for(uow, disclosure_id, principal)
    disclosures.check_decidable(disclosure.status)
    disclosures.check_decider(disclosure.disclosed_by, principal.sub)
    due = dt.date.fromisoformat(disclosure.due_date)
    disclosure.status, disclosure.decision, disclosure.reasons = "decided", body.decision, body.reasons
    disclosure.decided_by, disclosure.decided_at = principal.sub, at
    disclosure.decided_late = clock.china_date(at) > due
    uow.replace(disclosure)
    uow.emit(DECIDED, {**_about(disclosure), "decision": body.decision, "decided_at": at, "due_date": due,
                       "late": disclosure.decided_late}, subject=disclosure.id)
    return disclosure


def draft(uow, disclosure_id, principal, at):
    """The achievement draft of a kept disclosure, from its disclosed form (checked as any draft is); once."""
    disclosure = disclosure_for(uow, disclosure_id, principal)
    disclosures.check_draftable(disclosure.status, disclosure.decision, disclosure.achievement_id)
    achievement = achievement_handlers.create_draft(uow, AchievementIn.model_validate(disclosure.record), principal, at)
    disclosure.achievement_id = achievement.id
    uow.replace(disclosure)
    uow.emit(DRAFTED, {**_about(disclosure), "achievement_id": achievement.id, "drafted_at": at},
             subject=disclosure.id)
    return achievement


def flag_overdue(uow, disclosure_id, today):
    """Flag the disclosure overdue if it is (``today``: China's date), once, with an event; its id, or None."""
    disclosure = uow.get(Disclosure, disclosure_id)
    due = dt.date.fromisoformat(disclosure.due_date)
    if not disclosures.is_overdue(disclosure.status, disclosure.overdue, due, today):
        return None
    disclosure.overdue = True
    uow.replace(disclosure)
    uow.emit(OVERDUE, {**_about(disclosure), "disclosed_at": disclosure.disclosed_at, "due_date": due},
             subject=disclosure.id)
    return disclosure.id


def disclosure_for(uow, disclosure_id, principal):
    """The disclosure, read in the transaction, if ``principal`` acts for its institution (else 403)."""
    disclosure = uow.get(Disclosure, disclosure_id)
    require_owner(principal, disclosure.organization_id)
    return disclosure


def _about(disclosure):
    return {"disclosure_id": disclosure.id, "organization_id": disclosure.organization_id,
            "region_code": disclosure.region_code}
