"""The finance service's OpenAPI document."""
from ttp_common import web
from ttp_common.service_base import service_openapi

from . import domain, pool
from .domain import CompleteIn, ReasonIn, StageIn, TransformationProjectIn
from .pool import CloseIn, DeclineIn, FinancingProjectIn, FundIn, InterestIn, InvestorIn, RoadshowIn, \
    RoadshowRegistrationIn
from .subsidies import SUBSIDY_INSTRUMENTS, SUBSIDY_STATUSES, SubsidyIn

MONEY = {"type": "string", "description": "exact decimal in yuan (元), e.g. \"1500000.00\""}
STRING, NULLABLE, WHEN = {"type": "string"}, {"type": ["string", "null"]}, {"type": ["string", "null"], "format": "date-time"}
IDS = {"type": "array", "items": STRING}


def obj(required, **properties):
    return {"type": "object", "required": list(required), "properties": properties}


VIEWS = {
    "TransformationProject": obj(
        ["id", "title", "category", "programme", "status", "budget", "stage"], id=STRING, title=STRING,
        category={"type": "string", "enum": list(domain.CATEGORIES)}, programme={"type": "integer"},
        region_code=STRING, organization_id=STRING, responsible_department=STRING, budget=MONEY,
        stage={"type": "string", "enum": list(domain.STAGES)}, achievement_ids=IDS,
        status={"type": "string", "enum": ["proposed", "approved", "in_progress", "completed", "terminated"]},
        proposed_at=WHEN, approved_at=WHEN, started_at=WHEN, completed_at=WHEN, completion_summary=NULLABLE,
        terminated_at=WHEN, termination_reason=NULLABLE),
    "FinancingProject": obj(
        ["id", "title", "organization_id", "amount", "instruments", "status"], id=STRING, title=STRING,
        organization_id=STRING, region_code=STRING, amount=MONEY, raised={**MONEY, "description": "closed deals"},
        stage=STRING, instruments={"type": "array", "items": {"type": "string", "enum": list(pool.INSTRUMENTS)}},
        industry=STRING, summary=NULLABLE, achievement_ids=IDS, contract_ids=IDS, transformation_project_id=NULLABLE,
        status={"type": "string", "enum": ["listed", "withdrawn"]}, listed_at=WHEN, withdrawn_at=WHEN),
    "Investor": obj(["id", "name", "kind", "organization_id"], id=STRING, name=STRING,
                    kind={"type": "string", "enum": list(pool.INVESTOR_KINDS)}, organization_id=STRING,
                    registered_at=WHEN),
    "Fund": obj(["id", "name", "kind", "committed_amount", "invested_amount"], id=STRING, name=STRING,
                kind={"type": "string", "enum": list(pool.FUND_KINDS)}, investor_id=STRING, parent_fund_id=NULLABLE,
                committed_amount=MONEY, invested_amount=MONEY, registered_at=WHEN,
                sub_funds={"type": "array", "items": web.ref("Fund"), "description": "guidance funds only"},
                sub_funds_committed_amount={**MONEY, "description": "guidance funds only: the sub-funds' total"},
                sub_funds_invested_amount={**MONEY, "description": "guidance funds only: the sub-funds' total"}),
    "Deal": obj(["id", "financing_project_id", "investor_id", "instrument", "status"], id=STRING,
                financing_project_id=STRING, organization_id=STRING, region_code=STRING, investor_id=STRING,
                investor_kind=STRING, fund_id=NULLABLE, roadshow_id=NULLABLE,
                instrument={"type": "string", "enum": list(pool.INSTRUMENTS)},
                status={"type": "string", "enum": list(pool.DEAL_STATUSES)},
                amount={**MONEY, "type": ["string", "null"]}, annual_rate=NULLABLE,
                term_months={"type": ["integer", "null"]}, terms=NULLABLE, declined_by=NULLABLE,
                decline_reason=NULLABLE, expressed_at=WHEN, closed_at=WHEN),
    "Subsidy": obj(["id", "deal_id", "instrument", "rule_year", "computed_amount", "amount", "status"], id=STRING,
                   deal_id=STRING, organization_id=STRING, region_code=STRING,
                   instrument={"type": "string", "enum": list(SUBSIDY_INSTRUMENTS)}, rule_year={"type": "integer"},
                   computed_amount={**MONEY, "description": "what the rules give, capped"},
                   uncapped_amount=MONEY, capped={"type": "boolean"}, amount=MONEY,
                   status={"type": "string", "enum": list(SUBSIDY_STATUSES)},
                   applied_at=WHEN, decided_at=WHEN, rejection_reason=NULLABLE),
    "Roadshow": obj(["id", "title", "kind", "starts_at", "financing_project_ids"], id=STRING, title=STRING,
                    kind={"type": "string", "enum": list(pool.ROADSHOW_KINDS)}, region_code=STRING, starts_at=WHEN,
                    organizer=STRING, financing_project_ids=IDS, investor_ids=IDS,
                    follow_ups={"type": "array", "items": {"type": "object"}}),
    "Eligibility": obj(["organization_id", "ip_pledge_eligible"], organization_id=STRING,
                       ip_pledge_eligible={"type": "boolean"}, registered_contract_ids=IDS,
                       published_achievement_ids=IDS),
}
MODELS = [TransformationProjectIn, StageIn, CompleteIn, ReasonIn, FinancingProjectIn, InvestorIn, FundIn, InterestIn,
          CloseIn, DeclineIn, SubsidyIn, RoadshowIn, RoadshowRegistrationIn]
