"""Component schemas of the metrics service's responses (the OpenAPI document is generated from the
entrypoints' declarations; request bodies are pydantic models)."""
from ttp_common import web

from .plan import PLAN_STATUSES, TASK_STATUSES

DECIMAL = {"type": "string", "description": "exact decimal"}
BREAKDOWN = {"type": "array", "items": {"type": "object", "properties": {"value": DECIMAL}}}
TARGET = {
    "type": "object",
    "required": ["key", "label", "unit", "goal", "value", "ratio", "expected", "pace", "behind", "met"],
    "properties": {
        "key": {"type": "string"}, "label": {"type": "string"},
        "unit": {"type": "string", "enum": ["count", "yuan"]},
        "goal": DECIMAL, "value": DECIMAL,
        "ratio": {"type": "number", "description": "value / goal"},
        "expected": {**DECIMAL, "description": "value expected on as_of on a linear path through the plan's period "
                     "(0 before it, the goal after it)"},
        "pace": {"type": ["number", "null"], "description": "value / expected (null before the period)"},
        "behind": {"type": "boolean", "description": "the plan is in force on as_of and the value is below the "
                   "linear path (never for an upcoming or ended plan)"},
        "met": {"type": "boolean", "description": "the value has reached the goal (for an ended plan: the final "
                "verdict)"},
        "breakdowns": {"type": "object", "description": "by year, region (21 divisions), programme (15), "
                       "department and contract type, as the target's sources declare",
                       "additionalProperties": BREAKDOWN},
    },
}
PLAN = {
    "type": "object",
    "required": ["key", "title", "source", "period", "status", "status_label", "followed"],
    "properties": {
        "key": {"type": "string"}, "title": {"type": "string"},
        "source": {"type": "string", "description": "the published text the plan's figures come from"},
        "period": {"type": "object", "required": ["start", "end"],
                   "properties": {"start": {"type": "string", "format": "date"},
                                  "end": {"type": "string", "format": "date"}}},
        "status": {"type": "string", "enum": list(PLAN_STATUSES), "description": "on as_of (China's calendar)"},
        "status_label": {"type": "string"},
        "followed": {"type": "boolean", "description": "the plan the home page and the alerts follow"},
    },
}
PLAN_TARGET = {"type": "object", "required": ["key", "label", "unit", "goal"],
               "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                              "unit": {"type": "string", "enum": ["count", "yuan"]}, "goal": DECIMAL}}
PLAN_LIST = {
    "type": "object",
    "required": ["as_of", "followed", "plans"],
    "properties": {
        "as_of": {"type": "string", "format": "date"},
        "followed": {"type": "string", "description": "the key of the followed plan"},
        "plans": {"type": "array", "description": "every plan, by the start of its period",
                  "items": {"allOf": [web.ref("Plan"), {"type": "object", "required": ["targets"], "properties": {
                      "targets": {"type": "array", "items": PLAN_TARGET}}}]}},
    },
}
PROGRESS = {
    "type": "object",
    "required": ["plan", "as_of", "targets", "indicators", "counters"],
    "properties": {
        "plan": web.ref("Plan"),
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

TRACE_ENTRY = {
    "type": "object", "required": ["at", "service", "event_type", "record", "details"],
    "properties": {
        "at": {"type": ["string", "null"], "format": "date-time",
               "description": "when it happened (the event's own time field, else its ce_time)"},
        "service": {"type": "string", "description": "the service that published the event"},
        "event_type": {"type": "string", "description": "the event name, e.g. transactions.contract.registered.v1"},
        "record": {"type": "object", "required": ["kind", "id", "service", "path"], "description": (
            "the record the event is about, and where its owner serves it (GET path at that service)"),
            "properties": {"kind": {"type": "string"}, "id": {"type": "string"}, "service": {"type": "string"},
                           "path": {"type": "string"}}},
        "details": {"type": "object", "description": "what the caller may see of the event (amounts as exact "
                    "decimal strings): e.g. a contract's type, amount, 技术交易额 and registration number, an "
                    "auction's number of bids and outcome"},
        "parties": {"type": "array", "items": {"type": "string"},
                    "description": "the organizations party to it (only to those who see the whole entry)"},
    },
}
TRACE = {
    "type": "object", "required": ["subject", "view", "entries"],
    "properties": {
        "subject": {"type": "object", "required": ["kind", "id", "public"], "properties": {
            "kind": {"type": "string", "enum": ["achievement", "contract"]}, "id": {"type": "string"},
            "region_code": {"type": ["string", "null"]},
            "public": {"type": "boolean", "description": "a published achievement or a registered contract"}}},
        "view": {"type": "string", "enum": ["full", "party", "public"], "description": (
            "full: an administrator or a reviewer (registrar) of the record's region; party: an organization's "
            "caller (public entries and its own); public: anyone else")},
        "entries": {"type": "array", "items": TRACE_ENTRY, "description": "in time order"},
    },
}
SCHEMAS = {"Trace": TRACE, "Plan": PLAN, "PlanList": PLAN_LIST, "Progress": PROGRESS, "Target": TARGET, "Task": TASK, "TaskList": TASK_LIST, "Compliance": COMPLIANCE,
           "ComplianceList": COMPLIANCE_LIST, "Pipeline": PIPELINE}
