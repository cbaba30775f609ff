"""The registry's OpenAPI document."""
from ttp_common import web
from ttp_common.service_base import service_openapi

from .achievements import (
    CATALOGUES, REVIEW_STATUSES, STATUSES, TRANSITIONS, AchievementIn, CatalogueEntryIn, ImportIn, ReturnIn,
    WithdrawIn,
)
from .annual_reports import STATUSES as REPORT_STATUSES, AnnualReportIn, ReturnReportIn
from .plan_projects import PlanProjectIn, TechReportIn

ORGANIZATION = {
    "type": "object",
    "required": ["id", "name", "credit_code", "kind", "region_code", "created_at"],
    "properties": {
        "id": {"type": "string"}, "name": {"type": "string"}, "credit_code": {"type": "string"},
        "kind": {"type": "string"}, "region_code": {"type": "string"},
        "supervising_department": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
        "accredited": {"type": "boolean", "description": "认定 as a professional service institution"},
        "accredited_at": {"type": ["string", "null"], "format": "date-time"},
    },
}

ACHIEVEMENT = {
    "type": "object",
    "description": "The registration form (AchievementIn) plus its state.",
    "required": ["id", "status", "owner_organization_id", "region_code", "title", "type"],
    "properties": {
        "id": {"type": "string"},
        "status": {"type": "string", "enum": ["draft", "submitted", "returned", "registered", "published", "withdrawn"]},
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
ACHIEVEMENT_ID = {"name": "achievement_id", "in": "path", "required": True, "schema": {"type": "string"}}
ACHIEVEMENT_ERRORS = web.error_responses(400, 401, 403, 404, 409, 413, 415)

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

REPORT_ID = {"name": "report_id", "in": "path", "required": True, "schema": {"type": "string"}}
CATALOGUE = {"name": "catalogue", "in": "path", "required": True,
             "schema": {"type": "string", "enum": list(CATALOGUES)},
             "description": "; ".join(f"{k}: {v}" for k, v in CATALOGUES.items())}

ORGANIZATION_ID = {"name": "organization_id", "in": "path", "required": True, "schema": {"type": "string"}}

# paged listings: ?limit=&offset=, answered with {"items": [...], "offset", "limit"}
PAGING = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 10000, "default": 0}},
]
REGION = {"name": "region", "in": "query", "schema": {"type": "string", "pattern": "^[0-9]{6}$"},
          "description": "GB/T 2260 code of a division, or 510000 for every division"}
ANNUAL_REPORT_ITEM = {
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
}


def page(item_schema, description="A page"):
    """A paged listing's 200 response."""
    items = web.ref(item_schema) if isinstance(item_schema, str) else item_schema
    return {"description": description, "content": {"application/json": {"schema": {
        "type": "object", "required": ["items", "offset", "limit"],
        "properties": {"items": {"type": "array", "items": items},
                       "offset": {"type": "integer"}, "limit": {"type": "integer"}}}}}}


