"""The registry's hand-written response schemas: the component schemas the declarations name
(``RegistryService.api_schemas``) and the bodies of a few answers. Request bodies and query parameters are
documented from their pydantic models (``ttp_common.endpoints``)."""
from ttp_common import paging

from .achievements import STATUSES
from .annual_reports import STATUSES as REPORT_STATUSES
from .disclosures import BASES, DECISIONS, STATUSES as DISCLOSURE_STATUSES
from .search import SCAN_BUDGET

ORGANIZATION = {
    "type": "object",
    "required": ["id", "name", "credit_code", "kind", "region_code", "created_at"],
    "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "credit_code": {"type": "string"},
        "kind": {"type": "string"}, "region_code": {"type": "string"},
        "supervising_department": {"type": ["string", "null"]},
        "contact": {"type": ["string", "null"], "description": "联系方式 of the organization's office"},
        "state_established": {"type": ["boolean", "null"], "description": "国家设立的研究开发机构、高等院校 "
                              "(促进科技成果转化法 第四十五条第二款); null: not stated"},
        "created_at": {"type": "string", "format": "date-time"},
        "accredited": {"type": "boolean", "description": "认定 as a professional service institution"},
        "accredited_at": {"type": ["string", "null"], "format": "date-time"},
        "accredited_units": {"type": "array", "description": "transfer units (技术转移机构) inside a university or "
                             "institute accredited now, each counted toward the 1,000-institution target",
                             "items": {"type": "object", "properties": {
                                 "name": {"type": "string"},
                                 "accredited_at": {"type": "string", "format": "date-time"}}}},
    },
}

ORGANIZATION_CORRECTIONS = {
    "type": "object",
    "required": ["organization_id", "items"],
    "properties": {
        "organization_id": {"type": "string"},
        "items": {"type": "array", "items": {
            "type": "object", "required": ["at", "by", "changes"],
            "properties": {
                "at": {"type": "string", "format": "date-time"}, "by": {"type": "string", "description": "who"},
                "changes": {"type": "array", "items": {"type": "object", "required": ["field", "old", "new"],
                                                       "properties": {"field": {"type": "string"},
                                                                      "old": {"type": ["string", "null"]},
                                                                      "new": {"type": ["string", "null"]}}}}}}},
    },
}

ACHIEVEMENT = {
    "type": "object",
    "description": "The registration form (AchievementIn) plus its state.",
    "required": ["id", "status", "owner_organization_id", "region_code", "title", "type"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": list(STATUSES)},
        "owner_organization_id": {"type": "string"}, "region_code": {"type": "string"},
        "registration_number": {"type": ["string", "null"], "description": "12 digits"},
        "return_reasons": {"type": "array", "items": {"type": "string"}},
        "title": {"type": "string"}, "type": {"type": "string"},
    },
    "additionalProperties": True,
}

PUBLIC_ACHIEVEMENT = {
    "type": "object",
    "description": "What the public sees of a published achievement: the registration form (AchievementIn), "
                   "its registration number and publication time; no workflow state.",
    "required": ["id", "registration_number", "published_at", "region_code", "title", "type"],
    "properties": {
        "id": {"type": "string"}, "registration_number": {"type": "string", "description": "12 digits"},
        "published_at": {"type": "string", "format": "date-time"}, "region_code": {"type": "string"},
        "title": {"type": "string"}, "type": {"type": "string"},
    },
    "additionalProperties": True,
}

PLAN_PROJECT = {
    "type": "object",
    "required": ["id", "code", "title", "organization_id", "region_code", "fiscal", "due_date", "satisfied", "overdue"],
    "properties": {
        "id": {"type": "string"}, "code": {"type": "string"}, "title": {"type": "string"},
        "organization_id": {"type": "string"}, "region_code": {"type": "string"}, "fiscal": {"type": "boolean"},
        "fiscal_funding_yuan": {"type": "string", "description": "exact decimal"},
        "end_date": {"type": "string", "format": "date"}, "due_date": {"type": "string", "format": "date"},
        "satisfied": {"type": "boolean", "description": "a registered achievement or a tech report exists"},
        "overdue": {"type": "boolean"}, "tech_reports": {"type": "array", "items": {"type": "object"}},
    },
}

