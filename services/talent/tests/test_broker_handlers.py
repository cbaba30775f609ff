"""The broker handlers over a fake unit of work: certification (the rules, the number, its serial drawn once
and only for a certificate issued, China's date), suspension and reinstatement, and the performance counted
from registered contracts."""
import datetime as dt
from decimal import Decimal

import pytest

from talent.documents import BrokerPerformance, Certificate
from talent.field_refusals import RuleNotMet
from talent.handlers import brokers as handlers, people, training
from talent.people import PersonIn
from talent.training import ProgrammeIn
from ttp_common.auth import Principal, Roles
from ttp_common.mongo import SEQUENCES
from ttp_common.refusals import Conflict, NotFound, TransitionRefused

ADMIN = Principal(sub="sc-kjt", role=Roles.ADMIN)
BASE = Principal(sub="base-1", role=Roles.INSTITUTION, org="org-base")
# 17:30 UTC on 31 December is already 1 January in China: the certificate is of China's date and year
NEW_YEAR = dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.timezone.utc)


def completed_course(uow, person_id, level, hours=48):
    """A broker course of ``level`` the person completed, with a passed assessment."""
    programme = training.register_programme(uow, ProgrammeIn(
        title=f"{level} 技术经纪人培训班", kind="broker_course", level=level, provider_organization_id="org-base",
        provider_name="培训基地", sessions=[{"code": "S1", "topic": "通识", "date": "2026-03-01", "hours": hours}]),
        BASE)
    enrolment = training.enrol(uow, programme.id, person_id, BASE)
    training.record_attendance(uow, enrolment.id, "S1", BASE)
    training.record_assessment(uow, enrolment.id, 90, BASE)
    training.complete(uow, enrolment.id, BASE, NEW_YEAR)


def broker(uow, name="陈经纪"):
    return people.register(uow, PersonIn(name=name, kinds=["broker"], organization_id="org-scu"), ADMIN).id


@pytest.fixture
def draws(monkeypatch):
    """The serial counters drawn (``next_serial``), in order."""
    drawn = []
    real = handlers.next_serial

    def next_serial(db, key):
        drawn.append(key)
        return real(db, key)

    monkeypatch.setattr(handlers, "next_serial", next_serial)
    return drawn


def test_a_certificate_is_numbered_by_level_china_year_and_serial_drawn_once(uow, draws):
    person_id = broker(uow)
    completed_course(uow, person_id, "junior")

    certificate = handlers.certify(uow, person_id, "junior", ADMIN, NEW_YEAR)

    assert certificate.id == "SCTB-2027-J-00001"
    assert draws == ["certificate|junior|2027"]
    stored = uow.get(Certificate, "SCTB-2027-J-00001")
    assert (stored.person_id, stored.status, stored.valid_from, stored.valid_until) == (
        person_id, "active", "2027-01-01", "2029-12-31")
    assert stored.history == [{"action": "certify", "at": NEW_YEAR.isoformat(), "by": "sc-kjt"}]
    certified = uow.events[-1]
    assert certified.name == "talent.broker.certified.v1" and certified.subject == person_id
    assert certified.data == {"person_id": person_id, "certificate_number": "SCTB-2027-J-00001", "level": "junior",
                              "valid_from": dt.date(2027, 1, 1), "valid_until": dt.date(2029, 12, 31)}

    other = broker(uow, "李经纪")
    completed_course(uow, other, "junior")
    assert handlers.certify(uow, other, "junior", ADMIN, NEW_YEAR).id == "SCTB-2027-J-00002"
    assert draws == ["certificate|junior|2027"] * 2
    assert uow.db[SEQUENCES].find_one({"_id": "certificate|junior|2027"})["value"] == 2


def test_a_refused_certification_draws_no_serial(uow, draws):
    person_id = broker(uow)
    with pytest.raises(RuleNotMet) as refused:
        handlers.certify(uow, person_id, "intermediate", ADMIN, NEW_YEAR)
    assert refused.value.code == "rule_not_met"
    assert {f["message"] for f in refused.value.fields} == {
        "needs a valid 初级技术经纪人 certificate first", "completed 0 of 64 course hours at this level",
        "passed 0 of 1 assessments at this level"}
    assert {f["path"] for f in refused.value.fields} == {"level"}
    with pytest.raises(NotFound, match="no such person"):
        handlers.certify(uow, "nobody", "junior", ADMIN, NEW_YEAR)
    assert draws == [] and uow.count(Certificate) == 0

    completed_course(uow, person_id, "junior")
    assert handlers.certify(uow, person_id, "junior", ADMIN, NEW_YEAR).id == "SCTB-2027-J-00001"
    with pytest.raises(RuleNotMet, match="already holds a valid 初级技术经纪人 certificate"):
        handlers.certify(uow, person_id, "junior", ADMIN, NEW_YEAR)
    assert draws == ["certificate|junior|2027"]


