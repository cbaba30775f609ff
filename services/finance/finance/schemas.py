"""The finance service's response schemas (component schemas the endpoint declarations name by name); the
request bodies' schemas come from their pydantic models."""
from ttp_common import paging, web

from . import pool, projects
from .subsidies import SUBSIDY_INSTRUMENTS, SUBSIDY_STATUSES

MONEY = {"type": "string", "description": "exact decimal in yuan (元), e.g. \"1500000.00\""}
STRING, NULLABLE, WHEN = {"type": "string"}, {"type": ["string", "null"]}, {"type": ["string", "null"], "format": "date-time"}
IDS = {"type": "array", "items": STRING}


def obj(required, **properties):
    return {"type": "object", "required": list(required), "properties": properties}


VIEWS = {
    "TransformationProject": obj(
        ["id", "title", "category", "programme", "status", "budget", "stage"], id=STRING, title=STRING,
        category={"type": "string", "enum": list(projects.CATEGORIES)}, programme={"type": "integer"},
        region_code=STRING, organization_id=STRING, responsible_department=STRING, budget=MONEY,
        stage={"type": "string", "enum": list(projects.STAGES)}, achievement_ids=IDS,
        status={"type": "string", "enum": list(projects.STATUSES)},
        proposed_at=WHEN, approved_at=WHEN, started_at=WHEN, completed_at=WHEN, completion_summary=NULLABLE,
        terminated_at=WHEN, termination_reason=NULLABLE,
        project_number={**NULLABLE, "description": "立项编号 of a project approved in an earlier system"},
        imported={"type": "boolean", "description": "loaded from an earlier system (历史数据导入)"}),
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
                decline_reason=NULLABLE, expressed_at=WHEN, closed_at=WHEN,
                pledged_ip_right_ids={"type": "array", "items": STRING,
                                      "description": "an ip_pledge deal's pledged IP rights (质押的知识产权)"},
                pledge_lapsed={"type": "array", "description": "pledged IP rights that lapsed (失效) since the close, "
                                                               "each once: the right and the date it lapsed",
                               "items": {"type": "object", "required": ["ip_right_id", "lapsed_on"],
                                         "properties": {"ip_right_id": STRING,
                                                        "lapsed_on": {"type": "string", "format": "date"}}}}),
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
def page(item):
    return paging.offset_page_schema(item)



def _schemas():
    schemas = {**VIEWS, "SubsidyRules": {"type": "object", "additionalProperties": {"type": "object"},
                                         "description": "{year: {year, instruments: {instrument: rule}}}"}}
    for name in ("TransformationProject", "FinancingProject", "Investor", "Fund", "Deal", "Subsidy", "Roadshow"):
        schemas[f"{name}Page"] = page(name)
    return schemas


SCHEMAS = _schemas()
