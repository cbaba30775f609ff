"""Component schemas of the metrics service's responses (the OpenAPI document is generated from the
entrypoints' declarations; request bodies are pydantic models)."""
from ttp_common import web

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
        "status": {"type": "string", "enum": list(TASK_STATUSES)},
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

SCHEMAS = {"Progress": PROGRESS, "Target": TARGET, "Task": TASK, "TaskList": TASK_LIST, "Compliance": COMPLIANCE,
           "ComplianceList": COMPLIANCE_LIST, "Pipeline": PIPELINE}
