"""The organization handlers over a fake unit of work: what a registration and an accreditation write and
announce, and what they refuse, without any server."""
import datetime as dt

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, Invalid, NotFound, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from registry.documents import Organization
from registry.handlers import organizations as handlers
from registry.organizations import CorrectionIn, OrganizationIn

CHENGDU_REVIEWER = Principal(sub="reviewer-1", role=Roles.REVIEWER, region="510100")
ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def body(**fields):
    return OrganizationIn(**{"name": "成都技术转移中心", "credit_code": "91350100M000100Y43",
                             "kind": "service_institution", "region_code": "510100", **fields})


@pytest.fixture
def uow():
    return FakeUnitOfWork(Organization, service="registry")


def test_a_registration_stores_the_organization_and_announces_it(uow):
    org = handlers.register(uow, body(), CHENGDU_REVIEWER)

    stored = uow.get(Organization, org.id)
    assert (stored.name, stored.credit_code, stored.created_by) == ("成都技术转移中心", "91350100M000100Y43", "reviewer-1")
    [event] = uow.events
    assert event.name == "registry.organization.registered.v1" and event.subject == org.id
    assert event.data["credit_code"] == "91350100M000100Y43" and event.data["region_code"] == "510100"


def test_a_second_registration_of_a_credit_code_is_a_conflict_on_that_field(uow):
    handlers.register(uow, body(), ADMIN)
    with pytest.raises(Conflict) as refused:
        handlers.register(uow, body(name="另一个名称"), ADMIN)
    assert refused.value.field == "credit_code"
    assert uow.count(Organization) == 1 and uow.names() == ["registry.organization.registered.v1"]


def test_a_reviewer_registers_only_in_their_region(uow):
    with pytest.raises(Forbidden):
        handlers.register(uow, body(region_code="510700"), CHENGDU_REVIEWER)
    assert uow.count(Organization) == 0 and uow.events == []


def test_accreditation_then_revocation(uow):
    org = handlers.register(uow, body(), ADMIN)

    accredited = handlers.accredit(uow, org.id, "川科发〔2026〕1号", CHENGDU_REVIEWER, AT)
    assert accredited.accredited and uow.get(Organization, org.id).accredited_at == AT
    with pytest.raises(TransitionRefused, match="already accredited"):
        handlers.accredit(uow, org.id, None, CHENGDU_REVIEWER, AT)

    late = dt.datetime(2027, 3, 31, 16, 5, tzinfo=dt.timezone.utc)  # 1 April in China
    handlers.revoke_accreditation(uow, org.id, "不再符合认定条件", CHENGDU_REVIEWER, late)
    assert not uow.get(Organization, org.id).accredited
    assert [e.data["effective_date"] for e in uow.events[1:]] == [dt.date(2026, 12, 1), dt.date(2027, 4, 1)]
    assert uow.names() == ["registry.organization.registered.v1", "registry.organization.accredited.v1",
                           "registry.organization.accreditation_revoked.v1"]


def test_only_service_institutions_are_accredited_and_only_existing_ones(uow):
    university = handlers.register(uow, body(kind="university"), ADMIN)
    with pytest.raises(TransitionRefused, match="service institution"):
        handlers.accredit(uow, university.id, None, ADMIN, AT)
    with pytest.raises(NotFound, match="no such organization"):
        handlers.accredit(uow, "missing", None, ADMIN, AT)


