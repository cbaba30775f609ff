"""Intellectual property records (知识产权服务平台, plan 四(二)4): patents, software copyrights, plant variety
rights and IC layout designs, with their numbers, holders, state and the achievements they protect.

A holder's staff, a reviewer of a holder's region or an administrator records a right, changes its state
(申请中 → 有效 → 失效) and links it to the holders' achievements; the public reads every record (an IP register
is public: kind, number, title, holders, state, dates, links; never who typed it). A timer (every
``OVERDUE_CHECK_SECONDS``) and an admin endpoint lapse, once and with an event, every right in force whose term
has ended (期限届满). The work is in ``registry.handlers.ip``, the rules in ``registry.ip``.
"""
from typing import Literal

from nameko.timer import timer
from pydantic import Field

from ttp_common import clock, paging
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint

from ..documents import IpRight
from ..handlers import ip as handlers
from ..ip import KINDS, STATUSES, IpLinksIn, IpRightIn, IpStatusIn
from .common import OVERDUE_CHECK_SECONDS, SYSTEM

WRITERS = (Roles.INSTITUTION, Roles.REVIEWER, Roles.ADMIN)  # a holder's staff, a holder region's reviewer, admins
ONE = "/api/v1/ip-rights/<string:ip_right_id>"
_DATE = {"type": ["string", "null"], "format": "date"}

IP_RIGHT = {
    "type": "object",
    "description": "An intellectual property right (知识产权) as the public register shows it.",
    "required": ["id", "kind", "kind_label", "number", "title", "holder_organization_ids", "status", "status_label",
                 "filed_on", "achievement_ids"],
    "properties": {
        "id": {"type": "string"}, "kind": {"type": "string", "enum": list(KINDS)},
        "kind_label": {"type": "string"},
        "number": {"type": "string", "description": "canonical: 201710601862.3, 2020SR0123456, CNA20120342.9, "
                                                    "BS.12500123.4"},
        "patent_number": {"type": ["string", "null"], "description": "专利号 (ZL + application number) once granted"},
        "title": {"type": "string"}, "holder_organization_ids": {"type": "array", "items": {"type": "string"}},
        "status": {"type": "string", "enum": list(STATUSES)}, "status_label": {"type": "string"},
        "filed_on": {"type": "string", "format": "date"}, "granted_on": _DATE, "lapsed_on": _DATE,
        "expires_on": _DATE, "achievement_ids": {"type": "array", "items": {"type": "string"}},
        "recorded_at": {"type": "string", "format": "date-time"},
        "history": {"type": "array", "items": {"type": "object", "properties": {
            "status": {"type": "string"}, "effective_on": {"type": "string", "format": "date"},
            "reason": {"type": ["string", "null"]}, "at": {"type": "string", "format": "date-time"}}}},
    },
}


class IpRightQuery(paging.OffsetParams):
    holder: str | None = Field(None, max_length=64, description="a holder organization's id")
    kind: Literal[tuple(KINDS)] | None = None
    status: Literal[tuple(STATUSES)] | None = None
    achievement_id: str | None = Field(None, max_length=64, description="rights protecting this achievement")


class IpRightEntrypoints:
    """IP records: recording, reading, listing, state changes and links to achievements."""

    @endpoint("POST", "/api/v1/ip-rights", roles=WRITERS, body=IpRightIn, status=201, response=IP_RIGHT,
              described="Recorded", errors=(409, 422),
              summary="Record an IP right (知识产权: 专利, 软件著作权, 植物新品种权, 集成电路布图设计), its number "
                      "checked per kind; a holder's staff, reviewers of a holder's region, administrators")
    def record_ip_right(self, ctx):
        right = self.store.transact(handlers.record, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(right.public(), f"/api/v1/ip-rights/{right.id}")

    @endpoint("GET", "/api/v1/ip-rights", query=IpRightQuery, response=paging.offset_page_schema(IP_RIGHT),
              described="A page", summary="IP rights (public), by holder, kind, state or achievement, oldest first")
    def list_ip_rights(self, ctx):
        q = ctx.query
        query = {"holder_organization_ids": q.holder, "kind": q.kind, "status": q.status,
                 "achievement_ids": q.achievement_id}
        query = {field: value for field, value in query.items() if value is not None}
        return paging.by_offset(self.store.collection(IpRight), query, [("recorded_at", 1), ("_id", 1)], q,
                                lambda raw: self.store.load(IpRight, raw).public())

    @endpoint("GET", ONE, response=IP_RIGHT, summary="One IP right (public)")
    def get_ip_right(self, ctx, ip_right_id):
        return self.store.get(IpRight, ip_right_id).public()

    @endpoint("POST", f"{ONE}/status", roles=WRITERS, body=IpStatusIn, response=IP_RIGHT, described="Changed",
              errors=(409,), summary="Grant (有效) or lapse (失效) the right, dated; a holder's staff, reviewers of "
                                     "a holder's region, administrators")
    def change_ip_right_status(self, ctx, ip_right_id):
        return self.store.transact(handlers.change_status, ip_right_id, ctx.body, ctx.principal, ctx.now,
                                   actor=ctx.actor).public()

    @endpoint("POST", f"{ONE}/links", roles=WRITERS, body=IpLinksIn, response=IP_RIGHT, described="Linked",
              errors=(422,), summary="Link the right to achievements it protects (the holders' registered or "
                                     "published ones); a holder's staff, reviewers of a holder's region, admins")
    def link_ip_right(self, ctx, ip_right_id):
        return self.store.transact(handlers.link, ip_right_id, ctx.body, ctx.principal, actor=ctx.actor).public()

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def check_expired_ip_rights(self):
        self._lapse_expired(clock.china_date())

    @endpoint("POST", "/api/v1/ip-rights/expiry-check", roles=(Roles.ADMIN,), described="Newly lapsed rights",
              response={"type": "object", "properties": {"lapsed": {"type": "array", "items": {"type": "string"}}}},
              summary="Lapse every right in force whose term has ended (期限届满) now (also on a timer); admins")
    def run_ip_expiry_check(self, ctx):
        return {"lapsed": self._lapse_expired(clock.china_date(ctx.now))}

    def _lapse_expired(self, today):
        """Lapse each right in force past its ``expires_on``, each in a transaction of its own; the ids lapsed."""
        candidates = self.store.collection(IpRight).find(
            {"status": "in_force", "expires_on": {"$lt": today.isoformat()}}, {"_id": 1})
        lapsed = [self.store.transact(handlers.expire, candidate["_id"], today, clock.now_ms(), actor=SYSTEM)
                  for candidate in candidates]
        return [right_id for right_id in lapsed if right_id]
