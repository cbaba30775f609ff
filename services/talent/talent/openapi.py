"""The talent service's OpenAPI document."""
from ttp_common import web
from ttp_common.service_base import service_openapi

from .certification import CertificationIn, SuspensionIn
from .domain import PERSON_KINDS, PersonIn, PersonUpdateIn, PostIn, TalentProgrammeIn
from .experts import AssignmentIn, MentorshipIn
from .rewards import RewardPlanIn
from .training import BROKER_LEVELS, PROGRAMME_KINDS, AssessmentIn, AttendanceIn, EnrolmentIn, ProgrammeIn

OBJECT = {"type": "object", "additionalProperties": True}
BEARER = [{"bearerAuth": []}]


def _param(name, description=""):
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


def _op(summary, body=None, status="200", errors=(400, 401, 403, 404), params=(), query=(), public=False):
    op = {"summary": summary,
          "responses": {status: {"description": "OK", "content": {"application/json": {"schema": OBJECT}}},
                        **web.error_responses(*errors)}}
    if not public:
        op["security"] = BEARER
    if body:
        op["requestBody"] = {"required": True, **web.json_body(body)}
    if params or query:
        op["parameters"] = [_param(p) for p in params] + [
            {"name": q, "in": "query", "required": False, "schema": {"type": t}, "description": d}
            for q, t, d in query]
    return op


