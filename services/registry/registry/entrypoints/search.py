"""The public query service (公益查询) over published achievements, and its RPC for other services.

``GET /api/v1/achievements`` finds published achievements by Chinese or Latin words, region,
programme, type, dual use, organization and TRL range, newest first, with cursors;
``registry.get_published_achievement`` gives other services one public summary. The term
extraction and cursors are in ``registry.search``.
"""
import json

from ttp_common import web
from ttp_common.errors import ValidationFailed
from ttp_common.rpc import rpc
from ttp_common.web import http

from .. import search
from ..documents import PublicAchievement
from .common import RegistryHelpers


class SearchEntrypoints(RegistryHelpers):
    """Public search and the published-achievement RPC."""

    @http("GET", "/api/v1/achievements")
    @web.api
    def search_achievements(self, request):
        """The public query service (公益查询): published achievements only, newest first."""
        q = web.query_param(request, "q", default="")
        query = {}
        wanted = search.terms(q)
        if wanted:
            query["terms"] = {"$all": wanted}
        for name, field, kind in (("region", "region_code", str), ("programme", "programme", int),
                                  ("type", "type", str), ("dual_use", "dual_use", bool),
                                  ("organization", "organization_ids", str)):
            value = web.query_param(request, name, type=kind)
            if value is not None:
                query[field] = value
        trl_min = web.query_param(request, "trl_min", type=int, default=1)
        trl_max = web.query_param(request, "trl_max", type=int, default=9)
        if (trl_min, trl_max) != (1, 9):
            query["trl"] = {"$gte": trl_min, "$lte": trl_max}
        limit = web.query_param(request, "limit", type=int, default=20)
        if not 1 <= limit <= 100:
            raise ValidationFailed.at("limit", "must be between 1 and 100")
        cursor = web.query_param(request, "cursor")
        if cursor:
            published_at, last_id = search.decode_cursor(cursor)
            query["$or"] = [{"published_at": {"$lt": published_at}},
                            {"published_at": published_at, "_id": {"$lt": last_id}}]
        docs = list(self.store.db[PublicAchievement._get_collection_name()].find(query)
                    .sort([("published_at", -1), ("_id", -1)]).limit(limit + 1))
        items = [PublicAchievement._from_son(doc) for doc in docs[:limit]]
        next_cursor = search.encode_cursor(items[-1].published_at, items[-1].id) if len(docs) > limit else None
        return web.json_response({"items": [item.public() for item in items], "next_cursor": next_cursor})

    @rpc
    def get_published_achievement(self, achievement_id):
        """For other services: the public summary of a published achievement, or None."""
        doc = self.store.db[PublicAchievement._get_collection_name()].find_one({"_id": str(achievement_id)})
        return None if doc is None else json.loads(web.dumps(PublicAchievement._from_son(doc).public()))