def test_suspension_blocks_a_new_certificate_until_reinstatement(uow, draws):
    person_id = broker(uow)
    completed_course(uow, person_id, "junior")
    number = handlers.certify(uow, person_id, "junior", ADMIN, NEW_YEAR).id

    suspended = handlers.change_certificate(uow, number, "suspend", "执业投诉核查中", ADMIN, NEW_YEAR)

    assert uow.get(Certificate, number).status == suspended.status == "suspended"
    assert uow.events[-1].name == "talent.broker.certificate_suspended.v1"
    assert uow.events[-1].data == {"person_id": person_id, "certificate_number": number, "level": "junior",
                                   "reason": "执业投诉核查中"}
    with pytest.raises(TransitionRefused, match="cannot suspend a certificate that is suspended"):
        handlers.change_certificate(uow, number, "suspend", "再次", ADMIN, NEW_YEAR)
    with pytest.raises(Conflict) as blocked:
        handlers.certify(uow, person_id, "junior", ADMIN, NEW_YEAR)
    assert blocked.value.field == "level" and f"{number} is suspended" in blocked.value.message
    assert draws == ["certificate|junior|2027"]

    reinstated = handlers.change_certificate(uow, number, "reinstate", "核查完毕", ADMIN, NEW_YEAR)
    assert [h["action"] for h in reinstated.history] == ["certify", "suspend", "reinstate"]
    assert reinstated.status == "active" and uow.names()[-1] == "talent.broker.certificate_reinstated.v1"
    with pytest.raises(NotFound, match="no such certificate"):
        handlers.change_certificate(uow, "SCTB-1999-J-99999", "suspend", "违规", ADMIN, NEW_YEAR)


def test_a_certificate_shows_expired_after_its_validity_whatever_its_flag(uow):
    person_id = broker(uow)
    completed_course(uow, person_id, "junior")
    certificate = handlers.certify(uow, person_id, "junior", ADMIN, NEW_YEAR)
    assert handlers.certificate_view(certificate, dt.date(2029, 12, 31))["status"] == "active"
    view = handlers.certificate_view(certificate, dt.date(2030, 1, 1))
    assert (view["status"], view["level_label"]) == ("expired", "初级技术经纪人")


def contract(contract_id, amount, brokers=("b-1",)):
    return {"contract_id": contract_id, "contract_amount": Decimal(amount), "technology_transaction_amount":
            Decimal(amount), "contract_type": "licence", "broker_person_ids": list(brokers),
            "registered_at": dt.datetime(2026, 7, 1, 8, tzinfo=dt.timezone.utc)}


def test_a_registered_contract_counts_once_for_each_of_its_brokers(uow):
    handlers.count_contract(uow, contract("c-1", "100.10", ("b-1", "b-2")))
    handlers.count_contract(uow, contract("c-1", "100.10", ("b-1", "b-2")))  # the same contract again
    handlers.count_contract(uow, contract("c-2", "0.20"))

    figures = handlers.broker(uow, "b-1", dt.date(2026, 12, 1))["performance"]
    assert (figures["contracts"], figures["contract_amount"]) == (2, "100.30")
    assert figures["by_year"]["2026"] == {"contracts": 2, "contract_amount": "100.30",
                                          "technology_transaction_amount": "100.30"}
    assert uow.get(BrokerPerformance, "b-2").contract_ids == ["c-1"]
    assert [(e.subject, e.data["contracts"], e.data["contract_amount"]) for e in uow.events] == [
        ("b-1", 1, Decimal("100.10")), ("b-2", 1, Decimal("100.10")), ("b-1", 2, Decimal("100.30"))]
    assert handlers.broker(uow, "nobody", dt.date(2026, 12, 1)) == {"certificates": [], "performance": {
        "contracts": 0, "contract_amount": "0.00", "technology_transaction_amount": "0.00", "by_year": {},
        "by_type": {}}}


def test_an_expired_certificate_is_announced_once_with_the_brokers_organization_and_no_personal_data(uow):
    person_id = broker(uow)
    uow.insert(Certificate(id="SCTB-2023-J-00001", person_id=person_id, level="junior", status="active",
                           valid_from="2023-01-01", valid_until="2025-12-31", issued_at=NEW_YEAR))
    uow.insert(Certificate(id="SCTB-2026-J-00009", person_id=person_id, level="junior", status="active",
                           valid_from="2026-01-01", valid_until="2028-12-31", issued_at=NEW_YEAR))
    today = dt.date(2026, 1, 1)
    assert handlers.expiry_candidates(uow, dt.date(2025, 12, 31)) == []  # its last valid day
    assert handlers.expiry_candidates(uow, today) == ["SCTB-2023-J-00001"]
    at = dt.datetime(2026, 1, 1, 2, tzinfo=dt.timezone.utc)

    assert handlers.announce_expiry(uow, "SCTB-2023-J-00001", at) is True

    event = uow.events[-1]
    assert (event.name, event.subject) == ("talent.broker.certificate_expired.v1", person_id)
    assert event.data["organization_id"] == "org-scu" and event.data["expired_on"] == dt.date(2026, 1, 1)
    assert "name" not in event.data
    assert handlers.expiry_candidates(uow, today) == []
    assert handlers.announce_expiry(uow, "SCTB-2023-J-00001", at) is False  # once
    assert handlers.announce_expiry(uow, "SCTB-2026-J-00009", at) is False  # still valid
    assert len([e for e in uow.events if e.name.endswith("certificate_expired.v1")]) == 1
