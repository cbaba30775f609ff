"""Reading the security audit (auditors only; nobody can change it through the service)."""
import datetime as dt

from pydantic import Field

from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint

from ..documents import AuditRecord
from .common import IdentityHelpers

AUDIT_PAGE = {"type": "object", "required": ["items", "next_before"], "properties": {
    "items": {"type": "array", "items": {"type": "object"}}, "next_before": {"type": ["string", "null"]}}}


class AuditQuery(paging.BeforeParams):
    action: str | None = Field(None, max_length=60, description="e.g. sign_in.password, account.role_change")
    outcome: str | None = Field(None, max_length=20, description="success, failure or refused")
    actor: str | None = Field(None, max_length=80, description="the actor's sub")
    target: str | None = Field(None, max_length=80, description="the target's id")
    since: dt.datetime | None = Field(None, description="records at or after this instant (ISO 8601)")


class AuditEntrypoints(IdentityHelpers):
    @endpoint("GET", "/api/v1/audit", roles=(Roles.AUDITOR,), query=AuditQuery, response=AUDIT_PAGE,
              summary="Security audit records, newest first (auditors): who, what, when, from where, outcome")
    def read_audit(self, ctx):
        q = ctx.query
        query = {key: value for key, value in {"action": q.action, "outcome": q.outcome, "actor_sub": q.actor,
                                                "target_id": q.target}.items() if value is not None}
        if q.since is not None:
            since = q.since if q.since.tzinfo else q.since.replace(tzinfo=dt.timezone.utc)
            query["at"] = {"$gte": since}
        docs, next_before = paging.by_time(self.store.collection(AuditRecord), query, q.limit, q.before,
                                           time_field="at", param="before")
        return {"items": [self.store.load(AuditRecord, raw).public() for raw in docs], "next_before": next_before}
