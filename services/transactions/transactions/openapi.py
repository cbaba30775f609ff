"""The transactions service's OpenAPI document."""
from ttp_common import web
from ttp_common.reference import SICHUAN_REGIONS
from ttp_common.service_base import service_openapi

from .auctions import STATUSES as AUCTION_STATUSES
from .auctions import AuctionIn, BidIn
from .domain import (
    LISTING_MODES, MATCH_STATUSES, AnswerIn, ConsultationIn, ContractIn, DecisionIn, DemandIn, DemandWithdrawIn,
    ListingIn, MatchIn, ReturnIn, WithdrawIn,
)
from .valuation import ValuationIn

OBJECT = {"type": "object"}
BEARER = [{"bearerAuth": []}]


def _with_enum(op, name, values):
    """The operation with parameter ``name`` limited to ``values``."""
    for param in op["parameters"]:
        if param["name"] == name:
            param["schema"]["enum"] = list(values)
    return op


def _op(summary, body=None, ok="200", errors=(400, 401, 403, 404, 409), secured=True, params=()):
    op = {"summary": summary, "responses": {
        ok: {"description": "OK" if ok == "200" else "Created",
             "content": {"application/json": {"schema": OBJECT}}},
        **web.error_responses(*errors)}}
    if secured:
        op["security"] = BEARER
    if body:
        op["requestBody"] = {"required": True, **web.json_body(body)}
        op["responses"].update(web.error_responses(415))
    if params:
        op["parameters"] = [{"name": name, "in": where, "required": where == "path",
                             "schema": {"type": kind, **(extra[0] if extra else {})}, "description": text}
                            for name, where, kind, text, *extra in params]
    return op


def _id(name):
    return (name, "path", "string", "identifier")


LIMIT = ("limit", "query", "integer", "1 to 100 (default 20)", {"minimum": 1, "maximum": 100})
BEFORE = ("before", "query", "string", "next_before of the previous page: the next, older page")
PROGRAMME = ("programme", "query", "integer", "专项 1–15", {"minimum": 1, "maximum": 15})
REGION = ("region", "query", "string", "GB/T 2260 code of one of Sichuan's 21 divisions",
          {"enum": sorted(SICHUAN_REGIONS)})
REGION_OR_PROVINCE = ("region", "query", "string", "GB/T 2260 code of one of Sichuan's 21 divisions, or 510000 "
                      "(the province: every division, the default)", {"enum": ["510000", *sorted(SICHUAN_REGIONS)]})

