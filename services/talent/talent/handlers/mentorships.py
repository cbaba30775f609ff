"""Mentorships (创业导师): a mentor paired with a start-up team by the team's organization (e.g. its
incubator) or an admin. The rule that the person is a mentor is in ``talent.experts``.
"""
import uuid

from ttp_common import auth
from ttp_common.refusals import NotFound

from .. import experts
from ..documents import Assignment
from .people import person

MENTOR_PAIRED = "talent.expert.mentor_paired.v1"


def pair(uow, body, principal):
    """The mentorship of ``body`` (``MentorshipIn``), for the caller's own team organization."""
    auth.require_org(principal, body.team_organization_id)
    mentor = person(uow, body.mentor_person_id, field="mentor_person_id")
    experts.check_mentor(mentor.as_dict())
    mentorship = Assignment(id=uuid.uuid4().hex, kind="mentorship", record=body.model_dump(mode="json"),
                            created_by=principal.sub)
    uow.insert(mentorship)
    uow.emit(MENTOR_PAIRED, {"mentorship_id": mentorship.id, **body.model_dump()}, subject=mentorship.id)
    return mentorship


def assignment(repo, assignment_id, kind):
    """An assignment of ``kind`` (review, mentorship); ``NotFound`` for an id of another kind too."""
    found = repo.find_one(Assignment, {"_id": str(assignment_id), "kind": kind})
    if found is None:
        raise NotFound(f"no such {'expert assignment' if kind == 'review' else kind}")
    return found


def visible_mentorship(repo, mentorship_id, principal):
    """The mentorship for the team's organization and admins; ``NotFound`` for other organizations."""
    mentorship = assignment(repo, mentorship_id, "mentorship")
    if not auth.acts_for(principal, mentorship.record.get("team_organization_id")):
        raise NotFound("no such mentorship")
    return mentorship
