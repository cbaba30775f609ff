"""The metrics service's OpenAPI document."""
from ttp_common import web
from ttp_common.service_base import service_openapi

from .compliance import YEARS as COMPLIANCE_YEARS
from .ledger import TaskUpdate
from .plan import TASK_STATUSES

DECIMAL = {"type": "string", "description": "exact decimal"}
BREAKDOWN = {"type": "array", "items": {"type": "object", "properties": {"value": DECIMAL}}}
TARGET = {
    "type": "object",
    "required": ["key", "label", "unit", "goal", "value", "ratio", "expected", "pace", "behind"],
    "properties": {
        "key": {"type": "string"}, "label": {"type": "string"},
        "unit": {"type": "string", "enum": ["count", "yuan"]},
        "goal": DECIMAL, "value": DECIMAL,
        "ratio": {"type": "number", "description": "value / goal"},
        "expected": {**DECIMAL, "description": "value expected on as_of on a linear path through the plan's period"},
        "pace": {"type": ["number", "null"], "description": "value / expected (null before the period)"},
        "behind": {"type": "boolean", "description": "value below the linear path"},
        "breakdowns": {"type": "object", "description": "by year, region (21 divisions), programme (15), "
                       "department and contract type, as the target's sources declare",
                       "additionalProperties": BREAKDOWN},
    },
}
PROGRESS = {
    "type": "object",
    "required": ["plan", "as_of", "targets", "indicators", "counters"],
    "properties": {
        "plan": {"type": "object"},
        "as_of": {"type": "string", "format": "date"},
        "targets": {"type": "array", "items": web.ref("Target")},
        "indicators": {"type": "array", "items": {"type": "object"}},
        "counters": {"type": "object", "description": "raw integer tallies; money counters in fen (分)",
                     "additionalProperties": {"type": "integer"}},
    },
}
TASK = {
    "type": "object",
    "required": ["id", "title", "work", "departments", "schedule", "due", "status", "overdue"],
    "properties": {
        "id": {"type": "string"}, "area": {"type": "string"}, "title": {"type": "string"},
        "work": {"type": "string"}, "departments": {"type": "array", "items": {"type": "string"}},
        "schedule": {"type": "string"}, "start": {"type": ["string", "null"]},
        "due": {"type": "string", "format": "date"},
        "status": {"type": "string", "enum": ["not_started", "in_progress", "done"]},
        "status_label": {"type": "string"}, "note": {"type": ["string", "null"]},
        "updated_by": {"type": ["string", "null"]}, "updated_at": {"type": ["string", "null"]},
        "revision": {"type": "integer"}, "overdue": {"type": "boolean"},
    },
}
COMPLIANCE = {
    "type": "object",
    "required": ["year", "totals", "departments"],
    "properties": {
        "year": {"type": "integer"},
        "totals": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "on_time, late, missing, pending"},
        "departments": {"type": "array", "items": {"type": "object"}},
    },
}
AS_OF = {"name": "as_of", "in": "query", "required": False, "schema": {"type": "string", "format": "date"},
         "description": "the date for the linear path and overdue flags (default: today, Beijing time)"}
TARGET_KEY = {"name": "key", "in": "path", "required": True, "schema": {"type": "string"},
              "description": "a target's key in the plan, e.g. transformation_projects"}
TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}, "example": "1",
           "description": "a task's number in the annex, e.g. 1 or 2.3"}
YEAR = {"name": "year", "in": "path", "required": True,
        "schema": {"type": "integer", "minimum": COMPLIANCE_YEARS[0], "maximum": COMPLIANCE_YEARS[1]},
        "description": f"the reported year ({COMPLIANCE_YEARS[0]}–{COMPLIANCE_YEARS[1]}; another number is a 400)"}