PATHS = {
    "/api/v1/listings": {
        "post": _op("List a published achievement or one of its patents (成果挂牌): organizations of the achievement",
                    "ListingIn", ok="201"),
        "get": _op("Open listings, newest first (public)", secured=False, errors=(400,), params=[
            ("q", "query", "string", "words (Chinese or Latin), all must match"), PROGRAMME, REGION,
            ("mode", "query", "string", "transfer, licence or equity", {"enum": list(LISTING_MODES)}),
            ("achievement", "query", "string", "listings of this achievement"),
            ("seller", "query", "string", "listings of this seller organization"), LIMIT]),
    },
    "/api/v1/listings/{listing_id}": {"get": _op("A listing (public while open)", secured=False, errors=(404,),
                                                 params=[_id("listing_id")])},
    "/api/v1/listings/{listing_id}/withdraw": {"post": _op(
        "Withdraw an open listing (撤牌): the seller. Its proposed matches are declined, as when it closes (sold, "
        "expired, the achievement withdrawn); accepted ones stay", "WithdrawIn", params=[_id("listing_id")])},
    "/api/v1/listings/{listing_id}/matches": {"get": _op(
        "Open demands ranked for the listing, each with what matched (public). Scores at most 2,000 candidates: "
        "open demands sharing a term of the achievement's title or keywords, or its programme, newest first",
        secured=False, errors=(400, 404), params=[_id("listing_id"), LIMIT])},
    "/api/v1/demands": {
        "post": _op("Publish a technology need (需求发布): institutions for their organization", "DemandIn", ok="201"),
        "get": _op("Open demands, newest first (public)", secured=False, errors=(400,), params=[
            ("q", "query", "string", "words"), PROGRAMME, REGION,
            ("organization", "query", "string", "demands of this organization"), LIMIT]),
    },
    "/api/v1/demands/{demand_id}": {"get": _op("A demand (public while open; a withdrawn one only to its "
                                               "organization and admins)", secured=False, errors=(404,),
                                               params=[_id("demand_id")])},
    "/api/v1/demands/{demand_id}/withdraw": {"post": _op(
        "Withdraw an open demand that was met or dropped (需求撤回): its organization, admins; the body (an "
        "optional reason) may be omitted. It leaves the public list and matching; its proposed matches are "
        "declined, accepted ones stay. 409 names the state when the demand is not open", "DemandWithdrawIn",
        params=[_id("demand_id")]) | {"requestBody": {"required": False, **web.json_body("DemandWithdrawIn")}}},
    "/api/v1/demands/{demand_id}/matches": {"get": _op(
        "Open listings ranked for an open demand (declared keywords, programme, region, TRL, price vs budget; "
        "public). Scores at most 2,000 candidates: open listings sharing a term of a declared keyword, or the "
        "programme, newest first", secured=False, errors=(400, 404), params=[_id("demand_id"), LIMIT])},
    "/api/v1/matches": {
        "post": _op("Propose a demand and a listing to each other (供需对接): either side, admins; 409 while the "
                    "pair has a proposed or accepted match", "MatchIn", ok="201"),
        "get": _op("Matches where the caller's organization is the demand's or the listing's side (admins: all), "
                   "newest first: {items, next_before} (null on the last page). 403 for an institution token "
                   "without an organization", errors=(400, 401, 403), params=[
                       ("status", "query", "string", "proposed, accepted or declined",
                        {"enum": list(MATCH_STATUSES)}), LIMIT, BEFORE]),
    },
    "/api/v1/matches/{match_id}": {"get": _op("A match: its two sides, admins", params=[_id("match_id")])},
    "/api/v1/matches/{match_id}/{action}": {"post": _with_enum(_op(
        "accept or decline a proposed match: the side that did not propose, admins; 409 on accept when the "
        "listing is no longer open", "DecisionIn",
        params=[_id("match_id"), ("action", "path", "string", "accept or decline")]), "action", ["accept", "decline"])},
    "/api/v1/auctions": {
        "post": _op("Set up an English auction on an open listing (竞价拍卖): the seller; 409 when the listing "
                    "already has an open auction", "AuctionIn", ok="201"),
        "get": _op("Auctions, newest first: {items, next_before} (null on the last page; public; reserves are not "
                   "disclosed)", secured=False, errors=(400,),
                   params=[("listing_id", "query", "string", "auctions of this listing"),
                           ("status", "query", "string", "open, sold, unsold or cancelled (撤拍: the achievement "
                            "was withdrawn at the registry before it ended)", {"enum": list(AUCTION_STATUSES)}),
                           LIMIT, BEFORE]),
    },
    "/api/v1/auctions/{auction_id}": {"get": _op("An auction's state (public; the reserve is not disclosed)",
                                                 secured=False, errors=(404,), params=[_id("auction_id")])},
    "/api/v1/auctions/{auction_id}/bids": {
        "get": _op("Accepted bids in order (public)", secured=False, errors=(404,), params=[_id("auction_id")]),
        "post": _op("Bid: authenticated institutions other than the organizations of the listed achievement "
                    "(403 own_auction); at least the current price plus the increment (or the start price), before the end. 409 bid_too_low / auction_ended / "
                    "auction_not_started / auction_closed name the field.", "BidIn", ok="201",
                    params=[_id("auction_id")]),
    },
    "/api/v1/clock": {"post": _op("Close due auctions and listings now (also done by a timer): admins",
                                  errors=(401, 403))},
    "/api/v1/contracts": {
        "post": _op("Submit a technology contract for registration (技术合同认定登记): a party's institution. Its "
                    "achievement must be published at the registry, unless the contract names a sold auction or a "
                    "listing closed as sold (a sale made before the registry withdrew it)", "ContractIn", ok="201"),
        "get": _op("A registration body's queue (its region), a party's own contracts, or all (admins)",
                   errors=(400, 401, 403), params=[
                       ("status", "query", "string", "submitted, returned or registered",
                        {"enum": ["submitted", "returned", "registered"]}),
                       REGION_OR_PROVINCE]),
    },
    "/api/v1/contracts/{contract_id}": {
        "get": _op("A contract: its parties, the registration body of its region, admins",
                   params=[_id("contract_id")]),
        "put": _op("Correct and resubmit a returned contract: a party", "ContractIn", params=[_id("contract_id")]),
    },
    "/api/v1/contracts/{contract_id}/register": {"post": _op(
        "Register a submitted contract with a 16-digit registration number: reviewers of its region, admins",
        params=[_id("contract_id")])},
    "/api/v1/contracts/{contract_id}/return": {"post": _op(
        "Return a submitted contract with reasons: reviewers of its region, admins", "ReturnIn",
        params=[_id("contract_id")])},
    "/api/v1/turnover": {"get": _op("Registered technology contract turnover (技术合同登记交易额; public)",
                                    secured=False, errors=(400,), params=[REGION_OR_PROVINCE])},
    "/api/v1/valuations": {"post": _op("Record a valuation (评价评估) by the cost, market or income approach",
                                       "ValuationIn", ok="201")},
    "/api/v1/valuations/{valuation_id}": {"get": _op("A valuation: the requesting organization, admins",
                                                     params=[_id("valuation_id")])},
    "/api/v1/consultations": {
        "post": _op("Ask a service institution for consulting (咨询辅导)", "ConsultationIn", ok="201"),
        "get": _op("The caller's organization's consultations", errors=(400, 401, 403),
                   params=[("side", "query", "string", "asked (default) or asking",
                            {"enum": ["asked", "asking"]})]),
    },
    "/api/v1/consultations/{consultation_id}": {"get": _op("A consultation: its two organizations",
                                                           params=[_id("consultation_id")])},
    "/api/v1/consultations/{consultation_id}/answer": {"post": _op("Answer: the institution asked", "AnswerIn",
                                                                   params=[_id("consultation_id")])},
}

SCHEMAS = {}
for _model in (ListingIn, WithdrawIn, DemandIn, DemandWithdrawIn, MatchIn, DecisionIn, AuctionIn, BidIn, ContractIn,
               ReturnIn, ValuationIn, ConsultationIn, AnswerIn):
    SCHEMAS.update(web.model_schema(_model))

SPEC = service_openapi(
    "transactions", "技术交易网络系统 Transactions API",
    "The demand-oriented online technology market (listings, demands, matching, auctions), appraisal, "
    "consulting, and technology contract registration (技术合同认定登记) whose turnover the plan targets.",
    paths=PATHS, schemas=SCHEMAS,
)