SPEC = service_openapi(
    "registry", "科技成果信息汇交系统 Registry API",
    "Organizations (主体) and achievements (科技成果) of Sichuan's technology-transfer programme.",
    paths={
        "/api/v1/organizations/{organization_id}/achievements": {"get": {
            "summary": "The organization's own achievements, drafts included, latest change first; "
                       "its institution and administrators",
            "security": [{"bearerAuth": []}],
            "parameters": [ORGANIZATION_ID,
                           {"name": "status", "in": "query", "schema": {"type": "string", "enum": list(STATUSES)}},
                           *PAGING],
            "responses": {"200": page("Achievement"), **web.error_responses(400, 401, 403)},
        }},
        "/api/v1/review/achievements": {"get": {
            "summary": "A reviewer's queue: achievements of their region (or `region` within it; administrators: "
                       "all) in one status, oldest first",
            "security": [{"bearerAuth": []}],
            "parameters": [{"name": "status", "in": "query",
                            "schema": {"type": "string", "enum": list(REVIEW_STATUSES), "default": "submitted"}},
                           REGION, *PAGING],
            "responses": {"200": page("Achievement"), **web.error_responses(400, 401, 403)},
        }},
        "/api/v1/achievements": {"get": {
            "summary": "Public query service (公益查询): published achievements, newest first or as `sort` says",
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"},
                 "description": "keywords, Chinese or Latin; every term must match (title, keywords, summary, industry)"},
                {"name": "region", "in": "query", "schema": {"type": "string"},
                 "description": "GB/T 2260 code of a division, or 510000 for the whole province"},
                {"name": "programme", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 15}},
                {"name": "type", "in": "query", "schema": {"type": "string", "enum": ["applied", "basic", "soft_science"]}},
                {"name": "dual_use", "in": "query", "schema": {"type": "boolean"}},
                {"name": "organization", "in": "query", "schema": {"type": "string"}},
                {"name": "trl_min", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 9}},
                {"name": "trl_max", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 9}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
                {"name": "sort", "in": "query", "schema": {"type": "string", "enum": ["newest", "oldest", "maturity"],
                                                          "default": "newest"},
                 "description": "newest: latest publication first; oldest: earliest first; maturity: highest TRL "
                                "first, newest first within a level"},
                {"name": "cursor", "in": "query", "schema": {"type": "string"},
                 "description": "next_cursor of the previous page (of the same sort)"},
            ],
            "responses": {"200": {"description": "A page", "content": {"application/json": {"schema": {
                "type": "object", "required": ["items", "next_cursor"],
                "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/PublicAchievement"}},
                               "next_cursor": {"type": ["string", "null"], "description":
                                   "null on the last page. One request reads at most 2,000 candidates: a page "
                                   "can hold fewer than `limit` items (even none) and still have a cursor; "
                                   "follow it"}}}}}},
                          **web.error_responses(400)},
        }, "post": {
            "summary": "Record an achievement as a draft (科技成果登记); institutions for their own organization",
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": True, **web.json_body("AchievementIn")},
            "responses": {"201": web.json_body("Achievement", "Draft recorded"), **ACHIEVEMENT_ERRORS},
        }},
        "/api/v1/achievements/import": {"post": {
            "summary": "Bulk import (批量导入) of up to 200 rows as drafts; each row is validated on its own and "
                       "created once (its id derives from the owner and the row's import_key); institutions for "
                       "their own organization, administrators. The CLI `ttp-registry-import` sends files here.",
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": True, **web.json_body("ImportIn")},
            "responses": {"200": {"description": "One result per row, in order", "content": {"application/json": {
                "schema": {"type": "object", "required": ["results"], "properties": {"results": {
                    "type": "array", "items": {"type": "object", "required": ["row", "status"], "properties": {
                        "row": {"type": "integer", "description": "0-based position in `rows`"},
                        "status": {"type": "string", "enum": ["created", "exists", "rejected"]},
                        "id": {"type": "string"},
                        "errors": {"type": "array", "items": {"type": "object", "properties": {
                            "path": {"type": "string"}, "message": {"type": "string"}}}}}}}}}}}},
                          **web.error_responses(400, 401, 403, 413, 415)},
        }},
        "/api/v1/achievements/{achievement_id}": {
            "get": {
                "summary": "One achievement: public once published, else only to its owner, reviewer and admins",
                "parameters": [ACHIEVEMENT_ID],
                "responses": {"200": web.json_body("Achievement"), **web.error_responses(404)},
            },
            "put": {
                "summary": "Edit a draft or returned achievement (owner)",
                "security": [{"bearerAuth": []}],
                "parameters": [ACHIEVEMENT_ID],
                "requestBody": {"required": True, **web.json_body("AchievementIn")},
                "responses": {"200": web.json_body("Achievement"), **ACHIEVEMENT_ERRORS},
            },
        },
        **{f"/api/v1/achievements/{{achievement_id}}/{name}": {"post": {
            "summary": f"{name}: {', '.join(sorted(t.sources))} → {t.target} "
                       f"({'the owning institution' if t.actor == 'owner' else 'the reviewer of its region'} or an admin); "
                       f"publishes {t.event}",
            "security": [{"bearerAuth": []}],
            "parameters": [ACHIEVEMENT_ID],
            **({"requestBody": {"required": True, **web.json_body({"return": "ReturnIn", "withdraw": "WithdrawIn"}[name])}}
               if name in ("return", "withdraw") else {}),
            "responses": {"200": web.json_body("Achievement"), **ACHIEVEMENT_ERRORS},
        }} for name, t in TRANSITIONS.items()},
        "/api/v1/annual-reports": {"post": {
            "summary": "File (or file again after a return) the annual transformation report (年度报告) for a past year; "
                       "universities and institutes for their own organization; late after 28 February",
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": True, **web.json_body("AnnualReportIn")},
            "responses": {"201": {"description": "Filed"}, **web.error_responses(400, 401, 403, 404, 409, 413, 415)},
        }, "get": {
            "summary": "Reports of the reviewer's region (or `region` within it; administrators: all), oldest filing "
                       "first, each flagged when not forwarded by 31 March",
            "security": [{"bearerAuth": []}],
            "parameters": [{"name": "year", "in": "query", "schema": {"type": "integer", "minimum": 2000}},
                           {"name": "status", "in": "query",
                            "schema": {"type": "string", "enum": list(REPORT_STATUSES)}},
                           {"name": "forwarding_overdue", "in": "query", "schema": {"type": "boolean"}},
                           REGION, *PAGING],
            "responses": {"200": page(ANNUAL_REPORT_ITEM), **web.error_responses(400, 401, 403)},
        }},
        "/api/v1/annual-reports/{report_id}": {"get": {
            "summary": "One report ('<organization_id>:<year>'): its organization, the region's reviewer, admins",
            "security": [{"bearerAuth": []}],
            "parameters": [REPORT_ID],
            "responses": {"200": {"description": "The report"}, **web.error_responses(401, 403, 404)},
        }},
        **{f"/api/v1/annual-reports/{{report_id}}/{action}": {"post": {
            "summary": f"{action} the report (supervising department: the region's reviewer, admins)",
            "security": [{"bearerAuth": []}],
            "parameters": [REPORT_ID],
            **({"requestBody": {"required": True, **web.json_body("ReturnReportIn")}} if action == "return" else {}),
            "responses": {"200": {"description": "Updated"}, **web.error_responses(400, 401, 403, 404, 409)},
        }} for action in ("accept", "return", "forward")},
        "/api/v1/annual-reports/missing-check": {"post": {
            "summary": "Flag now the universities and institutes without a report for `year` once its deadline passed "
                       "(also on a timer); admins",
            "security": [{"bearerAuth": []}],
            "parameters": [{"name": "year", "in": "query", "schema": {"type": "integer"}}],
            "responses": {"200": {"description": "Newly flagged report ids"}, **web.error_responses(400, 401, 403)},
        }},
        "/api/v1/catalogues/{catalogue}": {"get": {
            "summary": "A dual-use catalogue (军民两用目录) with each entry's public summary (public)",
            "parameters": [CATALOGUE],
            "responses": {"200": {"description": "The catalogue", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"catalogue": {"type": "string"}, "label": {"type": "string"},
                                                 "entries": {"type": "array", "items": {"type": "object"}}}}}}},
                          **web.error_responses(404)},
        }},
        "/api/v1/catalogues/{catalogue}/entries": {"post": {
            "summary": "Add a published dual-use achievement; reviewers of its region and administrators",
            "security": [{"bearerAuth": []}],
            "parameters": [CATALOGUE],
            "requestBody": {"required": True, **web.json_body("CatalogueEntryIn")},
            "responses": {"201": {"description": "Added"}, **web.error_responses(400, 401, 403, 404, 409, 413, 415)},
        }},
        "/api/v1/catalogues/{catalogue}/entries/{achievement_id}": {"delete": {
            "summary": "Remove an entry; reviewers of its region and administrators",
            "security": [{"bearerAuth": []}],
            "parameters": [CATALOGUE, ACHIEVEMENT_ID],
            "responses": {"200": {"description": "Removed"}, **web.error_responses(401, 403, 404)},
        }},
        "/api/v1/plan-projects": {
            "post": {
                "summary": "Register a plan project (科技计划项目); reviewers of its region and administrators",
                "security": [{"bearerAuth": []}],
                "requestBody": {"required": True, **web.json_body("PlanProjectIn")},
                "responses": {"201": web.json_body("PlanProject"), **web.error_responses(400, 401, 403, 409, 413, 415)},
            },
            "get": {
                "summary": "Plan projects of the reviewer's region (admins: all); overdue=true lists compliance findings",
                "security": [{"bearerAuth": []}],
                "parameters": [{"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
                               {"name": "region", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "Projects", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"items": {"type": "array", "items": {
                        "$ref": "#/components/schemas/PlanProject"}}}}}}}, **web.error_responses(400, 401, 403)},
            },
        },
        "/api/v1/plan-projects/{project_id}/tech-reports": {"post": {
            "summary": "Submit a tech report (科技报告) for the project; its organization's institution",
            "security": [{"bearerAuth": []}],
            "parameters": [{"name": "project_id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "requestBody": {"required": True, **web.json_body("TechReportIn")},
            "responses": {"201": web.json_body("PlanProject"), **web.error_responses(400, 401, 403, 404, 413, 415)},
        }},
        "/api/v1/plan-projects/overdue-check": {"post": {
            "summary": "Run the overdue check now (it also runs on a timer); administrators",
            "security": [{"bearerAuth": []}],
            "responses": {"200": {"description": "Newly flagged projects", "content": {"application/json": {
                "schema": {"type": "object", "properties": {"flagged": {"type": "array", "items": {"type": "string"}}}}}}},
                **web.error_responses(401, 403)},
        }},
    },
    schemas={**web.model_schema(AchievementIn), **web.model_schema(ImportIn), **web.model_schema(ReturnIn), **web.model_schema(WithdrawIn),
             "Achievement": ACHIEVEMENT, "PublicAchievement": PUBLIC_ACHIEVEMENT, **web.model_schema(AnnualReportIn), **web.model_schema(ReturnReportIn),
             **web.model_schema(CatalogueEntryIn), **web.model_schema(PlanProjectIn), **web.model_schema(TechReportIn), "PlanProject": PLAN_PROJECT, "Organization": ORGANIZATION},
)
