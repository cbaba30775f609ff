"""Mentorships (创业导师): pairing a mentor with a start-up team, and reading a pairing. The work is in
``talent.handlers.mentorships``.
"""
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint

from ..experts import MentorshipIn
from ..handlers import mentorships as handlers
from .common import RECORD

INSTITUTIONS = (Roles.INSTITUTION, Roles.ADMIN)


class MentorshipEntrypoints:
    """Mentors and start-up teams."""

    @endpoint("POST", "/api/v1/mentorships", roles=INSTITUTIONS, body=MentorshipIn, status=201, response=RECORD,
              errors=(404, 409), summary="Pair a mentor with a start-up team (the team's organization, admins)")
    def pair_mentor(self, ctx):
        """The team's organization (e.g. its incubator) or an admin pairs a mentor with a start-up team."""
        return self.store.transact(handlers.pair, ctx.body, ctx.principal, actor=ctx.actor).as_dict()

    @endpoint("GET", "/api/v1/mentorships/<string:mentorship_id>", roles=INSTITUTIONS, response=RECORD,
              errors=(400,), summary="A mentorship (the team's organization, admins)")
    def get_mentorship(self, ctx, mentorship_id):
        """The team's organization and admins (who pair mentors); 404 for other organizations."""
        return handlers.visible_mentorship(self.store, mentorship_id, ctx.principal).as_dict()
