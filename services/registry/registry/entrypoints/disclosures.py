"""Duty-achievement disclosure (职务科技成果披露, plan 四(三)2).

A researcher (an institution's user) discloses an achievement made in their job to their institution; another
person of the institution decides within ``DISCLOSURE_DECISION_DAYS`` (config, default 60) and records why; a kept
disclosure becomes an achievement draft without retyping. Only the institution and admins see its disclosures
(another organization: 404 to read, 403 to act). A timer (every ``OVERDUE_CHECK_SECONDS``) and an admin endpoint
flag, once and with an event, every disclosure undecided past its due date. The work is in
``registry.handlers.disclosures``, the rules in ``registry.disclosures``.
"""
from typing import Literal

from nameko.timer import timer
from prometheus_client import Counter

from ttp_common import auth, clock, paging
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint
from ttp_common.refusals import NotFound

from .. import disclosures, schemas
from ..disclosures import DecisionIn, DisclosureIn
from ..documents import Disclosure
from ..handlers import disclosures as handlers
from .common import INSTITUTIONS, OVERDUE_CHECK_SECONDS, SYSTEM

ONE = "/api/v1/disclosures/<string:disclosure_id>"

DISCLOSURE_STEPS = Counter("ttp_registry_disclosure_steps_total", "Steps of duty-achievement disclosures "
                           "(disclosed, decided, overdue, drafted), by decision where there is one",
                           ["step", "decision"])


class DisclosureQuery(paging.OffsetParams):
    status: Literal[disclosures.STATUSES] | None = None
    overdue: bool | None = None


class DisclosureEntrypoints:
    """Disclosures, decisions, drafts from them and the overdue check."""

    @endpoint("POST", "/api/v1/disclosures", roles=INSTITUTIONS, body=DisclosureIn, status=201,
              response="Disclosure", described="Disclosed", errors=(422,),
              summary="Disclose a duty achievement (职务科技成果披露) to one's own institution, on its registration "
                      "form; the institution decides within the configured number of days (classified ones: 422)")
    def disclose_achievement(self, ctx):
        disclosure = self.store.transact(handlers.disclose, ctx.body, ctx.principal, ctx.now, self._decision_days(),
                                         actor=ctx.actor)
        DISCLOSURE_STEPS.labels("disclosed", "").inc()
        return created(disclosure.view(), f"/api/v1/disclosures/{disclosure.id}")

    @endpoint("GET", ONE, roles=INSTITUTIONS, response="Disclosure",
              summary="One disclosure: its institution and admins (anyone else: 404)")
    def get_disclosure(self, ctx, disclosure_id):
        disclosure = self.store.get(Disclosure, disclosure_id)
        if not auth.acts_for(ctx.principal, disclosure.organization_id):
            raise NotFound("no such disclosure")
        return disclosure.view()

    @endpoint("GET", "/api/v1/organizations/<string:organization_id>/disclosures", roles=INSTITUTIONS,
              client_scope="registry:disclosures:read", query=DisclosureQuery, response=paging.offset_page_schema("Disclosure"), described="A page",
              summary="The institution's disclosures, oldest due first; its institution and admins")
    def list_disclosures(self, ctx, organization_id):
        auth.require_org(ctx.principal, organization_id)
        q = ctx.query
        query = {"organization_id": str(organization_id)}
        query.update({field: value for field, value in (("status", q.status), ("overdue", q.overdue))
                      if value is not None})
        return paging.by_offset(self.store.collection(Disclosure), query, [("due_date", 1), ("_id", 1)], q,
                                lambda raw: self.store.load(Disclosure, raw).view())

    @endpoint("POST", f"{ONE}/decision", roles=INSTITUTIONS, body=DecisionIn, response="Disclosure", errors=(409,),
              summary="The institution's decision on a disclosure (transfer, licence, investment, own implementation "
                      "or left to the inventors) and why; another person of the institution than the discloser")
    def decide_disclosure(self, ctx, disclosure_id):
        disclosure = self.store.transact(handlers.decide, disclosure_id, ctx.body, ctx.principal, ctx.now,
                                         actor=ctx.actor)
        DISCLOSURE_STEPS.labels("decided", disclosure.decision).inc()
        return disclosure.view()

    @endpoint("POST", f"{ONE}/achievement", roles=INSTITUTIONS, status=201, response="Achievement",
              described="The achievement draft", errors=(409,),
              summary="Make a kept disclosure an achievement draft (科技成果登记) from its disclosed form, once; "
                      "its institution")
    def draft_from_disclosure(self, ctx, disclosure_id):
        achievement = self.store.transact(handlers.draft, disclosure_id, ctx.principal, ctx.now, actor=ctx.actor)
        DISCLOSURE_STEPS.labels("drafted", "").inc()
        return created(achievement.view(), f"/api/v1/achievements/{achievement.id}")

    @timer(interval=OVERDUE_CHECK_SECONDS)
    def check_overdue_disclosures(self):
        self._flag_overdue_disclosures(clock.china_date())

    @endpoint("POST", "/api/v1/disclosures/overdue-check", roles=(Roles.ADMIN,), response=schemas.FLAGGED,
              described="Newly flagged disclosures",
              summary="Flag now the disclosures undecided past their due date (it also runs on a timer); admins")
    def run_disclosure_overdue_check(self, ctx):
        return {"flagged": self._flag_overdue_disclosures(clock.china_date(ctx.now))}

    def _flag_overdue_disclosures(self, today):
        """Flag every undecided disclosure past its due date, once, each in a transaction of its own; the ids."""
        candidates = self.store.collection(Disclosure).find(
            {"status": "disclosed", "overdue": False, "due_date": {"$lt": today.isoformat()}}, {"_id": 1})
        flagged = [self.store.transact(handlers.flag_overdue, candidate["_id"], today, actor=SYSTEM)
                   for candidate in candidates]
        flagged = [disclosure_id for disclosure_id in flagged if disclosure_id]
        if flagged:
            DISCLOSURE_STEPS.labels("overdue", "").inc(len(flagged))
        return flagged

    def _decision_days(self):
        return disclosures.decision_days(self.config.get("DISCLOSURE_DECISION_DAYS",
                                                         disclosures.DEFAULT_DECISION_DAYS))
