"""Broker certification (技术经纪人认证): levels and their rules as data, certificate numbers, validity.

A person is certified at a level when, in completed broker courses of that level, they have
the level's hours and passed assessments, and (above junior) hold a valid certificate of the
prerequisite level. Certificates are valid for a fixed number of years and can be suspended
and reinstated; while one is suspended, no new certificate of its level is issued.
"""
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from ttp_common.models import StrictModel
from ttp_common.refusals import Conflict, TransitionRefused

from .field_refusals import RuleNotMet
from .training import BROKER_LEVELS


@dataclass(frozen=True)
class Level:
    key: str
    label: str
    code: str             # in the certificate number
    hours: int            # completed course hours at this level
    assessments: int      # completed courses at this level with a passed assessment
    prerequisite: str | None
    validity_years: int


LEVELS = {
    "junior": Level("junior", BROKER_LEVELS["junior"], "J", hours=48, assessments=1, prerequisite=None,
                    validity_years=3),
    "intermediate": Level("intermediate", BROKER_LEVELS["intermediate"], "M", hours=64, assessments=1,
                          prerequisite="junior", validity_years=3),
    "senior": Level("senior", BROKER_LEVELS["senior"], "S", hours=80, assessments=2, prerequisite="intermediate",
                    validity_years=3),
}


class CertificationIn(StrictModel):
    level: Literal[tuple(LEVELS)] = Field(description="junior 初级 · intermediate 中级 · senior 高级")


class SuspensionIn(StrictModel):
    reason: str = Field(min_length=2, max_length=500, description="暂停/恢复原因")


def certificate_status(certificate, today):
    """active, suspended or expired (expiry wins: an expired certificate is not valid whatever its flag)."""
    if dt.date.fromisoformat(certificate["valid_until"]) < today:
        return "expired"
    return certificate["status"]


def expires_unannounced(certificate, today):
    """Whether a certificate has expired on ``today`` (its last valid day is behind) and its expiry has not been
    announced yet: the expiry check announces each certificate's expiry once, suspended or not."""
    return certificate_status(certificate, today) == "expired" and not certificate.get("expiry_announced_at")


def expired_on(certificate):
    """The first day a certificate is no longer valid: the day after its ``valid_until``."""
    return dt.date.fromisoformat(certificate["valid_until"]) + dt.timedelta(days=1)


def check_not_suspended(level_key, certificates, today):
    """``Conflict`` while the person holds a suspended (unexpired) certificate of ``level_key``: a suspension
    is lifted by reinstatement, never bypassed by certifying again. Once expired, it no longer blocks."""
    for certificate in certificates:
        if certificate["level"] == level_key and certificate_status(certificate, today) == "suspended":
            raise Conflict(f"the person's {LEVELS[level_key].label} certificate {certificate['number']} is suspended; "
                           "reinstate it rather than certify again",
                           field="level", detail="a certificate of this level is suspended")


def unmet_requirements(level_key, completions, certificates, today):
    """What ``level_key`` still needs (empty: the person may be certified).

    ``completions``: the person's completed enrolments as dicts with ``kind``, ``level``,
    ``hours`` (the programme's required hours) and ``passed``; ``certificates``: their
    certificates (``level``, ``status``, ``valid_until``).
    """
    level = LEVELS[level_key]
    unmet = []
    held = {c["level"] for c in certificates if certificate_status(c, today) == "active"}
    if level.key in held:
        unmet.append(f"already holds a valid {level.label} certificate")
    if level.prerequisite and level.prerequisite not in held:
        unmet.append(f"needs a valid {LEVELS[level.prerequisite].label} certificate first")
    courses = [c for c in completions if c["kind"] == "broker_course" and c["level"] == level.key]
    hours = sum(c["hours"] for c in courses)
    if hours < level.hours:
        unmet.append(f"completed {hours} of {level.hours} course hours at this level")
    passed = sum(1 for c in courses if c["passed"])
    if passed < level.assessments:
        unmet.append(f"passed {passed} of {level.assessments} assessments at this level")
    return unmet


def check_certifiable(level_key, completions, certificates, today):
    """``Conflict`` while a certificate of the level is suspended (``check_not_suspended``), ``RuleNotMet``
    naming each of the level's unmet requirements (``unmet_requirements``); nothing when the person may be
    certified."""
    check_not_suspended(level_key, certificates, today)
    unmet = unmet_requirements(level_key, completions, certificates, today)
    if unmet:
        raise RuleNotMet("the rules for this level are not met: " + "; ".join(unmet),
                         [("level", requirement) for requirement in unmet])


def certificate_number(level_key, year, serial):
    """Human-readable and unique per level and year: ``SCTB-2026-J-00001`` (四川技术经纪人).

    The serial has at least five digits and widens past 99,999 (``SCTB-2026-J-100000``), so numbers
    already issued keep their form and stay distinct from the wider ones."""
    if serial < 1:
        raise ValueError("serial out of range")
    return f"SCTB-{year:04d}-{LEVELS[level_key].code}-{serial:05d}"


def serial_counter(level_key, year):
    """The counter (``ttp_common.mongo.next_serial``) of ``certificate_number``'s serials: one per level and
    year, so every level's numbers of a year start at 00001."""
    return f"certificate|{level_key}|{year}"


def valid_until(level_key, issued_on):
    """The last day of validity: the day before the anniversary ``validity_years`` later (29 Feb -> 28 Feb)."""
    years = LEVELS[level_key].validity_years
    try:
        anniversary = issued_on.replace(year=issued_on.year + years)
    except ValueError:  # 29 February
        anniversary = issued_on.replace(year=issued_on.year + years, day=28) + dt.timedelta(days=1)
    return anniversary - dt.timedelta(days=1)


def check_transition(action, certificate, today):
    """suspend: active -> suspended; reinstate: suspended -> active (not once expired). Returns the new status."""
    status = certificate_status(certificate, today)
    if action == "suspend" and status == "active":
        return "suspended"
    if action == "reinstate" and status == "suspended":
        return "active"
    return None


def transition(action, certificate, today):
    """The status after ``action`` (``check_transition``); ``TransitionRefused`` when the certificate's state
    does not allow it."""
    status = check_transition(action, certificate, today)
    if status is None:
        raise TransitionRefused(f"cannot {action} a certificate that is {certificate_status(certificate, today)}")
    return status