TASK_LIST = {
    "type": "object",
    "required": ["source", "as_of", "summary", "tasks"],
    "properties": {
        "source": {"type": "string"}, "as_of": {"type": "string", "format": "date"},
        "summary": {"type": "object", "additionalProperties": {"type": "integer"},
                    "description": "total, overdue and one count per status"},
        "tasks": {"type": "array", "items": web.ref("Task")},
    },
}
COMPLIANCE_LIST = {
    "type": "object",
    "required": ["years"],
    "properties": {"years": {"type": "array", "items": {
        "type": "object", "required": ["year", "totals", "departments"],
        "properties": {"year": {"type": "integer"},
                       "totals": {"type": "object", "additionalProperties": {"type": "integer"}},
                       "departments": {"type": "array", "items": {"type": "object"}}}}}},
}
PIPELINE = {
    "type": "object",
    "required": ["events_applied", "last_event_time", "last_applied_at", "consumer_lag"],
    "properties": {
        "events_applied": {"type": "integer"},
        "last_event_time": {"type": ["string", "null"], "format": "date-time"},
        "last_applied_at": {"type": ["string", "null"], "format": "date-time"},
        "consumer_lag": {"type": ["object", "null"], "additionalProperties": {"type": "integer"},
                         "description": "records per topic not yet projected; null when Kafka cannot tell"},
    },
}

SPEC = service_openapi(
    "metrics", "规划目标进度 Metrics API",
    "Live progress against the plan's targets, the task ledger and annual-report compliance, "
    "projected from every service's events.",
    paths={
        "/api/v1/progress": {"get": {
            "summary": "Every target with goal, value, ratio, expected value and breakdowns (public)",
            "parameters": [AS_OF, {"name": "breakdowns", "in": "query", "schema": {"type": "boolean"}}],
            "responses": {"200": web.json_body("Progress"), **web.error_responses(400)},
        }},
        "/api/v1/progress/{key}": {"get": {
            "summary": "One target (public)", "parameters": [TARGET_KEY, AS_OF],
            "responses": {"200": web.json_body("Target"), **web.error_responses(400, 404)},
        }},
        "/api/v1/tasks": {"get": {
            "summary": "The task ledger (重点工作与任务分工表) with status and overdue flags (public)",
            "parameters": [AS_OF, {"name": "status", "in": "query",
                                   "schema": {"type": "string", "enum": list(TASK_STATUSES)}},
                           {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
                           {"name": "department", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": web.json_body("TaskList"), **web.error_responses(400)},
        }},
        "/api/v1/tasks/{task_id}": {
            "get": {"summary": "One task (public)", "parameters": [TASK_ID, AS_OF],
                    "responses": {"200": web.json_body("Task"), **web.error_responses(400, 404)}},
            "patch": {"summary": "Update a task's status and/or note (administrator); emits metrics.task.updated.v1",
                      "security": [{"bearerAuth": []}], "parameters": [TASK_ID],
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": web.ref("TaskUpdate")}}},
                      "responses": {"200": web.json_body("Task"), **web.error_responses(400, 401, 403, 404, 415)}},
        },
        "/api/v1/compliance": {"get": {
            "summary": "Annual-report compliance per year and department (public)",
            "responses": {"200": web.json_body("ComplianceList")},
        }},
        "/api/v1/compliance/{year}": {"get": {
            "summary": "One year's annual-report compliance, organization by organization (public)",
            "parameters": [YEAR],
            "responses": {"200": web.json_body("Compliance"), **web.error_responses(400, 404)},
        }},
        "/api/v1/pipeline": {"get": {
            "summary": "Freshness of the projections and consumer lag (public)",
            "responses": {"200": web.json_body("Pipeline")},
        }},
    },
    schemas={"Progress": PROGRESS, "Target": TARGET, "Task": TASK, "TaskList": TASK_LIST, "Compliance": COMPLIANCE,
             "ComplianceList": COMPLIANCE_LIST, "Pipeline": PIPELINE,
             **web.model_schema(TaskUpdate)},
)
