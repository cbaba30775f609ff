"""The metrics service's OpenAPI document."""
from ttp_common import web
from ttp_common.service_base import service_openapi

from .ledger import TaskUpdate

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
            "summary": "One target (public)", "parameters": [AS_OF],
            "responses": {"200": web.json_body("Target"), **web.error_responses(400, 404)},
        }},
        "/api/v1/tasks": {"get": {
            "summary": "The task ledger (重点工作与任务分工表) with status and overdue flags (public)",
            "parameters": [AS_OF, {"name": "status", "in": "query", "schema": {"type": "string"}},
                           {"name": "overdue", "in": "query", "schema": {"type": "boolean"}},
                           {"name": "department", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "OK"}, **web.error_responses(400)},
        }},
        "/api/v1/tasks/{task_id}": {
            "get": {"summary": "One task (public)", "parameters": [AS_OF],
                    "responses": {"200": web.json_body("Task"), **web.error_responses(404)}},
            "patch": {"summary": "Update a task's status and/or note (administrator); emits metrics.task.updated.v1",
                      "security": [{"bearerAuth": []}],
                      "requestBody": {"required": True, "content": {"application/json": {
                          "schema": web.ref("TaskUpdate")}}},
                      "responses": {"200": web.json_body("Task"), **web.error_responses(400, 401, 403, 404, 415)}},
        },
        "/api/v1/compliance": {"get": {
            "summary": "Annual-report compliance per year and department (public)",
            "responses": {"200": {"description": "OK"}},
        }},
        "/api/v1/compliance/{year}": {"get": {
            "summary": "One year's annual-report compliance, organization by organization (public)",
            "responses": {"200": web.json_body("Compliance")},
        }},
        "/api/v1/pipeline": {"get": {
            "summary": "Freshness of the projections and consumer lag (public)",
            "responses": {"200": {"description": "OK"}},
        }},
    },
    schemas={"Progress": PROGRESS, "Target": TARGET, "Task": TASK, "Compliance": COMPLIANCE,
             **web.model_schema(TaskUpdate)},
)
