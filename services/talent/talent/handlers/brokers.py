"""Brokers (技术经纪人): certification at a level, suspending and reinstating a certificate, the figures
counted from registered technology contracts, and a broker's certificates and figures as they are read.
The rules are in ``talent.certification`` and ``talent.performance``.
"""
import datetime as dt
from decimal import Decimal

from ttp_common import clock
from ttp_common.events import Actor
from ttp_common.mongo import next_serial

from .. import certification, performance
from ..documents import BrokerPerformance, Certificate, CertificateGuard, Enrolment, Person, Programme
from .people import person

CERTIFIED = "talent.broker.certified.v1"
CERTIFICATE_EVENTS = {"suspend": "talent.broker.certificate_suspended.v1",
                      "reinstate": "talent.broker.certificate_reinstated.v1"}
PERFORMANCE_UPDATED = "talent.broker.performance_updated.v1"
EXPIRED = "talent.broker.certificate_expired.v1"
SYSTEM = Actor(sub="service:talent", role="system")  # the expiry check acts by itself


def certify(uow, person_id, level, principal, at):
    """A certificate of ``level`` once the level's rules are met (``certification.check_certifiable``), valid
    from China's date of ``at``; its serial is drawn after every check and outside the transaction."""
    today = clock.china_date(at)
    broker = person(uow, person_id)
    completions = uow.find(Enrolment, {"person_id": broker.id, "status": "completed"})
    programmes = {p.id: p for p in uow.find(Programme, {"_id": {"$in": [c.programme_id for c in completions]}})}
    courses = [{"kind": c.kind, "level": c.level, "passed": bool(c.passed),
                "hours": programmes[c.programme_id].required_hours} for c in completions]
    held = [c.as_dict() for c in uow.find(Certificate, {"person_id": broker.id})]
    certification.check_certifiable(level, courses, held, today)
    guard_certificates(uow, broker.id, at)  # what was checked above may not change before commit
    # Outside the transaction (ttp_common.mongo.next_serial): inside, every certification of a level and year
    # would write the one counter and abort the others. A certification that does not commit skips a number.
    serial = next_serial(uow.db, certification.serial_counter(level, today.year))
    until = certification.valid_until(level, today)
    certificate = Certificate(
        id=certification.certificate_number(level, today.year, serial), person_id=broker.id, level=level,
        status="active", valid_from=today.isoformat(), valid_until=until.isoformat(),
        history=[{"action": "certify", "at": at.isoformat(), "by": principal.sub}])
    uow.insert(certificate)
    uow.emit(CERTIFIED, {"person_id": broker.id, "certificate_number": certificate.id, "level": level,
                         "valid_from": today, "valid_until": until}, subject=broker.id)
    return certificate


def change_certificate(uow, number, action, reason, principal, at):
    """``suspend`` (暂停) or ``reinstate`` (恢复) a certificate, with a reason (``certification.transition``)."""
    certificate = uow.get(Certificate, number)
    certificate.status = certification.transition(action, certificate.as_dict(), clock.china_date(at))
    guard_certificates(uow, certificate.person_id, at)
    certificate.history = list(certificate.history) + [
        {"action": action, "reason": reason, "at": at.isoformat(), "by": principal.sub}]
    uow.replace(certificate)
    uow.emit(CERTIFICATE_EVENTS[action], {"person_id": certificate.person_id, "certificate_number": certificate.id,
                                          "level": certificate.level, "reason": reason},
             subject=certificate.person_id)
    return certificate


def expiry_candidates(repo, today):
    """The numbers of certificates whose validity ended before ``today`` and whose expiry is not yet announced."""
    return [doc["_id"] for doc in repo.collection(Certificate).find(
        {"valid_until": {"$lt": today.isoformat()}, "expiry_announced_at": None}, {"_id": 1}).sort("_id", 1)]


def announce_expiry(uow, number, at):
    """Announce one certificate's expiry, once (``certification.expires_unannounced``): True when it did. The event
    names the certificate, the broker's person id and organization, no personal data."""
    certificate = uow.get(Certificate, number)
    raw = {**certificate.as_dict(), "expiry_announced_at": certificate.expiry_announced_at}
    if not certification.expires_unannounced(raw, clock.china_date(at)):
        return False
    holder = uow.find_one(Person, {"_id": certificate.person_id})
    certificate.expiry_announced_at = at
    uow.replace(certificate, expected={"expiry_announced_at": None})
    uow.emit(EXPIRED, {"person_id": certificate.person_id, "certificate_number": certificate.id,
                       "level": certificate.level, "organization_id": holder.organization_id if holder else None,
                       "valid_until": dt.date.fromisoformat(certificate.valid_until),
                       "expired_on": certification.expired_on(raw), "suspended": certificate.status == "suspended",
                       "checked_at": at}, subject=certificate.person_id)
    return True


def guard_certificates(uow, person_id, at):
    """Write the person's certificate guard in the transaction. Certifying reads the person's certificates
    (is one of the level suspended, is the prerequisite valid?) and writes none of them, a suspension
    writes only the one it suspends: without a document both write, both could commit, e.g. a new
    intermediate certificate on a junior one suspended meanwhile. Both writing the guard, one of them
    aborts (WriteConflict) and retries on what the other committed."""
    uow.update(CertificateGuard, {"_id": person_id}, {"$inc": {"version": 1}, "$set": {"at": at}}, upsert=True)


def count_contract(uow, contract):
    """Count a registered contract (the event's data) for every broker who took part, once per contract."""
    _each_broker(uow, contract, performance.apply_contract)


def uncount_contract(uow, cancelled):
    """Take a cancelled contract (the ``transactions.contract.cancelled.v1`` data) out of the performance of
    every broker it counted for (``performance.remove_contract``)."""
    _each_broker(uow, cancelled, performance.remove_contract)


def _each_broker(uow, contract, step):
    """Apply ``step`` (a ``performance`` function of a record and the event's data) to the figures of each broker
    the event names; a changed record is stored and announced, an unchanged one (the same record back) is not."""
    for person_id in performance.brokers_of(contract):
        record = _performance(uow, person_id)
        updated = step(record, contract)
        if updated is record:
            continue
        uow.update(BrokerPerformance, {"_id": person_id},
                   {"$set": {k: v for k, v in updated.items() if k != "_id"}}, upsert=True)
        uow.emit(PERFORMANCE_UPDATED, {
            "person_id": person_id, "contract_id": contract["contract_id"], "contracts": updated["contracts"],
            "contract_amount": Decimal(updated["contract_amount"]),
            "technology_transaction_amount": Decimal(updated["technology_transaction_amount"])}, subject=person_id)


def broker(repo, person_id, today):
    """A broker's certificates (as ``certificate_view`` on ``today``) and figures."""
    certificates = [certificate_view(c, today)
                    for c in repo.find(Certificate, {"person_id": person_id}, sort=[("issued_at", 1)])]
    return {"certificates": certificates, "performance": performance.view(_performance(repo, person_id))}


def certificate_view(certificate, today):
    """A certificate with its status on ``today`` (expired once past its validity) and its level's label."""
    view = certificate.as_dict()
    view["status"] = certification.certificate_status(view, today)
    view["level_label"] = certification.LEVELS[view["level"]].label
    return view


def _performance(repo, person_id):
    found = repo.find_one(BrokerPerformance, {"_id": person_id})
    return found.record() if found is not None else performance.empty(person_id)
