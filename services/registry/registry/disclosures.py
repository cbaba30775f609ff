"""Duty-achievement disclosure (职务科技成果披露, plan 四(三)2) rules, without I/O: the forms, the state machine and
the decision deadline.

A researcher of an institution discloses to it an achievement made in their job (a 职务科技成果: made performing the
institution's tasks, or mainly with its material and technical means), on the registration form it would be
registered with (``AchievementIn``). The institution decides within ``decision_days`` of the disclosure (a setting of
the service, fixed on each disclosure when it is made) whether it transfers, licenses, invests or implements it
itself, or leaves it to the inventors, and records why. Another person of the institution than the discloser
decides. An undecided disclosure past its due date is flagged overdue once; a late decision is still taken and
says it was late. A disclosure the institution keeps becomes an achievement draft once, from the disclosed form.

    disclosed ──decide──▶ decided ──draft (unless left_to_inventors, once)──▶ achievement draft
        └─ past due, undecided: overdue (once)

The events about a disclosure carry no title, summary or inventor names: until the institution has decided, the
content of an unpublished invention stays inside it (disclosing it would harm its novelty).
"""
from datetime import timedelta
from typing import Literal

from pydantic import Field

from ttp_common import labels
from ttp_common.models import StrictModel
from ttp_common.refusals import NotAllowed, TransitionRefused

from .achievements import AchievementIn

BASES = labels.DISCLOSURE_BASES
DECISIONS = labels.DISCLOSURE_DECISIONS
KEPT = frozenset(DECISIONS) - {"left_to_inventors"}  # the institution keeps the achievement: it may register it
STATUSES = ("disclosed", "decided")
DEFAULT_DECISION_DAYS = 60
MAX_DECISION_DAYS = 365


class DisclosureIn(StrictModel):
    """What a researcher discloses (职务科技成果披露表)."""

    basis: Literal[tuple(BASES)] = Field(description="职务科技成果的依据: job_duties 执行本单位任务, institution_resources "
                                                     "主要利用本单位物质技术条件")
    achievement: AchievementIn = Field(description="the achievement on its registration form; organization_ids[0] is "
                                                   "the institution disclosed to (the discloser's own)")
    remarks: str = Field(default="", max_length=2000, description="补充说明")


class DecisionIn(StrictModel):
    """The institution's decision on a disclosure and why."""

    decision: Literal[tuple(DECISIONS)] = Field(description="; ".join(f"{k} {v}" for k, v in DECISIONS.items()))
    reasons: str = Field(min_length=2, max_length=2000, description="决定理由")


def decision_days(value):
    """The configured number of days an institution has to decide (1 to 365); a bad setting stops the start."""
    days = int(value)
    if not 1 <= days <= MAX_DECISION_DAYS:
        raise ValueError(f"DISCLOSURE_DECISION_DAYS must be 1 to {MAX_DECISION_DAYS}, not {days}")
    return days


def due_date(disclosed_on, days):
    """The last day of the decision period (China's dates)."""
    return disclosed_on + timedelta(days=days)


def is_overdue(status, flagged, due, today):
    """An undecided disclosure after its due date, not flagged yet."""
    return status == "disclosed" and not flagged and today > due


def check_decidable(status):
    if status != "disclosed":
        raise TransitionRefused(f"a disclosure that is {status} is not decided again")


def check_decider(disclosed_by, decided_by):
    """The person who disclosed does not decide on their own disclosure."""
    if disclosed_by == decided_by:
        raise NotAllowed("the researcher who disclosed an achievement does not decide on it; another person of the "
                         "institution decides", field="decision", detail="the caller disclosed it")


def check_draftable(status, decision, achievement_id):
    """Only a decided disclosure the institution keeps, and only once."""
    if status != "decided":
        raise TransitionRefused("a disclosure becomes an achievement draft only after the institution has decided")
    if decision not in KEPT:
        raise TransitionRefused("the institution left this achievement to its inventors: it does not register it")
    if achievement_id:
        raise TransitionRefused(f"this disclosure is already the achievement {achievement_id}")
