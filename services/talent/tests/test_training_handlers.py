"""The training handlers over a fake unit of work: a programme, an enrolment and the provider's record of
attendance, assessment and completion, what each stores and announces and what it refuses."""
import datetime as dt

import pytest

from talent.documents import Enrolment, Programme
from ttp_common.refusals import Invalid

from talent.field_refusals import RuleNotMet
from talent.handlers import people, training as handlers
from talent.people import PersonIn
from talent.training import ProgrammeIn
from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, NotAllowed, NotFound, TransitionRefused

BASE = Principal(sub="base-1", role=Roles.INSTITUTION, org="org-base")
SCU = Principal(sub="hr-scu", role=Roles.INSTITUTION, org="org-scu")
OTHER = Principal(sub="hr-other", role=Roles.INSTITUTION, org="org-other")
ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def programme_in(**fields):
    return ProgrammeIn(**{
        "title": "初级技术经纪人培训班", "kind": "broker_course", "level": "junior",
        "provider_organization_id": "org-base", "provider_name": "国家技术转移西南中心人才培养基地",
        "sessions": [{"code": "S1", "topic": "通识", "date": "2026-03-01", "hours": 24},
                     {"code": "S2", "topic": "政策法规", "date": "2026-03-02", "hours": 24}], **fields})


@pytest.fixture
def enrolment(uow):
    """A person of org-scu enrolled by their organization in the provider's junior broker course."""
    programme = handlers.register_programme(uow, programme_in(), BASE)
    person = people.register(uow, PersonIn(name="赵学员", kinds=["broker"], organization_id="org-scu"), SCU)
    return handlers.enrol(uow, programme.id, person.id, SCU)


def test_a_programme_totals_its_hours_and_announces_itself(uow):
    programme = handlers.register_programme(uow, programme_in(), BASE)

    stored = uow.get(Programme, programme.id)
    assert (stored.total_hours, stored.required_hours, stored.pass_mark) == (48, 48, 60)
    [event] = uow.events
    assert event.name == "talent.training.programme_registered.v1"
    assert event.data["session_count"] == 2 and event.data["required_hours"] == 48


def test_a_programme_names_every_field_at_fault_and_belongs_to_its_provider(uow):
    sessions = [{"code": "S1", "topic": "a", "date": "2026-03-01", "hours": 8}] * 2
    with pytest.raises(Invalid) as refused:
        handlers.register_programme(uow, programme_in(level=None, sessions=sessions, required_hours=17), BASE)
    assert [f["path"] for f in refused.value.fields] == ["level", "sessions.1.code", "required_hours"]
    with pytest.raises(Forbidden):
        handlers.register_programme(uow, programme_in(), SCU)
    assert uow.count(Programme) == 0 and uow.events == []


def test_an_enrolment_is_once_per_programme_by_the_provider_or_the_persons_organization(uow, enrolment):
    assert uow.get(Enrolment, enrolment.id).status == "enrolled"
    assert uow.events[-1].data == {"enrolment_id": enrolment.id, "programme_id": enrolment.programme_id,
                                   "person_id": enrolment.person_id, "kind": "broker_course", "level": "junior"}
    with pytest.raises(Conflict) as refused:
        handlers.enrol(uow, enrolment.programme_id, enrolment.person_id, BASE)
    assert refused.value.field == "person_id"
    with pytest.raises(NotAllowed):
        handlers.enrol(uow, enrolment.programme_id, enrolment.person_id, OTHER)
    with pytest.raises(NotFound) as unknown:
        handlers.enrol(uow, enrolment.programme_id, "nobody", BASE)
    assert unknown.value.field == "person_id"
    assert uow.count(Enrolment) == 1


def test_attendance_assessment_and_completion(uow, enrolment):
    attended = handlers.record_attendance(uow, enrolment.id, "S1", BASE)
    assert attended.attended == ["S1"] and attended.attended_hours == 24
    with pytest.raises(Conflict) as again:
        handlers.record_attendance(uow, enrolment.id, "S1", BASE)
    assert again.value.field == "session"
    with pytest.raises(RuleNotMet) as unknown:
        handlers.record_attendance(uow, enrolment.id, "S9", BASE)
    assert (unknown.value.code, unknown.value.field) == ("rule_not_met", "session")
    with pytest.raises(Forbidden):  # the person's organization enrols; only the provider records
        handlers.record_attendance(uow, enrolment.id, "S2", SCU)

    with pytest.raises(RuleNotMet) as early:
        handlers.complete(uow, enrolment.id, BASE, AT)
    assert [f["message"] for f in early.value.fields] == ["attended 24 of 48 required hours", "no passed assessment"]
    handlers.record_attendance(uow, enrolment.id, "S2", BASE)
    assert handlers.record_assessment(uow, enrolment.id, 55, BASE).passed is False
    assert handlers.record_assessment(uow, enrolment.id, 82, BASE).passed is True  # a retake replaces it

    done = handlers.complete(uow, enrolment.id, BASE, AT)

    assert (done.status, uow.get(Enrolment, enrolment.id).completed_at) == ("completed", AT)
    completed = uow.events[-1]
    assert completed.name == "talent.training.completed.v1"
    assert (completed.data["hours"], completed.data["passed"], completed.data["completed_at"]) == (48, True, AT)
    with pytest.raises(TransitionRefused, match="the enrolment is completed"):
        handlers.record_attendance(uow, enrolment.id, "S2", BASE)
    assert [name.split(".")[2] for name in uow.names()[3:]] == ["attended", "attended", "assessed", "assessed",
                                                               "completed"]
