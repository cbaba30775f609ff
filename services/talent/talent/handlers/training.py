"""Training (培训体系): registering a programme, enrolling a person, and the provider's record of attendance,
assessment and completion. The rules are in ``talent.training``.
"""
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common import auth
from ttp_common.refusals import Conflict, NotAllowed, NotFound

from .. import training
from ..documents import Enrolment, Programme
from .people import person

PROGRAMME_REGISTERED = "talent.training.programme_registered.v1"
ENROLLED = "talent.training.enrolled.v1"
ATTENDED = "talent.training.attended.v1"
ASSESSED = "talent.training.assessed.v1"
COMPLETED = "talent.training.completed.v1"


def register_programme(uow, body, principal):
    """A provider (an institution, e.g. an accredited training base) registers its programme; admins too."""
    training.check_programme(body)
    auth.require_org(principal, body.provider_organization_id)
    programme = Programme(
        id=uuid.uuid4().hex, created_by=principal.sub, total_hours=body.total_hours,
        required_hours=body.required_hours or body.total_hours,
        **body.model_dump(mode="json", exclude={"required_hours"}))
    uow.insert(programme)
    uow.emit(PROGRAMME_REGISTERED, {
        "programme_id": programme.id, "title": programme.title, "kind": programme.kind, "level": programme.level,
        "provider_organization_id": programme.provider_organization_id, "total_hours": programme.total_hours,
        "required_hours": programme.required_hours, "session_count": len(programme.sessions)}, subject=programme.id)
    return programme


def enrol(uow, programme_id, person_id, principal):
    """The provider, the person's organization or an admin enrols a person, once per programme."""
    programme = uow.get(Programme, programme_id)
    enrolled = person(uow, person_id, field="person_id")
    if not auth.acts_for(principal, programme.provider_organization_id, enrolled.organization_id):
        raise NotAllowed("only the provider or the person's organization may enrol")
    enrolment = Enrolment(
        id=uuid.uuid4().hex, programme_id=programme.id, person_id=enrolled.id,
        provider_organization_id=programme.provider_organization_id,
        person_organization_id=enrolled.organization_id, kind=programme.kind, level=programme.level,
        status="enrolled")
    try:
        uow.insert(enrolment)
    except DuplicateKeyError:
        raise Conflict("the person is already enrolled in this programme", field="person_id",
                       detail="already enrolled") from None
    uow.emit(ENROLLED, {"enrolment_id": enrolment.id, "programme_id": programme.id, "person_id": enrolled.id,
                        "kind": programme.kind, "level": programme.level}, subject=enrolment.id)
    return enrolment


def visible_enrolment(repo, enrolment_id, principal):
    """The enrolment for the provider, the person's organization and admins; ``NotFound`` for anyone else."""
    enrolment = repo.get(Enrolment, enrolment_id)
    if not auth.acts_for(principal, enrolment.provider_organization_id, enrolment.person_organization_id):
        raise NotFound("no such enrolment")
    return enrolment


def record_attendance(uow, enrolment_id, session, principal):
    """Attendance at one session (``training.attend``: each counts once, only while enrolled)."""
    enrolment, programme, data = _for_provider(uow, enrolment_id, principal)
    hours = training.attend(enrolment.as_dict(), programme.as_dict(), session)
    enrolment.attended = list(enrolment.attended) + [session]
    enrolment.attended_hours += hours
    return _record(uow, enrolment, ATTENDED,
                   {**data, "session": session, "hours": hours, "attended_hours": enrolment.attended_hours})


def record_assessment(uow, enrolment_id, score, principal):
    """An assessment score; a retake replaces it."""
    enrolment, programme, data = _for_provider(uow, enrolment_id, principal)
    enrolment.passed = training.assess(enrolment.as_dict(), programme.as_dict(), score)
    enrolment.score = score
    return _record(uow, enrolment, ASSESSED, {**data, "score": score, "passed": enrolment.passed})


def complete(uow, enrolment_id, principal, at):
    """Completion, once the required hours and (if required) a passed assessment are recorded."""
    enrolment, programme, data = _for_provider(uow, enrolment_id, principal)
    training.check_completable(enrolment.as_dict(), programme.as_dict())
    enrolment.status, enrolment.completed_at = "completed", at
    return _record(uow, enrolment, COMPLETED, {
        **data, "kind": enrolment.kind, "level": enrolment.level, "hours": enrolment.attended_hours,
        "passed": bool(enrolment.passed), "completed_at": at})


def _for_provider(uow, enrolment_id, principal):
    """The enrolment and its programme, read in the transaction, if the caller is its provider (or an admin),
    and the data every training step's event carries."""
    enrolment = uow.get(Enrolment, enrolment_id)
    auth.require_org(principal, enrolment.provider_organization_id)
    programme = uow.get(Programme, enrolment.programme_id)
    return enrolment, programme, {"enrolment_id": enrolment.id, "programme_id": enrolment.programme_id,
                                  "person_id": enrolment.person_id}


def _record(uow, enrolment, event, data):
    uow.replace(enrolment)
    uow.emit(event, data, subject=enrolment.id)
    return enrolment
