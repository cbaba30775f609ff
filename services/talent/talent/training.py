"""Training system (培训体系): programmes, sessions, enrolment, attendance, assessment and completion."""
import datetime as dt
from typing import Literal

from pydantic import Field

from ttp_common.fields import Integer, OptionalInteger
from ttp_common.models import StrictModel
from ttp_common.refusals import Conflict, Invalid, TransitionRefused

from .field_refusals import RuleNotMet


PROGRAMME_KINDS = {"degree": "学历教育", "vocational": "职业教育", "continuing": "继续教育",
                   "broker_course": "技术经纪人培训"}
BROKER_LEVELS = {"junior": "初级技术经纪人", "intermediate": "中级技术经纪人", "senior": "高级技术经理人"}


class SessionIn(StrictModel):
    code: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$", description="课次编号, e.g. S1")
    topic: str = Field(min_length=1, max_length=200, description="主题, e.g. 政策法规模块")
    date: dt.date = Field(description="上课日期")
    hours: Integer = Field(ge=1, le=100, description="学时")


class ProgrammeIn(StrictModel):
    """A training programme (培训项目) given by a provider organization (e.g. an accredited training base)."""

    title: str = Field(min_length=2, max_length=200, description="项目名称")
    kind: Literal[tuple(PROGRAMME_KINDS)] = Field(description="学历/职业/继续教育, or a broker course")
    level: Literal[tuple(BROKER_LEVELS)] | None = Field(default=None, description="broker courses only: 等级")
    provider_organization_id: str = Field(min_length=1, max_length=64, description="培训单位, e.g. 国家技术转移西南中心人才培养基地")
    provider_name: str = Field(min_length=2, max_length=200, description="培训单位名称")
    sessions: list[SessionIn] = Field(min_length=1, max_length=200, description="课次")
    required_hours: OptionalInteger = Field(default=None, ge=1, le=20_000,  # 200 sessions of 100 hours at most
                                       description="学时 needed to complete; default: all sessions")
    pass_mark: Integer = Field(default=60, ge=0, le=100, description="考核合格分")
    assessment_required: bool = Field(default=True, description="completion needs a passed assessment (考核)")

    @property
    def total_hours(self):
        return sum(s.hours for s in self.sessions)


def check_programme(body):
    """Cross-field rules of a programme, as ``Invalid`` naming each field (pydantic would name none)."""
    errors = []
    if body.kind == "broker_course" and body.level is None:
        errors.append(("level", "a broker course needs a level: junior, intermediate or senior"))
    if body.kind != "broker_course" and body.level is not None:
        errors.append(("level", "only broker courses have a level"))
    seen = set()
    for i, session in enumerate(body.sessions):
        if session.code in seen:
            errors.append((f"sessions.{i}.code", "session codes must be unique"))
        seen.add(session.code)
    if body.required_hours is not None and body.required_hours > body.total_hours:
        errors.append(("required_hours", f"more than the sessions' {body.total_hours} hours"))
    if errors:
        raise Invalid(f"{len(errors)} invalid field(s)", fields=errors)


class EnrolmentIn(StrictModel):
    person_id: str = Field(min_length=1, max_length=64)


class AttendanceIn(StrictModel):
    session: str = Field(min_length=1, max_length=20, description="课次编号")


class AssessmentIn(StrictModel):
    score: Integer = Field(ge=0, le=100, description="考核成绩 (0–100)")


def attend(enrolment, programme, session_code):
    """Hours gained by attending ``session_code``; each session counts once, and only while enrolled."""
    check_enrolled(enrolment)
    sessions = {s["code"]: s for s in programme["sessions"]}
    if session_code not in sessions:
        raise RuleNotMet("no such session in this programme", field="session", detail="unknown session code")
    if session_code in enrolment["attended"]:
        raise Conflict("attendance at this session is already recorded", field="session", detail="already recorded")
    return sessions[session_code]["hours"]


def assess(enrolment, programme, score):
    """Whether ``score`` passes the programme's assessment."""
    check_enrolled(enrolment)
    return score >= programme["pass_mark"]


def completion_shortfalls(enrolment, programme):
    """Why an enrolment cannot be completed yet (empty when it can)."""
    shortfalls = []
    if enrolment["attended_hours"] < programme["required_hours"]:
        shortfalls.append(f"attended {enrolment['attended_hours']} of {programme['required_hours']} required hours")
    if programme["assessment_required"] and not enrolment.get("passed"):
        shortfalls.append("no passed assessment")
    return shortfalls


def check_enrolled(enrolment):
    """Attendance, assessment and completion are recorded only while enrolled (not once completed)."""
    if enrolment["status"] != "enrolled":
        raise TransitionRefused(f"the enrolment is {enrolment['status']}")


def check_completable(enrolment, programme):
    """``RuleNotMet`` naming each shortfall while the enrolment cannot be completed."""
    check_enrolled(enrolment)
    shortfalls = completion_shortfalls(enrolment, programme)
    if shortfalls:
        raise RuleNotMet("the enrolment cannot be completed: " + "; ".join(shortfalls),
                         [("enrolment", s) for s in shortfalls])
