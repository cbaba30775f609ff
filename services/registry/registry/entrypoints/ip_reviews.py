"""IP analysis and review (知识产权分析评议, plan 四(二)4) of a major project or a plan decision.

The requesting organization's staff, a reviewer of its region or an administrator asks for one; a reviewer of
that region draws the panel from the talent pool (RPC ``talent.eligible_experts``, never an expert of the
requesting organization or of a holder of the rights named; 503 while talent does not answer) and records the
panel's opinion. The requesting organization, its region's reviewers and admins read it. The work is in
``registry.handlers.ip_reviews``, the rules in ``registry.ip_reviews``.
"""
import os

from nameko.rpc import RpcProxy

from ttp_common import rpc
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint

from ..handlers import ip_reviews as handlers
from ..ip_reviews import CONCLUSIONS, STATUSES, SUBJECT_KINDS, IpReviewIn, OpinionIn
from .common import REVIEWERS

PATH = "/api/v1/ip-reviews"
ONE = f"{PATH}/<string:ip_review_id>"
REQUESTERS = (Roles.INSTITUTION, Roles.REVIEWER, Roles.ADMIN)
TALENT_TIMEOUT_SECONDS = float(os.environ.get("TALENT_TIMEOUT_SECONDS", 5))
_IDS = {"type": "array", "items": {"type": "string"}}
_WHEN = {"type": ["string", "null"], "format": "date-time"}

IP_REVIEW = {
    "type": "object",
    "description": "An IP analysis and review (知识产权分析评议)",
    "required": ["id", "subject_kind", "subject", "requesting_organization_id", "region_code", "status"],
    "properties": {
        "id": {"type": "string"}, "subject_kind": {"type": "string", "enum": list(SUBJECT_KINDS)},
        "subject": {"type": "string"}, "reference": {"type": ["string", "null"]},
        "requesting_organization_id": {"type": "string"}, "region_code": {"type": "string"},
        "ip_right_ids": _IDS, "expert_field": {"type": "string"}, "panel_size": {"type": "integer"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "excluded_organization_ids": _IDS,
        "panel": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "organization_id": {"type": ["string", "null"]}}}},
        "conclusion": {"type": ["string", "null"], "enum": [*CONCLUSIONS, None]},
        "opinion": {"type": ["string", "null"]}, "signed_by": _IDS,
        "requested_at": {"type": "string", "format": "date-time"}, "panel_drawn_at": _WHEN, "concluded_at": _WHEN,
    },
}


class IpReviewEntrypoints:
    """IP analysis and review: request, panel, opinion."""

    talent = RpcProxy("talent")  # the expert pool (talent.eligible_experts), called with a timeout (ttp_common.rpc)

    @endpoint("POST", PATH, roles=REQUESTERS, body=IpReviewIn, status=201, response=IP_REVIEW, described="Requested",
              errors=(422,), summary="Ask for an IP analysis and review (知识产权分析评议) of a major project or plan "
                                     "decision; the requesting organization's staff, reviewers of its region, admins")
    def request_ip_review(self, ctx):
        review = self.store.transact(handlers.request, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(review.view(), f"{PATH}/{review.id}")

    @endpoint("GET", ONE, roles=REQUESTERS, response=IP_REVIEW,
              summary="One IP review: the requesting organization, reviewers of its region, admins (others: 404)")
    def get_ip_review(self, ctx, ip_review_id):
        return handlers.visible(self.store, ip_review_id, ctx.principal).view()

    @endpoint("POST", f"{ONE}/panel", roles=REVIEWERS, response=IP_REVIEW, errors=(409,),
              summary="Draw the review's expert panel from the talent pool (专家库), never an expert of the "
                      "requesting organization or of a holder of the rights named (a reviewer of its region, "
                      "admins); 503 while talent is away")
    def draw_ip_review_panel(self, ctx, ip_review_id):
        review, excluded = handlers.panel_request(self.store, ip_review_id, ctx.principal)
        candidates = rpc.call(self.talent, "eligible_experts", review.expert_field, excluded,
                              timeout=TALENT_TIMEOUT_SECONDS)
        return self.store.transact(handlers.draw_panel, ip_review_id, candidates, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()

    @endpoint("POST", f"{ONE}/opinion", roles=REVIEWERS, body=OpinionIn, response=IP_REVIEW, errors=(409,),
              summary="Record the panel's opinion (评议意见) with its conclusion, signed by a majority of the panel; "
                      "a reviewer of its region, admins")
    def record_ip_review_opinion(self, ctx, ip_review_id):
        return self.store.transact(handlers.record_opinion, ip_review_id, ctx.body, ctx.principal, ctx.now,
                                   actor=ctx.actor).view()
