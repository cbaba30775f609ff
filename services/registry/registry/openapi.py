"""The registry's OpenAPI document."""
from ttp_common import web
from ttp_common.service_base import service_openapi

from .domain import AccreditationIn, OrganizationIn, RevocationIn

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

ORGANIZATION_ID = {"name": "organization_id", "in": "path", "required": True, "schema": {"type": "string"}}

SPEC = service_openapi(
    "registry", "科技成果信息汇交系统 Registry API",
    "Organizations (主体) and achievements (科技成果) of Sichuan's technology-transfer programme.",
    paths={
        "/api/v1/organizations": {"post": {
            "summary": "Register an organization (主体登记); reviewers (own region) and administrators",
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": True, **web.json_body("OrganizationIn")},
            "responses": {"201": web.json_body("Organization", "Registered"),
                          **web.error_responses(400, 401, 403, 409, 413, 415)},
        }},
        "/api/v1/organizations/{organization_id}": {"get": {
            "summary": "One organization (public)",
            "parameters": [ORGANIZATION_ID],
            "responses": {"200": web.json_body("Organization"), **web.error_responses(404)},
        }},
        "/api/v1/organizations/{organization_id}/accreditation": {"post": {
            "summary": "Accredit a service institution (认定; counts toward the 1,000-institution target); "
                       "reviewers of its region and administrators",
            "security": [{"bearerAuth": []}],
            "parameters": [ORGANIZATION_ID],
            "requestBody": {"required": True, **web.json_body("AccreditationIn")},
            "responses": {"200": web.json_body("Organization", "Accredited"),
                          **web.error_responses(400, 401, 403, 404, 409, 413, 415)},
        }},
        "/api/v1/organizations/{organization_id}/accreditation/revocation": {"post": {
            "summary": "Revoke an accreditation (撤销认定); reviewers of its region and administrators",
            "security": [{"bearerAuth": []}],
            "parameters": [ORGANIZATION_ID],
            "requestBody": {"required": True, **web.json_body("RevocationIn")},
            "responses": {"200": web.json_body("Organization", "Revoked"),
                          **web.error_responses(400, 401, 403, 404, 409, 413, 415)},
        }},
    },
    schemas={**web.model_schema(OrganizationIn), **web.model_schema(AccreditationIn),
             **web.model_schema(RevocationIn), "Organization": ORGANIZATION},
)