WRITE = (400, 401, 403, 404, 409, 413, 415)
PAGE = [("limit", "integer", "1–100, default 20"), ("cursor", "string", "next_cursor of the previous page")]
PATHS = {
    "/api/v1/people": {"post": _op("Register a person (institution for its own organization, admin); the response "
                                   "is the full record, contact and ID number included, for the registrant only",
                                   "PersonIn", "201", (400, 401, 403, 413, 415)),
                       "get": _op(
        "Find people (public), by id (not by registration time, which nobody consented to show): "
        "{items, next_cursor}, each only with what the person consented to show "
        "(as GET /people/{person_id}), never contact details or ID numbers; a filter finds only people who consented "
        "to show what it filters on, and people who consented to show nothing are not listed",
        query=[("kind", "string", " · ".join(PERSON_KINDS) + " (needs consent to show kinds)"),
               ("field", "string", "专业领域 (needs consent to show fields)"),
               ("organization", "string", "所在单位 id (needs consent to show organization_id)"), *PAGE],
        errors=(400,), public=True)},
    "/api/v1/people/{person_id}": {"get": _op(
        "A person: the full record for their organization and admins; for anyone else only the fields the "
        "person consented to show (public_fields)", params=["person_id"], errors=(404,), public=True),
        "patch": _op("Change a person's contact details, fields or consent (public_fields; [] withdraws it); only the "
                     "keys given change (the person's organization, admins); no event", "PersonUpdateIn", "200",
                     WRITE, ["person_id"])},
    "/api/v1/people/{person_id}/posts": {"post": _op(
        "Register a technology transfer post (科技成果转移转化岗) the organization gave one of its own people; "
        "409 if already registered (same organization and post kind)",
        "PostIn", "201", WRITE, ["person_id"])},
    "/api/v1/people/{person_id}/talent-programmes": {"post": _op(
        "Register the person's selection into a talent programme (千人计划 and similar); 409 if already registered "
        "(same programme and year, whatever the programme_name; under other, the same programme_name)",
        "TalentProgrammeIn", "201", WRITE, ["person_id"])},
    "/api/v1/training/programmes": {
        "post": _op("Register a training programme (学历/职业/继续教育, broker course by level) with its sessions; the "
                    "provider institution or an admin", "ProgrammeIn", "201", WRITE),
        "get": _op("Training programmes (public), newest first: {items, next_cursor}",
                   query=[("kind", "string", " · ".join(PROGRAMME_KINDS)),
                          ("level", "string", "broker courses: " + " · ".join(BROKER_LEVELS)), *PAGE],
                   errors=(400,), public=True),
    },
    "/api/v1/training/programmes/{programme_id}": {"get": _op("A programme (public)", params=["programme_id"],
                                                              errors=(404,), public=True)},
    "/api/v1/training/programmes/{programme_id}/enrolments": {"post": _op(
        "Enrol a person (the provider, the person's organization or an admin)", "EnrolmentIn", "201", WRITE,
        ["programme_id"])},
    "/api/v1/training/enrolments/{enrolment_id}": {"get": _op(
        "An enrolment (the provider, the person's organization, admins)", params=["enrolment_id"])},
    "/api/v1/training/enrolments/{enrolment_id}/attendance": {"post": _op(
        "Record attendance at one session (provider, admin)", "AttendanceIn", "200", WRITE + (422,),
        ["enrolment_id"])},
    "/api/v1/training/enrolments/{enrolment_id}/assessment": {"post": _op(
        "Record an assessment score; a retake replaces it (provider, admin)", "AssessmentIn", "200", WRITE,
        ["enrolment_id"])},
    "/api/v1/training/enrolments/{enrolment_id}/completion": {"post": _op(
        "Complete the enrolment once the required hours and a passed assessment are recorded (provider, admin); "
        "no body", None, "200", (401, 403, 404, 409, 422), ["enrolment_id"])},
    "/api/v1/brokers/{person_id}": {"get": _op(
        "A broker's certificates and performance computed from registered technology contracts "
        "(the person's organization, reviewers, admins)", params=["person_id"])},
    "/api/v1/brokers/{person_id}/certificates": {"post": _op(
        "Certify a broker at a level when its rules are met (admins); 422 rule_not_met lists what is missing; "
        "409 while a certificate of that level is suspended",
        "CertificationIn", "201", WRITE + (422,), ["person_id"])},
    "/api/v1/certificates/{number}": {"get": _op("Verify a certificate (public): level, validity, status",
                                                 params=["number"], errors=(404,), public=True)},
    "/api/v1/certificates/{number}/suspension": {"post": _op("Suspend a certificate (admins)", "SuspensionIn",
                                                             "200", WRITE, ["number"])},
    "/api/v1/certificates/{number}/reinstatement": {"post": _op(
        "Reinstate a suspended, unexpired certificate (admins)", "SuspensionIn", "200", WRITE, ["number"])},
    "/api/v1/experts": {"get": _op(
        "Experts of a field without those of an excluded organization (reviewers, admins); no contact data",
        query=[("field", "string", "专业领域"), ("exclude_organization", "string", "回避单位"),
               ("achievement_id", "string", "also exclude this achievement's organizations, as the registry announced "
                                            "them (409 if it has not)")],
        errors=(400, 401, 403, 409))},
    "/api/v1/expert-assignments": {"post": _op(
        "Draw (or name) experts to review an achievement, never from its own organizations as the registry announced "
        "them (registry.achievement.* events), nor from any organizations the body adds (reviewers, admins); 409 "
        "naming achievement_id while the registry has not announced the achievement",
        "AssignmentIn", "201", WRITE)},
    "/api/v1/expert-assignments/{assignment_id}": {"get": _op(
        "An expert assignment (reviewers, admins)", params=["assignment_id"])},
    "/api/v1/mentorships": {"post": _op("Pair a mentor with a start-up team (the team's organization, admins)",
                                        "MentorshipIn", "201", WRITE)},
    "/api/v1/mentorships/{mentorship_id}": {"get": _op(
        "A mentorship (the team's organization, admins)", params=["mentorship_id"])},
    "/api/v1/rewards": {
        "post": _op("Record a reward plan for contributors; checked against 促进科技成果转化法 第四十五条 or the "
                    "organization's own rules, stored and flagged (check.compliant=false) when short",
                    "RewardPlanIn", "201", (400, 401, 403, 413, 415)),
        "get": _op("Reward plans (reviewers and admins all, institutions their own), newest first: "
                   "{items, next_cursor}; flagged=true for the non-compliant ones",
                   query=[("flagged", "boolean", "only flagged plans"), *PAGE],
                   errors=(400, 401, 403)),
    },
}

SCHEMAS = {}
for model in (PersonIn, PersonUpdateIn, PostIn, TalentProgrammeIn, ProgrammeIn, EnrolmentIn, AttendanceIn, AssessmentIn,
              CertificationIn, SuspensionIn, AssignmentIn, MentorshipIn, RewardPlanIn):
    SCHEMAS.update(web.model_schema(model))

SPEC = service_openapi(
    "talent", "人才队伍 Talent API",
    "People, technology brokers and their certification and performance, training, experts and mentors, "
    "contributor rewards, transfer posts and talent programmes (四(五) 人才队伍建设). Contact details and identity "
    "numbers never appear in public responses or events.",
    paths=PATHS, schemas=SCHEMAS,
)
