"""Appraisal (评价评估) and consulting (咨询辅导): the market's services around a deal.

Valuations of a published achievement (or one of its patents) by the cost, income or market method
(market: from comparable registered contracts), recorded with their inputs; consultations an
institution asks of another organization, which answers once. The valuation formulas are in
``transactions.valuation``.
"""
import json
import uuid

from ttp_common import auth, web
from ttp_common.errors import ApiError, Forbidden, NotFound, ValidationFailed, field_error
from ttp_common.web import http

from .. import domain, valuation
from ..documents import AchievementReplica, Consultation, Contract, Valuation, now_ms
from ..domain import AnswerIn, ConsultationIn, TransitionRefused
from ..valuation import ValuationIn
from .common import TransactionsHelpers


class AdvisoryEntrypoints(TransactionsHelpers):
    """Valuations and consultations."""

    # -- appraisal (评价评估) ------------------------------------------------------------------------
    @http("POST", "/api/v1/valuations")
    @web.api
    def record_valuation(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, ValuationIn)
        problem = valuation.check_inputs(body)
        if problem:
            raise ValidationFailed.at(*problem)
        now = now_ms()

        def work(uow):
            doc = self._coll(AchievementReplica, uow).find_one({"_id": body.achievement_id}, session=uow.session)
            problem = domain.check_listable(doc, body.patent_number)
            if problem:
                raise ValidationFailed.at(*problem)
            inputs = getattr(body, body.method).model_dump(mode="json")
            if body.method == "cost":
                value = valuation.cost_value(**body.cost.model_dump())
            elif body.method == "income":
                value = valuation.income_value(**body.income.model_dump())
            else:
                value, used = self._market_value(uow, body.market, doc.get("programme"))
                inputs["comparable_contract_ids"] = used
            record = Valuation(id=uuid.uuid4().hex, achievement_id=body.achievement_id,
                               patent_number=body.patent_number, method=body.method, inputs=inputs, value=value,
                               requested_by_organization_id=self._org_of(principal), created_by=principal.sub,
                               recorded_at=now)
            uow.insert(record)
            uow.emit("transactions.valuation.recorded.v1", {
                "valuation_id": record.id, "achievement_id": record.achievement_id,
                "patent_number": record.patent_number, "method": record.method, "value": value,
                "inputs_json": json.dumps(inputs, ensure_ascii=False, sort_keys=True),
                "requested_by_organization_id": record.requested_by_organization_id, "recorded_at": now},
                subject=record.id)
            return record

        record = self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(record.view(), status=201, headers={"Location": f"/api/v1/valuations/{record.id}"})

    def _market_value(self, uow, market, programme):
        contracts = self._coll(Contract, uow)
        if market.comparable_contract_ids:
            found = {d["_id"]: d for d in contracts.find(
                {"_id": {"$in": market.comparable_contract_ids}, "status": "registered"}, session=uow.session)}
            for i, contract_id in enumerate(market.comparable_contract_ids):
                if contract_id not in found:
                    raise ValidationFailed.at(f"market.comparable_contract_ids.{i}", "not a registered contract")
            docs = list(found.values())
        else:
            docs = [] if programme is None else list(contracts.find(
                {"status": "registered", "programme": programme}, session=uow.session)
                .sort("registered_at", -1).limit(20))
        if not docs:
            raise ApiError("no comparable registered contract: give comparable_contract_ids",
                           [field_error("market.comparable_contract_ids", "no comparable registered contract")],
                           status=409, code="no_comparables")
        value = valuation.market_value([d["technology_transaction_amount"] for d in docs], market.adjustment_factor)
        return value, sorted(d["_id"] for d in docs)

    @http("GET", "/api/v1/valuations/<string:valuation_id>")
    @web.api
    def get_valuation(self, request, valuation_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        record = self._get(Valuation, valuation_id, missing="no such valuation")
        if not auth.acts_for(principal, record.requested_by_organization_id):
            raise NotFound("no such valuation")
        return web.json_response(record.view())

    # -- consulting (咨询辅导) -----------------------------------------------------------------------
    @http("POST", "/api/v1/consultations")
    @web.api
    def request_consultation(self, request):
        principal = self._institution(request)
        body = web.parse_body(request, ConsultationIn)
        if body.institution_organization_id == principal.org:
            raise ValidationFailed.at("institution_organization_id", "ask another organization")
        now = now_ms()
        item = Consultation(id=uuid.uuid4().hex, requester_organization_id=principal.org, status="open",
                            requested_at=now, requested_by=principal.sub, **body.model_dump())

        def work(uow):
            uow.insert(item)
            uow.emit("transactions.consultation.requested.v1", {
                **self._consultation_data(item), "requested_at": now}, subject=item.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(item.view(), status=201, headers={"Location": f"/api/v1/consultations/{item.id}"})

    @staticmethod
    def _consultation_data(item):
        return {k: item[k] for k in ("requester_organization_id", "institution_organization_id", "topic")} | {
            "consultation_id": item.id}

    @http("POST", "/api/v1/consultations/<string:consultation_id>/answer")
    @web.api
    def answer_consultation(self, request, consultation_id):
        principal = self._institution(request)
        body = web.parse_body(request, AnswerIn)
        now = now_ms()

        def work(uow):
            item = self._get(Consultation, consultation_id, uow, "no such consultation")
            if principal.org not in (item.institution_organization_id, item.requester_organization_id):
                raise NotFound("no such consultation")
            if principal.org != item.institution_organization_id:
                raise Forbidden("only the institution asked may answer")
            if item.status != "open":
                raise TransitionRefused("already answered")
            item.status, item.answer, item.answered_at, item.answered_by = "answered", body.answer, now, principal.sub
            uow.replace(item)
            uow.emit("transactions.consultation.answered.v1", {
                **self._consultation_data(item), "answered_at": now}, subject=item.id)
            return item

        return web.json_response(self._act(work, self.actor(request, principal)).view())

    @http("GET", "/api/v1/consultations")
    @web.api
    def list_consultations(self, request):
        """The caller's organization's requests: asked (as the institution) or asking (as the requester)."""
        principal = self._institution(request)
        side = web.query_param(request, "side", default="asked", choices=("asked", "asking"))
        field = "institution_organization_id" if side == "asked" else "requester_organization_id"
        docs = self._coll(Consultation).find({field: principal.org}).sort("requested_at", -1).limit(200)
        return web.json_response({"items": [Consultation._from_son(d).view() for d in docs]})

    @http("GET", "/api/v1/consultations/<string:consultation_id>")
    @web.api
    def get_consultation(self, request, consultation_id):
        principal = self._institution(request)
        item = self._get(Consultation, consultation_id, missing="no such consultation")
        if principal.org not in (item.institution_organization_id, item.requester_organization_id):
            raise NotFound("no such consultation")
        return web.json_response(item.view())
