"""The organization handlers over a fake unit of work: what a registration and an accreditation write and
announce, and what they refuse, without any server."""
import datetime as dt

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, NotFound, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from registry.documents import Organization
from registry.handlers import organizations as handlers
from registry.organizations import OrganizationIn

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
