"""Fiscal instruments (财政支持): the rules as data, applying for a subsidy on a closed deal, deciding an
application, and the listings. The work is in ``finance.handlers.subsidies``; approved amounts are counted
after the commit."""
from typing import Literal

from prometheus_client import Counter

from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import SIGNED_IN, created, endpoint
from ttp_common.refusals import NotFound

from ..documents import Subsidy
from ..fields import ReasonIn
from ..handlers import subsidies as handlers
from ..subsidies import SUBSIDY_STATUSES, SubsidyIn
from .common import is_department, page, scope

PATH = "/api/v1/subsidies"
ONE = f"{PATH}/<string:subsidy_id>"
REVIEWERS = (Roles.REVIEWER, Roles.ADMIN)
NEWEST = [("applied_at", -1), ("_id", -1)]

SUBSIDIES_APPROVED = Counter("ttp_finance_subsidies_approved_yuan_total", "Yuan of approved subsidies", ["instrument"])


class SubsidyQuery(paging.OffsetParams):
    status: Literal[SUBSIDY_STATUSES] | None = None


class SubsidyEntrypoints:
    """Subsidies."""

    @endpoint("GET", "/api/v1/subsidy-rules", response="SubsidyRules", errors=(401,),
              summary="The subsidy rules of every year, as data")
    def subsidy_rules(self, ctx):
        """Public: the rules of every year, as data."""
        return {str(year): r.model_dump(mode="json") for year, r in sorted(self.rules.items())}

    @endpoint("POST", PATH, roles=(Roles.INSTITUTION, Roles.ADMIN), body=SubsidyIn, status=201, response="Subsidy",
              errors=(404, 409), summary="Apply for a subsidy on a closed deal (the financed organization)",
              description="The amount follows the rules of the year the deal closed (China Standard Time), capped; an "
                          "explicit amount above the cap or above what the rules give is a 400. One pending or "
                          "approved application per deal and instrument (409); after a rejection, apply again.")
    def apply_for_subsidy(self, ctx):
        subsidy = self.store.transact(handlers.apply, ctx.body, ctx.principal, ctx.now, self.rules, actor=ctx.actor)
        return created(subsidy.public(), f"{PATH}/{subsidy.id}")

    @endpoint("POST", f"{ONE}/approve", roles=REVIEWERS, response="Subsidy", errors=(409,),
              summary="Approve an application (reviewer of the region, admin)")
    def approve_subsidy(self, ctx, subsidy_id):
        subsidy = self.store.transact(handlers.approve, subsidy_id, ctx.principal, ctx.now, actor=ctx.actor)
        SUBSIDIES_APPROVED.labels(subsidy.instrument).inc(float(subsidy.amount))
        return subsidy.public()

    @endpoint("POST", f"{ONE}/reject", roles=REVIEWERS, body=ReasonIn, response="Subsidy", errors=(409,),
              summary="Reject an application (reviewer of the region, admin)")
    def reject_subsidy(self, ctx, subsidy_id):
        return self.store.transact(handlers.reject, subsidy_id, ctx.body.reason, ctx.principal, ctx.now,
                                   actor=ctx.actor).public()

    @endpoint("GET", PATH, roles=(Roles.INSTITUTION, *REVIEWERS), query=SubsidyQuery, response="SubsidyPage",
              summary="List subsidy applications: the caller's organization's (reviewers: their region's; admins: "
                      "all), newest first")
    def list_subsidies(self, ctx):
        """Applications of the caller's organization (reviewers: their region's; admins: all), newest first,
        by status; paged like the pool."""
        query = scope(ctx.principal)
        if ctx.query.status:
            query["status"] = ctx.query.status
        return page(self.store, Subsidy, query, NEWEST, ctx.query)

    @endpoint("GET", ONE, roles=SIGNED_IN, response="Subsidy", summary="A subsidy application")
    def get_subsidy(self, ctx, subsidy_id):
        principal = ctx.principal
        subsidy = self.store.get(Subsidy, subsidy_id, missing=handlers.MISSING)
        if principal.org != subsidy.organization_id and not is_department(principal, subsidy.region_code):
            raise NotFound(handlers.MISSING)
        return subsidy.public()
