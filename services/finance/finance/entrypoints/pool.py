"""The financing project pool (投融资项目库): listing a financing need, browsing the pool (filter, sort,
page), one need, and withdrawing it. The work is in ``finance.handlers.pool``."""
from decimal import Decimal, InvalidOperation
from typing import Literal

from pydantic import Field, field_validator

from ttp_common import money, paging, regions
from ttp_common.auth import Roles
from ttp_common.consumer import consume
from ttp_common.endpoints import SIGNED_IN, created, endpoint
from ttp_common.regions import RegionScope

from .. import pool
from .. import pool_index as read_model
from ..documents import FinancingProject
from ..fields import ReasonIn
from ..handlers import pool as handlers
from ..projects import STAGES
from .common import page

PATH = "/api/v1/financing-projects"


class PoolQuery(paging.OffsetParams):
    """A pool query: exact filters, an amount range in yuan (whole fen), one of the sort orders."""

    instrument: Literal[tuple(pool.INSTRUMENTS)] | None = None
    stage: Literal[tuple(STAGES)] | None = None
    region: RegionScope | None = None
    industry: str | None = None
    organization: str | None = None
    achievement_id: str | None = Field(None, min_length=1, max_length=64, description="needs naming this achievement")
    min_amount: str | None = Field(None, description="yuan")
    max_amount: str | None = Field(None, description="yuan")
    sort: Literal[tuple(pool.SORTS)] = "newest"

    @field_validator("min_amount", "max_amount")
    @classmethod
    def _fen(cls, value):
        """The bound as integer fen (the pool's ``amount_fen``)."""
        try:
            amount = Decimal(value)
        except InvalidOperation:
            raise ValueError("must be a non-negative amount in yuan") from None
        if not amount.is_finite() or amount < 0 or amount >= pool.MAX_AMOUNT:
            raise ValueError("must be a non-negative amount in yuan")
        return money.to_fen(amount)  # a fraction of a fen: ValueError, as for any given amount

    def filter(self):
        """The MongoDB filter of the query; never a raw operator from the caller."""
        query = {"status": "listed"}
        for field, value in (("instruments", self.instrument), ("stage", self.stage), ("industry", self.industry),
                             ("organization_id", self.organization), ("achievement_ids", self.achievement_id)):
            if value is not None:
                query[field] = value
        bounds = {op: value for op, value in (("$gte", self.min_amount), ("$lte", self.max_amount))
                  if value is not None}
        if bounds:
            query["amount_fen"] = bounds
        return query | regions.query(self.region)


class PoolEntrypoints:
    """The financing project pool, and its read model's consumer."""

    pool_index = read_model.provider()

    @endpoint("POST", PATH, roles=(Roles.INSTITUTION, Roles.ADMIN), body=pool.FinancingProjectIn, status=201,
              response="FinancingProject", errors=(404, 409, 422),
              summary="List a financing need in the pool (institution of the organization, admin)",
              description="ip_pledge needs a registered technology contract or a published achievement of the "
                          "organization (409 otherwise), learnt from the transactions and registry events. Every "
                          "achievement_ids and contract_ids entry must be known from those events (registered or "
                          "published; registered): 422 unknown_link naming each entry otherwise, withdrawn "
                          "achievements included; an id announced moments ago may not have arrived yet (retry).")
    def list_financing_need(self, ctx):
        need = self.store.transact(handlers.list_need, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(need.public(), f"{PATH}/{need.id}")

    @endpoint("GET", PATH, roles=SIGNED_IN, query=PoolQuery, response="FinancingProjectPage",
              summary="Browse the pool (any authenticated caller): filter, sort, page")
    def browse_pool(self, ctx):
        """Investors (any authenticated caller) browse listed needs: filter, sort, page; from the read model when
        ``POOL_INDEX_DIR`` is set (``finance.pool_index``), with the same items, offsets and cursors."""
        params, sort = ctx.query, pool.SORTS[ctx.query.sort]
        if self.pool_index is None:
            return page(self.store, FinancingProject, params.filter(), sort, params)
        return paging.by_read_model(self.store.collection(FinancingProject), lambda doc: doc["status"] == "listed",
                                    sort, params, lambda raw: self.store.load(FinancingProject, raw).public(),
                                    lambda count, after: self.pool_index.ids(params, count, after))

    @consume(read_model.PROJECT_LISTED, read_model.PROJECT_WITHDRAWN, batch=True, group=pool_index.group,
             enabled=pool_index.configured)
    def index_financing_projects(self, events):
        """The pool's read model follows the listings and withdrawals, a batch per commit."""
        self.pool_index.apply([read_model.change(e.event_name, e.data) for e in events])

    @endpoint("GET", f"{PATH}/<string:financing_project_id>", roles=SIGNED_IN, response="FinancingProject",
              summary="A financing project")
    def get_financing_project(self, ctx, financing_project_id):
        return self.store.get(FinancingProject, financing_project_id).public()

    @endpoint("POST", f"{PATH}/<string:financing_project_id>/withdraw", roles=(Roles.INSTITUTION, Roles.ADMIN),
              body=ReasonIn, response="FinancingProject", errors=(409,),
              summary="Withdraw a financing need (its organization)")
    def withdraw_financing_need(self, ctx, financing_project_id):
        return self.store.transact(handlers.withdraw, financing_project_id, ctx.body.reason, ctx.principal, ctx.now,
                                   actor=ctx.actor).public()
