"""Appraisal (评价评估) and consulting (咨询辅导): recording a valuation of a published achievement (or one of its
patents), or of an IP right of the registry (知识产权市场化评估, from the replica, not lapsed), by the cost, income or market approach (market: from comparable registered contracts), and
consultations an institution asks of another organization, which answers once. The formulas are in
``transactions.valuation``, the consultation rules in ``transactions.consultations``."""
import json
import uuid

from ttp_common import links
from ttp_common.refusals import Conflict, Invalid, NotFound

from .. import consultations, listings, valuation
from ..documents import AchievementReplica, Consultation, Contract, Valuation
from . import ip_rights
from .common import acting_org, invalid_if

VALUATION_RECORDED = "transactions.valuation.recorded.v1"
CONSULTATION_REQUESTED = "transactions.consultation.requested.v1"
CONSULTATION_ANSWERED = "transactions.consultation.answered.v1"
COMPARABLES = 20  # registered contracts of the same programme the market approach compares with, newest first


# -- appraisal (评价评估) -------------------------------------------------------------------

def record_valuation(uow, body, principal, at):
    """A valuation (``ValuationIn``) of a published achievement, recorded with its inputs and its value."""
    invalid_if(valuation.check_subject(body))
    invalid_if(valuation.check_inputs(body))
    if body.ip_right_id is not None:
        known = ip_rights.replicas(uow, [body.ip_right_id])
        links.check([("ip_right_id", links.IP_RIGHT, body.ip_right_id)],
                    {(links.IP_RIGHT, right_id): status for right_id, (status, _) in known.items()})
        programme = None  # the market approach compares with the contracts given
    else:
        replica = uow.find_one(AchievementReplica, {"_id": body.achievement_id})
        invalid_if(listings.check_listable(replica, body.patent_number))
        programme = replica.programme
    inputs = getattr(body, body.method).model_dump(mode="json")
    if body.method == "cost":
        value = valuation.cost_value(**body.cost.model_dump())
    elif body.method == "income":
        value = valuation.income_value(**body.income.model_dump())
    else:
        value, used = _market_value(uow, body.market, programme)
        inputs["comparable_contract_ids"] = used
    record = Valuation(id=uuid.uuid4().hex, achievement_id=body.achievement_id, patent_number=body.patent_number,
                       ip_right_id=body.ip_right_id, method=body.method, inputs=inputs, value=value,
                       requested_by_organization_id=acting_org(principal), created_by=principal.sub, recorded_at=at)
    uow.insert(record)
    uow.emit(VALUATION_RECORDED, {
        "valuation_id": record.id, "achievement_id": record.achievement_id or "", "patent_number": record.patent_number,
        "ip_right_id": record.ip_right_id,
        "method": record.method, "value": value, "inputs_json": json.dumps(inputs, ensure_ascii=False, sort_keys=True),
        "requested_by_organization_id": record.requested_by_organization_id, "recorded_at": at}, subject=record.id)
    return record


def _market_value(uow, market, programme):
    """(value, ids of the contracts compared with): the given registered contracts, or the latest of the
    achievement's programme."""
    if market.comparable_contract_ids:
        found = {c.id: c for c in uow.find(Contract, {"_id": {"$in": market.comparable_contract_ids},
                                                      "status": "registered"})}
        for i, contract_id in enumerate(market.comparable_contract_ids):
            if contract_id not in found:
                raise Invalid("not a registered contract", field=f"market.comparable_contract_ids.{i}")
        compared = list(found.values())
    else:
        compared = [] if programme is None else uow.find(Contract, {"status": "registered", "programme": programme},
                                                         sort=[("registered_at", -1)], limit=COMPARABLES)
    if not compared:
        raise Conflict("no comparable registered contract: give comparable_contract_ids",
                       field="market.comparable_contract_ids", detail="no comparable registered contract",
                       code="no_comparables")
    value = valuation.market_value([c.technology_transaction_amount for c in compared], market.adjustment_factor)
    return value, sorted(c.id for c in compared)


# -- consulting (咨询辅导) ------------------------------------------------------------------

def request_consultation(uow, body, principal, at):
    """The caller's organization asks another (``ConsultationIn``)."""
    consultations.check_asked(principal.org, body.institution_organization_id)
    item = Consultation(id=uuid.uuid4().hex, requester_organization_id=principal.org, status="open",
                        requested_at=at, requested_by=principal.sub, **body.model_dump())
    uow.insert(item)
    uow.emit(CONSULTATION_REQUESTED, {**_consultation_data(item), "requested_at": at}, subject=item.id)
    return item


def answer_consultation(uow, consultation_id, answer, principal, at):
    """The institution asked answers, once."""
    item = visible_consultation(uow, consultation_id, principal)
    consultations.check_answerable(item.status, principal.org, item.institution_organization_id)
    item.status, item.answer, item.answered_at, item.answered_by = "answered", answer, at, principal.sub
    uow.replace(item)
    uow.emit(CONSULTATION_ANSWERED, {**_consultation_data(item), "answered_at": at}, subject=item.id)
    return item


def visible_consultation(repo, consultation_id, principal):
    """The consultation, to its two organizations only (others: no such consultation)."""
    item = repo.get(Consultation, consultation_id)
    if principal.org not in (item.institution_organization_id, item.requester_organization_id):
        raise NotFound("no such consultation")
    return item


def _consultation_data(item):
    return {k: item[k] for k in ("requester_organization_id", "institution_organization_id", "topic")} | {
        "consultation_id": item.id}
