"""Start-up migrations of the registry's database: the Store runs ``RegistryService.migrations`` at every
start, so each is idempotent and a failure only logs (it runs again at the next start)."""
import logging

from ttp_common.mongo import Repository

from . import search
from .documents import PublicAchievement

log = logging.getLogger(__name__)


def add_search_fields(db):
    """Public copies stored before the sort keys and single-character terms get them, and the indexes of
    the former query plan go (each would cost every publication a multikey write)."""
    public = Repository.of(db).collection(PublicAchievement)
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
