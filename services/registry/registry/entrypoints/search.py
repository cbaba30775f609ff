"""The public query service (公益查询) over published achievements, and its RPC for other services.

``GET /api/v1/achievements`` finds published achievements by Chinese or Latin words, region,
programme, type, dual use, organization and TRL range, newest first (or oldest first, or most
mature first), with cursors;
``registry.get_published_achievement`` gives other services one public summary. The term
extraction and cursors are in ``registry.search``.
"""
import json
import logging

from ttp_common import paging, web
from ttp_common.errors import ValidationFailed
from ttp_common.rpc import rpc
from ttp_common.web import http

from .. import search
from ..achievements import ACHIEVEMENT_TYPES
from ..documents import PublicAchievement
from .common import RegistryHelpers


log = logging.getLogger(__name__)

PROGRAMMES = range(1, 16)  # the plan's 15 special programmes
TRL_LEVELS = range(1, 10)


def add_search_fields(db):
    """Migration: public copies stored before the sort keys and single-character terms get them, and the
    indexes of the former query plan go (each would cost every publication a multikey write)."""
    public = db[PublicAchievement._get_collection_name()]
    for doc in public.find({"newest_key": {"$exists": False}}):
        try:
            fields = {"terms": search.document_terms(doc["record"]),
                      **search.sort_keys(doc["published_at"], doc["_id"], doc["trl"])}
        except (KeyError, TypeError, ValueError):
            log.error("public achievement %s cannot be given its search fields", doc.get("_id"), exc_info=True)
            continue
        public.update_one({"_id": doc["_id"]}, {"$set": fields})
    for name in ("terms_1_published_at_-1__id_-1", "published_at_-1__id_-1"):
        if name in public.index_information():
            public.drop_index(name)


class SearchEntrypoints(RegistryHelpers):
    """Public search and the published-achievement RPC."""

    @http("GET", "/api/v1/achievements")
    @web.api
    def search_achievements(self, request):
        """The public query service (公益查询): published achievements only, in a chosen order."""
        wanted = search.terms(web.query_param(request, "q", default=""))
        indexed = search.indexed_term(wanted)
        query = {"terms": indexed} if indexed else {}  # one term for the index; the rest checked below
        query.update(self._region_filter(request))  # 510000: the whole province
        for name, field, kind, choices in (
                ("programme", "programme", int, PROGRAMMES),
                ("type", "type", str, ACHIEVEMENT_TYPES), ("dual_use", "dual_use", bool, None),
                ("organization", "organization_ids", str, None)):
            value = web.query_param(request, name, type=kind, choices=choices and list(choices))
            if value is not None:
                query[field] = value
        trl_min = web.query_param(request, "trl_min", type=int, default=1, choices=TRL_LEVELS)
        trl_max = web.query_param(request, "trl_max", type=int, default=9, choices=TRL_LEVELS)
        if trl_min > trl_max:
            raise ValidationFailed.at("trl_min", f"must not be above trl_max ({trl_max})")
        if (trl_min, trl_max) != (1, 9):
            query["trl"] = {"$gte": trl_min, "$lte": trl_max}
        limit = paging.limit(request)
        sort = web.query_param(request, "sort", default="newest", choices=list(search.SORTS))
        field, direction = search.SORTS[sort]
        cursor = web.query_param(request, "cursor")
        if cursor:
            query[field] = {"$lt" if direction < 0 else "$gt": search.decode_cursor(cursor, sort)}
        found = self.store.db[PublicAchievement._get_collection_name()].find(query).sort(field, direction)
        docs, scanned, last_key = [], 0, None
        for doc in found.batch_size(limit + 1):
            scanned, last_key = scanned + 1, doc[field]
            if search.matches_all(doc["terms"], wanted):
                docs.append(doc)
                if len(docs) > limit:
                    break
            if scanned >= search.SCAN_BUDGET:  # a short page; its cursor goes on after what was read
                break
        found.close()
        items = [PublicAchievement._from_son(doc) for doc in docs[:limit]]
        if len(docs) > limit:
            next_cursor = search.encode_cursor(sort, items[-1][field])
        elif scanned >= search.SCAN_BUDGET:
            next_cursor = search.encode_cursor(sort, last_key)
        else:
            next_cursor = None
        return web.json_response({"items": [item.public() for item in items], "next_cursor": next_cursor})

    @rpc
    def get_published_achievement(self, achievement_id):
        """For other services: the public summary of a published achievement, or None."""
        doc = self.store.db[PublicAchievement._get_collection_name()].find_one({"_id": str(achievement_id)})
        return None if doc is None else json.loads(web.dumps(PublicAchievement._from_son(doc).public()))
