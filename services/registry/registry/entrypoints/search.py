"""The public query service (公益查询) over published achievements, and its RPC for other services.

``GET /api/v1/achievements`` finds published achievements by Chinese or Latin words, region,
programme, type, dual use, organization and TRL range, newest first (or oldest first, or most
mature first), with cursors. The query plan is ``registry.search``'s: the database is asked for one term
by equality and the filters, in the order of one unique sort key; the other terms are checked as the
documents stream by (``search.read_page``), at most ``search.SCAN_BUDGET`` of them per request.
``registry.get_published_achievement`` gives other services one public summary.
"""
import json
from typing import Literal

from pydantic import Field, model_validator

from ttp_common import paging, regions, web
from ttp_common.endpoints import endpoint
from ttp_common.models import Query
from ttp_common.refusals import Invalid
from ttp_common.regions import RegionScope
from ttp_common.rpc import rpc

from .. import schemas, search
from ..achievements import ACHIEVEMENT_TYPES
from ..documents import PublicAchievement

TRL = {"ge": 1, "le": 9}  # technology readiness levels 1-9


class SearchQuery(Query):
    q: str | None = Field(None, description="keywords, Chinese or Latin; every term must match (title, keywords, "
                                            "summary, industry)")
    region: RegionScope | None = None
    programme: int | None = Field(None, ge=1, le=15)  # the plan's 15 special programmes
    type: Literal[tuple(ACHIEVEMENT_TYPES)] | None = None
    dual_use: bool | None = None
    organization: str | None = None
    trl_min: int | None = Field(None, **TRL)
    trl_max: int | None = Field(None, **TRL)
    limit: int = Field(20, ge=1, le=paging.MAX_LIMIT)
    sort: Literal[tuple(search.SORTS)] = Field("newest", description=(
        "newest: latest publication first; oldest: earliest first; maturity: highest TRL first, newest first "
        "within a level"))
    cursor: str | None = Field(None, description="next_cursor of the previous page (of the same sort)")

    @model_validator(mode="after")
    def _trl_range(self):
        low, high = self.trl_range
        if low > high:
            raise Invalid(f"must not be above trl_max ({high})", field="trl_min")
        return self

    @property
    def trl_range(self):
        return (1 if self.trl_min is None else self.trl_min), (9 if self.trl_max is None else self.trl_max)


def database_query(params, wanted):
    """What the database is asked: one of the ``wanted`` terms by equality, the filters, the TRL range and the
    cursor's side of the sort key."""
    indexed = search.indexed_term(wanted)
    query = {"terms": indexed} if indexed else {}  # one term for the index; the rest checked as they stream
    query.update(regions.query(params.region))  # 510000: the whole province
    for field, value in (("programme", params.programme), ("type", params.type), ("dual_use", params.dual_use),
                         ("organization_ids", params.organization)):
        if value is not None:
            query[field] = value
    if params.trl_range != (1, 9):
        query["trl"] = {"$gte": params.trl_range[0], "$lte": params.trl_range[1]}
    field, direction = search.SORTS[params.sort]
    if params.cursor:
        query[field] = {"$lt" if direction < 0 else "$gt": search.decode_cursor(params.cursor, params.sort)}
    return query


class SearchEntrypoints:
    """Public search and the published-achievement RPC."""

    @endpoint("GET", "/api/v1/achievements", query=SearchQuery, response=schemas.SEARCH_PAGE, described="A page",
              parameters={"region": {"schema": {"type": "string"}, "description":
                                     "GB/T 2260 code of a division, or 510000 for the whole province"}},
              summary="Public query service (公益查询): published achievements, newest first or as `sort` says")
    def search_achievements(self, ctx):
        params = ctx.query
        wanted = search.terms(params.q or "")
        field, direction = search.SORTS[params.sort]
        found = self.store.collection(PublicAchievement).find(database_query(params, wanted)).sort(field, direction)
        try:
            docs, next_cursor = search.read_page(found.batch_size(params.limit + 1), params.sort, wanted,
                                                 params.limit)
        finally:
            found.close()
        return {"items": [self.store.load(PublicAchievement, doc).public() for doc in docs],
                "next_cursor": next_cursor}

    @rpc
    def get_published_achievement(self, achievement_id):
        """For other services: the public summary of a published achievement, or None."""
        found = self.store.find_one(PublicAchievement, {"_id": str(achievement_id)})
        return None if found is None else json.loads(web.dumps(found.public()))