DISCLOSURE = {
    "type": "object",
    "description": "A duty-achievement disclosure (职务科技成果披露): the disclosed registration form and the decision.",
    "required": ["id", "organization_id", "region_code", "status", "basis", "disclosed_by", "disclosed_at",
                 "due_date", "overdue", "achievement"],
    "properties": {
        "id": {"type": "string"}, "organization_id": {"type": "string"}, "region_code": {"type": "string"},
        "status": {"type": "string", "enum": list(DISCLOSURE_STATUSES)},
        "basis": {"type": "string", "enum": list(BASES)}, "remarks": {"type": "string"},
        "disclosed_by": {"type": "string"}, "disclosed_at": {"type": "string", "format": "date-time"},
        "due_date": {"type": "string", "format": "date", "description": "last day of the decision period"},
        "overdue": {"type": "boolean", "description": "flagged undecided past its due date"},
        "decision": {"type": ["string", "null"], "enum": [*DECISIONS, None]},
        "reasons": {"type": ["string", "null"]}, "decided_by": {"type": ["string", "null"]},
        "decided_at": {"type": ["string", "null"], "format": "date-time"},
        "decided_late": {"type": ["boolean", "null"]},
        "achievement_id": {"type": ["string", "null"], "description": "the achievement draft made from it"},
        "achievement": {"type": "object", "description": "the disclosed form (AchievementIn)"},
    },
}

COMPONENTS = {"Organization": ORGANIZATION, "OrganizationCorrections": ORGANIZATION_CORRECTIONS,
              "Achievement": ACHIEVEMENT, "PublicAchievement": PUBLIC_ACHIEVEMENT,
              "PlanProject": PLAN_PROJECT, "Disclosure": DISCLOSURE}

# -- bodies of answers -------------------------------------------------------------------------

SEARCH_PAGE = {
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/PublicAchievement"}},
        "next_cursor": {"type": ["string", "null"], "description":
                        f"null on the last page. One request reads at most {SCAN_BUDGET:,} candidates: a page can "
                        "hold fewer than `limit` items (even none) and still have a cursor; follow it"},
    },
}

IMPORT_RESULTS = {
    "type": "object", "required": ["results"], "properties": {"results": {
        "type": "array", "items": {"type": "object", "required": ["row", "status"], "properties": {
            "row": {"type": "integer", "description": "0-based position in `rows`"},
            "status": {"type": "string", "enum": ["created", "exists", "rejected"]},
            "id": {"type": "string"},
            "errors": {"type": "array", "items": {"type": "object", "properties": {
                "path": {"type": "string"}, "message": {"type": "string"}}}}}}}},
}

CATALOGUE = {"type": "object", "properties": {"catalogue": {"type": "string"}, "label": {"type": "string"},
                                              "entries": {"type": "array", "items": {"type": "object"}}}}

PDF = {"type": "string", "format": "binary"}

FLAGGED = {"type": "object", "properties": {"flagged": {"type": "array", "items": {"type": "string"}}}}

ANNUAL_REPORT_PAGE = paging.offset_page_schema({
    "type": "object",
    "required": ["id", "organization_id", "region_code", "year", "status", "forwarding_deadline", "forwarding_overdue"],
    "properties": {
        "id": {"type": "string"}, "organization_id": {"type": "string"}, "region_code": {"type": "string"},
        "year": {"type": "integer"}, "status": {"type": "string", "enum": list(REPORT_STATUSES)},
        "late": {"type": "boolean", "description": "filed after 28 February"},
        "forwarding_deadline": {"type": "string", "format": "date", "description": "31 March after the year"},
        "forwarding_overdue": {"type": "boolean", "description": "not forwarded although the deadline has passed"},
    },
    "additionalProperties": True,
})