def test_a_universitys_transfer_units_are_accredited_one_by_one_and_revoked_by_name(uow):
    university = handlers.register(uow, body(kind="university", name="四川大学"), ADMIN)

    handlers.accredit(uow, university.id, "川科发〔2026〕2号", CHENGDU_REVIEWER, AT, unit="四川大学技术转移中心")
    handlers.accredit(uow, university.id, None, CHENGDU_REVIEWER, AT, unit="四川大学华西医学转化中心")
    stored = uow.get(Organization, university.id)
    assert [u["name"] for u in stored.public()["accredited_units"]] == ["四川大学技术转移中心", "四川大学华西医学转化中心"]
    assert stored.accredited is False  # the university itself is not a service institution
    with pytest.raises(TransitionRefused, match="already accredited") as refused:
        handlers.accredit(uow, university.id, None, ADMIN, AT, unit="四川大学技术转移中心")
    assert refused.value.field == "unit"

    handlers.revoke_accreditation(uow, university.id, "撤并", ADMIN, AT, unit="四川大学技术转移中心")
    assert [u["name"] for u in uow.get(Organization, university.id).public()["accredited_units"]] == [
        "四川大学华西医学转化中心"]
    with pytest.raises(TransitionRefused, match="not accredited"):
        handlers.revoke_accreditation(uow, university.id, "撤并", ADMIN, AT, unit="四川大学技术转移中心")
    assert [(e.name.split(".")[2], e.data["unit"]) for e in uow.events[1:]] == [
        ("accredited", "四川大学技术转移中心"), ("accredited", "四川大学华西医学转化中心"),
        ("accreditation_revoked", "四川大学技术转移中心")]


def test_only_universities_and_institutes_accredit_units(uow):
    enterprise = handlers.register(uow, body(kind="enterprise"), ADMIN)
    with pytest.raises(TransitionRefused, match="高校院所"):
        handlers.accredit(uow, enterprise.id, None, ADMIN, AT, unit="企业技术中心")
    institution = handlers.register(uow, body(credit_code="91510100MA61RE9G40"), ADMIN)
    with pytest.raises(TransitionRefused, match="高校院所"):
        handlers.accredit(uow, institution.id, None, ADMIN, AT, unit="分中心")
    assert uow.names() == ["registry.organization.registered.v1"] * 2


def correction(**fields):
    return CorrectionIn(**fields)


def test_a_correction_changes_the_record_keeps_a_history_and_announces_the_fields_without_the_contact(uow):
    org = handlers.register(uow, body(supervising_department="成都市科学技术局"), ADMIN)

    handlers.correct(uow, org.id, correction(name="成都技术转移集团", contact="028-61880000"), CHENGDU_REVIEWER, AT)
    stored = uow.get(Organization, org.id)
    assert (stored.name, stored.contact, stored.supervising_department) == (
        "成都技术转移集团", "028-61880000", "成都市科学技术局")
    [entry] = stored.corrections
    assert entry["by"] == "reviewer-1" and entry["at"] == AT
    assert entry["changes"] == [{"field": "name", "old": "成都技术转移中心", "new": "成都技术转移集团"},
                                {"field": "contact", "old": None, "new": "028-61880000"}]
    event = uow.events[-1]
    assert event.name == "registry.organization.corrected.v1" and event.subject == org.id
    assert event.data["name"] == "成都技术转移集团" and event.data["changed_fields"] == ["name", "contact"]
    assert "028-61880000" not in repr(event.data)

    handlers.correct(uow, org.id, correction(supervising_department=None), ADMIN, AT)
    assert uow.get(Organization, org.id).supervising_department is None
    assert uow.events[-1].data["changed_fields"] == ["supervising_department"]


def test_a_correction_that_changes_nothing_leaves_no_history_and_no_event(uow):
    org = handlers.register(uow, body(), ADMIN)
    handlers.correct(uow, org.id, correction(name="成都技术转移中心"), ADMIN, AT)
    assert uow.get(Organization, org.id).corrections == []
    assert uow.names() == ["registry.organization.registered.v1"]


def test_only_the_reviewer_of_its_region_corrects_and_a_correction_names_something():
    uow = FakeUnitOfWork(Organization, service="registry")
    org = handlers.register(uow, body(region_code="510700"), ADMIN)
    with pytest.raises(Forbidden):
        handlers.correct(uow, org.id, correction(name="别的名称"), CHENGDU_REVIEWER, AT)
    assert uow.get(Organization, org.id).name == "成都技术转移中心"
    with pytest.raises(Invalid, match="at least one"):
        CorrectionIn()
    with pytest.raises(Invalid, match="keeps a name"):
        CorrectionIn(name=None)