SECURED = [{"bearerAuth": []}]


def param(name, where="path", schema=STRING, description=None):
    p = {"name": name, "in": where, "required": where == "path", "schema": schema}
    return p | ({"description": description} if description else {})


def op(summary, response, status="200", body=None, params=(), errors=(400, 401, 403, 404, 409), secured=True,
       description=None):
    operation = {"summary": summary, "responses": {status: web.json_body(response), **web.error_responses(*errors)}}
    if description:
        operation["description"] = description
    if secured:
        operation["security"] = SECURED
    if body:
        operation["requestBody"] = {"required": True, **web.json_body(body)}
    if params:
        operation["parameters"] = list(params)
    return operation


def page(item):
    return {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": web.ref(item)}, "offset": {"type": "integer"},
        "limit": {"type": "integer"}}}


LIMIT = param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20})
OFFSET = param("offset", "query", {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0})
WRITE_ERRORS = (400, 401, 403, 404, 409, 413, 415)
PATHS = {
    "/api/v1/transformation-projects": {
        "post": op("Propose a transformation project (institution of the organization, admin)", "TransformationProject",
                   "201", "TransformationProjectIn", errors=WRITE_ERRORS),
        "get": op("List transformation projects (public: approved, in progress, completed)", "TransformationProjectPage",
                  params=[param("programme", "query", {"type": "integer", "minimum": 1, "maximum": 15}),
                          param("category", "query", {"type": "string", "enum": list(domain.CATEGORIES)}),
                          param("region", "query"), param("status", "query"),
                          param("mine", "query", {"type": "boolean"}), LIMIT], errors=(400, 401, 403), secured=False),
    },
    "/api/v1/transformation-projects/{project_id}": {"get": op(
        "A transformation project", "TransformationProject", params=[param("project_id")], errors=(401, 404),
        secured=False)},
    # One path per action (the service routes them together): each documents the body it really reads.
    **{f"/api/v1/transformation-projects/{{project_id}}/{action}": {"post": op(
        summary, "TransformationProject", body=domain.BODIES.get(action) and domain.BODIES[action].__name__,
        params=[param("project_id")], errors=WRITE_ERRORS, description=description)}
       for action, summary, description in (
           ("approve", "Approve a proposed project (reviewer of its region, admin)",
            "Emits finance.transformation_project.approved.v1 once, the event the plan's 2,000-project target counts."),
           ("start", "Start an approved project (the undertaking institution, admin)", None),
           ("advance", "Move a running project to a later stage (the undertaking institution, admin)",
            "Stages only move forward: pilot, scale_up, industrialisation."),
           ("complete", "Complete a running project (reviewer of its region, admin)", None),
           ("terminate", "Terminate a project that is not completed (reviewer of its region, admin)", None))},
    "/api/v1/financing-projects": {
        "post": op("List a financing need in the pool (institution of the organization, admin)", "FinancingProject",
                   "201", "FinancingProjectIn", errors=WRITE_ERRORS,
                   description="ip_pledge needs a registered technology contract or a published achievement of the "
                               "organization (409 otherwise), learnt from the transactions and registry events."),
        "get": op("Browse the pool (any authenticated caller): filter, sort, page", "FinancingProjectPage", params=[
            param("instrument", "query", {"type": "string", "enum": list(pool.INSTRUMENTS)}),
            param("stage", "query", {"type": "string", "enum": list(domain.STAGES)}), param("region", "query"),
            param("industry", "query"), param("organization", "query"),
            param("min_amount", "query", description="yuan"), param("max_amount", "query", description="yuan"),
            param("sort", "query", {"type": "string", "enum": list(pool.SORTS), "default": "newest"}),
            OFFSET, LIMIT], errors=(400, 401)),
    },
    "/api/v1/financing-projects/{financing_project_id}": {"get": op(
        "A financing project", "FinancingProject", params=[param("financing_project_id")], errors=(401, 404))},
    "/api/v1/financing-projects/{financing_project_id}/withdraw": {"post": op(
        "Withdraw a financing need (its organization)", "FinancingProject", body="ReasonIn",
        params=[param("financing_project_id")], errors=WRITE_ERRORS)},
    "/api/v1/investors": {
        "post": op("Register an investor (admin)", "Investor", "201", "InvestorIn", errors=WRITE_ERRORS),
        "get": op("List investors", "InvestorPage", params=[param("kind", "query")], errors=(400, 401)),
    },
    "/api/v1/funds": {
        "post": op("Register a fund: the guidance fund, a sub-fund, another fund (admin)", "Fund", "201", "FundIn",
                   errors=WRITE_ERRORS, description="A sub-fund's commitment, with its siblings', may not exceed its "
                                                    "guidance fund's commitment (400 naming committed_amount)."),
        "get": op("List funds, newest first", "FundPage", errors=(400, 401), params=[
            param("kind", "query", {"type": "string", "enum": list(pool.FUND_KINDS)}), OFFSET, LIMIT]),
    },
    "/api/v1/funds/{fund_id}": {"get": op("A fund with committed and invested amounts", "Fund",
                                          params=[param("fund_id")], errors=(401, 404))},
    "/api/v1/deals": {
        "post": op("Express interest in a financing project (the investor's institution)", "Deal", "201",
                   "InterestIn", errors=WRITE_ERRORS),
        "get": op("List deals: the caller's organization's, as investor or as financed organization (reviewers: "
                  "their region's; admins: all), newest first", "DealPage", errors=(400, 401, 403), params=[
                      param("status", "query", {"type": "string", "enum": list(pool.DEAL_STATUSES)}), OFFSET, LIMIT]),
    },
    "/api/v1/deals/{deal_id}": {"get": op("A deal (its parties, the region's reviewers, admins)", "Deal",
                                          params=[param("deal_id")], errors=(401, 404))},
    **{f"/api/v1/deals/{{deal_id}}/{action}": {"post": op(
        summary, "Deal", body=pool.DEAL_BODIES.get(action) and pool.DEAL_BODIES[action].__name__,
        params=[param("deal_id")], errors=WRITE_ERRORS, description=description)}
       for action, summary, description in (
           ("due-diligence", "Start due diligence on a deal (the investor)", None),
           ("close", "Close a deal on its signed terms (the investor)",
            "Closing adds the amount to the project's raised amount (never beyond its financing need: 400 naming "
            "amount; the project must still be listed: 409) and to the fund's invested amount (never beyond its "
            "commitment)."),
           ("decline", "Decline a deal (the investor or the financed organization)", None))},
    "/api/v1/subsidy-rules": {"get": op("The subsidy rules of every year, as data", "SubsidyRules", errors=(),
                                        secured=False)},
    "/api/v1/subsidies": {
        "post": op("Apply for a subsidy on a closed deal (the financed organization)", "Subsidy", "201", "SubsidyIn",
                   errors=WRITE_ERRORS, description=(
                       "The amount follows the rules of the year the deal closed (China Standard Time), capped; an "
                       "explicit amount above the cap or above what the rules give is a 400. One pending or "
                       "approved application per deal and instrument (409); after a rejection, apply again.")),
        "get": op("List subsidy applications: the caller's organization's (reviewers: their region's; admins: all), "
                  "newest first", "SubsidyPage", errors=(400, 401, 403), params=[
                      param("status", "query", {"type": "string", "enum": list(SUBSIDY_STATUSES)}), OFFSET, LIMIT]),
    },
    "/api/v1/subsidies/{subsidy_id}": {"get": op("A subsidy application", "Subsidy", params=[param("subsidy_id")],
                                                 errors=(401, 404))},
    "/api/v1/subsidies/{subsidy_id}/approve": {"post": op(
        "Approve an application (reviewer of the region, admin)", "Subsidy", params=[param("subsidy_id")],
        errors=WRITE_ERRORS)},
    "/api/v1/subsidies/{subsidy_id}/reject": {"post": op(
        "Reject an application (reviewer of the region, admin)", "Subsidy", body="ReasonIn",
        params=[param("subsidy_id")], errors=WRITE_ERRORS)},
    "/api/v1/roadshows": {
        "post": op("Schedule a roadshow or matchmaking event (reviewer of the region, admin)", "Roadshow", "201",
                   "RoadshowIn", errors=WRITE_ERRORS),
        "get": op("List roadshows (public): upcoming ones first, soonest first, then past ones, latest first",
                  "RoadshowPage", errors=(400,), secured=False, params=[
                      param("region", "query"), param("kind", "query", {"type": "string",
                                                                        "enum": list(pool.ROADSHOW_KINDS)}),
                      OFFSET, LIMIT]),
    },
    "/api/v1/roadshows/{roadshow_id}": {"get": op("A roadshow with its follow-up deals", "Roadshow",
                                                  params=[param("roadshow_id")], errors=(404,), secured=False)},
    "/api/v1/roadshows/{roadshow_id}/registrations": {"post": op(
        "Register an investor for the event (the investor's institution)", "Roadshow", "201",
        "RoadshowRegistrationIn", params=[param("roadshow_id")], errors=WRITE_ERRORS)},
    "/api/v1/organizations/{organization_id}/eligibility": {"get": op(
        "IP pledge eligibility from the replica of registry and transactions events", "Eligibility",
        params=[param("organization_id")], errors=(401,))},
}


def _schemas():
    schemas = {**VIEWS, "SubsidyRules": {"type": "object", "additionalProperties": {"type": "object"},
                                         "description": "{year: {year, instruments: {instrument: rule}}}"}}
    for name in ("TransformationProject", "FinancingProject", "Investor", "Fund", "Deal", "Subsidy", "Roadshow"):
        schemas[f"{name}Page"] = page(name)
    for model in MODELS:
        schemas.update(web.model_schema(model))
    return schemas


SPEC = service_openapi(
    "finance", "投融资项目库 Finance API",
    "Transformation projects under the plan's 15 special programmes, the financing project pool, investors and "
    "funds, deals, fiscal instruments (subsidies) and roadshows (plan 四(四)). Money is an exact decimal string in "
    "yuan.", paths=PATHS, schemas=_schemas())
