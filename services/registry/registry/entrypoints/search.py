"""The public query service (公益查询) over published achievements, and its RPC for other services.

``GET /api/v1/achievements`` finds published achievements by Chinese or Latin words, region,
programme, type, dual use, organization and TRL range, newest first (or oldest first, or most
mature first), with cursors. The query plan is ``registry.search``'s: the database is asked for one term
by equality and the filters, in the order of one unique sort key; the other terms are checked as the
documents stream by (``search.read_page``), at most ``search.SCAN_BUDGET`` of them per request.
``registry.get_published_achievement`` gives other services one public summary.

With ``SEARCH_INDEX_DIR`` set (``make run`` sets it), the pages come from the search read model instead
(``registry.search_index``: a tantivy index of this process, fed by the registry's own published and withdrawn
events through a consumer group of its own), the same results and cursors in milliseconds at the province's
scale; it follows the events, so an achievement appears there a moment after it is published.
"""
import json
from typing import Literal

from pydantic import Field, model_validator

from ttp_common import paging, regions, web
from ttp_common.consumer import consume
from ttp_common.endpoints import endpoint
from ttp_common.models import Query
from ttp_common.refusals import Invalid
from ttp_common.regions import RegionScope
from ttp_common.rpc import rpc

from .. import schemas, search
from .. import search_index as read_model
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


def index_filters(params):
    """The query's filters as the search read model takes them."""
    return {"region": params.region, "programme": params.programme, "type": params.type,
            "dual_use": params.dual_use, "organization": params.organization, "trl_range": params.trl_range}


class SearchEntrypoints:
    """Public search, its read model's consumer and the published-achievement RPC."""

    search_index = read_model.provider()

    @endpoint("GET", "/api/v1/achievements", query=SearchQuery, response=schemas.SEARCH_PAGE, described="A page",
              parameters={"region": {"schema": {"type": "string"}, "description":
                                     "GB/T 2260 code of a division, or 510000 for the whole province"}},
              summary="Public query service (公益查询): published achievements, newest first or as `sort` says")
    def search_achievements(self, ctx):
        params = ctx.query
        wanted = search.terms(params.q or "")
        if self.search_index is not None:
            return self._indexed_page(params, wanted)
        field, direction = search.SORTS[params.sort]
        found = self.store.collection(PublicAchievement).find(database_query(params, wanted)).sort(field, direction)
        try:
            docs, next_cursor = search.read_page(found.batch_size(params.limit + 1), params.sort, wanted,
                                                 params.limit)
        finally:
            found.close()
        return {"items": [self.store.load(PublicAchievement, doc).public() for doc in docs],
                "next_cursor": next_cursor}

    def _indexed_page(self, params, wanted):
        """A page found in the read model, its items read from the database by id (one withdrawn since the
        index last heard is left out)."""
        after = search.decode_cursor(params.cursor, params.sort) if params.cursor else None
        ids, last_key = self.search_index.page(wanted, index_filters(params), params.sort, params.limit, after)
        found = {doc["_id"]: doc for doc in self.store.collection(PublicAchievement).find({"_id": {"$in": ids}})}
        return {"items": [self.store.load(PublicAchievement, found[i]).public() for i in ids if i in found],
                "next_cursor": search.encode_cursor(params.sort, last_key) if last_key else None}

    @consume(read_model.ACHIEVEMENT_PUBLISHED, read_model.ACHIEVEMENT_WITHDRAWN, batch=True,
             group=search_index.group, enabled=search_index.configured)
    def index_public_achievements(self, events):
        """The search read model follows the registry's publications and withdrawals, a batch per commit."""
        self.search_index.apply([read_model.change(e.event_name, e.data) for e in events])

    @rpc
    def get_published_achievement(self, achievement_id):
        """For other services: the public summary of a published achievement, or None."""
        found = self.store.find_one(PublicAchievement, {"_id": str(achievement_id)})
        return None if found is None else json.loads(web.dumps(found.public()))
