"""Appraisal (评价评估) and consulting (咨询辅导): the market's services around a deal.

Valuations of a published achievement (or one of its patents) by the cost, income or market method (market:
from comparable registered contracts), recorded with their inputs; consultations an institution asks of another
organization, which answers once. The work is in ``transactions.handlers.advisory``.
"""
from typing import Literal

from pydantic import Field

from ttp_common import auth, paging
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint
from ttp_common.refusals import NotFound

from ..consultations import AnswerIn, ConsultationIn
from ..documents import Consultation, Valuation
from ..handlers import advisory as handlers
from ..valuation import ValuationIn
from .common import INSTITUTIONS, OBJECT, offset_page

INSTITUTION = (Roles.INSTITUTION,)


class ConsultationQuery(paging.OffsetParams):
    side: Literal["asked", "asking"] = Field("asked", description="asked (default) or asking")


class AdvisoryEntrypoints:
    """Valuations and consultations."""

    # -- appraisal (评价评估) ------------------------------------------------------------------------
    @endpoint("POST", "/api/v1/valuations", roles=INSTITUTIONS, body=ValuationIn, status=201, response=OBJECT,
              errors=(404, 409), summary="Record a valuation (评价评估) by the cost, market or income approach")
    def record_valuation(self, ctx):
        record = self.store.transact(handlers.record_valuation, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(record.view(), f"/api/v1/valuations/{record.id}")

    @endpoint("GET", "/api/v1/valuations/<string:valuation_id>", roles=INSTITUTIONS, response=OBJECT,
              errors=(400, 409), summary="A valuation: the requesting organization, admins")
    def get_valuation(self, ctx, valuation_id):
        record = self.store.get(Valuation, valuation_id)
        if not auth.acts_for(ctx.principal, record.requested_by_organization_id):
            raise NotFound("no such valuation")
        return record.view()

    # -- consulting (咨询辅导) -----------------------------------------------------------------------
    @endpoint("POST", "/api/v1/consultations", roles=INSTITUTION, body=ConsultationIn, status=201,
              response=OBJECT, errors=(404, 409), summary="Ask a service institution for consulting (咨询辅导)")
    def request_consultation(self, ctx):
        item = self.store.transact(handlers.request_consultation, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(item.view(), f"/api/v1/consultations/{item.id}")

    @endpoint("POST", "/api/v1/consultations/<string:consultation_id>/answer", roles=INSTITUTION, body=AnswerIn,
              response=OBJECT, errors=(409,), summary="Answer: the institution asked")
    def answer_consultation(self, ctx, consultation_id):
        return self.store.transact(handlers.answer_consultation, consultation_id, ctx.body.answer, ctx.principal,
                                   ctx.now, actor=ctx.actor).view()

    @endpoint("GET", "/api/v1/consultations", roles=INSTITUTION, query=ConsultationQuery, response=OBJECT,
              summary="The caller's organization's consultations")
    def list_consultations(self, ctx):
        """The caller's organization's requests: asked (as the institution) or asking (as the requester)."""
        field = "institution_organization_id" if ctx.query.side == "asked" else "requester_organization_id"
        return offset_page(self.store, Consultation, {field: ctx.principal.org}, [("requested_at", -1), ("_id", -1)],
                           ctx.query)

    @endpoint("GET", "/api/v1/consultations/<string:consultation_id>", roles=INSTITUTION, response=OBJECT,
              errors=(400, 409), summary="A consultation: its two organizations")
    def get_consultation(self, ctx, consultation_id):
        return handlers.visible_consultation(self.store, consultation_id, ctx.principal).view()
