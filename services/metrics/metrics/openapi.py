"""The metrics service's OpenAPI document."""
from ttp_common import web
from ttp_common.service_base import service_openapi

PROGRESS = {
    "type": "object",
    "required": ["targets", "counters"],
    "properties": {
        "targets": {"type": "array", "items": {
            "type": "object",
            "required": ["key", "label", "unit", "goal", "value", "ratio"],
            "properties": {
                "key": {"type": "string"}, "label": {"type": "string"},
                "unit": {"type": "string", "enum": ["count", "yuan"]},
                "goal": {"type": "string", "description": "exact decimal"},
                "value": {"type": "string", "description": "exact decimal"},
                "ratio": {"type": ["number", "null"]},
            },
        }},
        "counters": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}

SPEC = service_openapi(
    "metrics", "规划目标进度 Metrics API",
    "Live progress against the plan's targets, projected from every service's events.",
    paths={"/api/v1/progress": {"get": {
        "summary": "Every target with goal, value and ratio (public)",
        "responses": {"200": web.json_body("Progress")},
    }}},
    schemas={"Progress": PROGRESS},
)
