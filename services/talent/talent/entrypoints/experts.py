"""Experts (专家库): the experts of a field without conflicts of interest (回避), review assignments, and
the eligible experts for other services. The work is in ``talent.handlers.experts``.
"""
from pydantic import Field

from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint
from ttp_common.rpc import rpc

from .. import experts
from ..documents import Person
from ..experts import AssignmentIn
from ..handlers import experts as handlers
from ..handlers.mentorships import assignment
from .common import RECORD, rpc_reply

REVIEWERS = (Roles.REVIEWER, Roles.ADMIN)


class ExpertQuery(paging.CursorParams):
    field: str | None = Field(None, description="专业领域")
    exclude_organization: str | None = Field(None, description="回避单位")
    achievement_id: str | None = Field(None, description="also exclude this achievement's organizations, as the "
                                                         "registry announced them (409 if it has not)")


class ExpertEntrypoints:
    """The expert pool and review assignments."""

    @endpoint("GET", "/api/v1/experts", roles=REVIEWERS, query=ExpertQuery, response=RECORD, errors=(409,),
              summary="Experts of a field without those of an excluded organization (reviewers, admins); no "
                      "contact data")
    def list_experts(self, ctx):
        """Reviewers and admins: experts of a field, minus those of ``exclude_organization`` and, given
        ``achievement_id``, of the achievement's organizations (回避; 409 if the registry has not announced it)."""
        q = ctx.query
        excluded = [q.exclude_organization] if q.exclude_organization else []
        if q.achievement_id is not None:
            excluded = experts.excluded_organizations(
                handlers.achievement_organizations(self.store, q.achievement_id), excluded)
        docs, next_cursor = paging.by_id(self.store.collection(Person), handlers.expert_query(q.field, excluded),
                                         q.limit, q.cursor)
        return {"items": [handlers.expert_view(self.store.load(Person, doc).as_dict()) for doc in docs],
                "next_cursor": next_cursor}

    @endpoint("POST", "/api/v1/expert-assignments", roles=REVIEWERS, body=AssignmentIn, status=201,
              response=RECORD, errors=(404, 409),
              summary="Draw (or name) experts to review an achievement, never from its own organizations as the "
                      "registry announced them (registry.achievement.* events), nor from any organizations the "
                      "body adds (reviewers, admins); 409 naming achievement_id while the registry has not "
                      "announced the achievement")
    def assign_experts(self, ctx):
        """Reviewers and admins draw (or name) experts for an achievement's appraisal, never from its organizations
        (as the registry announced them, plus any the body gives; 409 for an achievement it has not announced)."""
        made, chosen = self.store.transact(handlers.assign, ctx.body, ctx.principal, actor=ctx.actor)
        return {**made.as_dict(), "experts": [handlers.expert_view(p) for p in chosen]}

    @endpoint("GET", "/api/v1/expert-assignments/<string:assignment_id>", roles=REVIEWERS, response=RECORD,
              errors=(400,), summary="An expert assignment (reviewers, admins)")
    def get_assignment(self, ctx, assignment_id):
        """Reviewers and admins (who make assignments)."""
        return assignment(self.store, assignment_id, "review").as_dict()

    @rpc
    def eligible_experts(self, field, organization_ids=(), achievement_id=None):
        """For other services: experts of ``field`` with no conflict with ``organization_ids`` nor, given
        ``achievement_id``, with the achievement's organizations (ids and public data); None for an achievement
        the registry has not announced."""
        excluded = [str(o) for o in organization_ids or ()]
        if achievement_id is not None:
            known = handlers.achievement_organizations(self.store, str(achievement_id))
            if known is None:
                return None
            excluded = experts.excluded_organizations(known, excluded)
        return rpc_reply([{"id": p["id"], "organization_id": p["organization_id"], "fields": p["fields"]}
                          for p in handlers.experts_of(self.store, str(field), excluded)])
