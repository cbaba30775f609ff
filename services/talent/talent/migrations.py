"""Start-up migrations of the talent database: the Store runs ``TalentService.migrations`` at every
start, so each is idempotent and a failure only logs (it runs again at the next start)."""
import logging
from types import SimpleNamespace

from pymongo.errors import DuplicateKeyError

from ttp_common.mongo import Repository

from . import people
from .documents import Post

log = logging.getLogger(__name__)


def natural_key(doc):
    """The key a stored post or participation must have (``people.post_key``/``participation_key``),
    from its record; None when the record lacks what the key needs."""
    record = doc.get("record") or {}
    try:
        if doc["category"] == "post":
            return people.post_key(doc["person_id"], SimpleNamespace(
                organization_id=record["organization_id"], post_kind=record.get("post_kind") or "transfer_post"))
        if doc["category"] == "programme":
            return people.participation_key(doc["person_id"], SimpleNamespace(
                programme=record["programme"], programme_name=record.get("programme_name") or "",
                year=record["year"]))
    except (KeyError, TypeError, AttributeError):
        pass
    return None


def key_posts(db):
    """Migration: posts and participations stored before their natural key (keyless: the sparse unique
    index skipped them, so a repeat was accepted and counted twice) get it, and participations keyed by
    programme name as well (the key is now programme and year, ``people.participation_key``).

    Oldest first: when two would get the same key (or one already holds it), the first keeps it and the
    other is left as it is and logged, to be resolved by hand (start-up goes on). Returns
    ``(keyed, duplicates)``."""
    posts = Repository.of(db).collection(Post)
    keyed = duplicates = 0
    # post keys never changed form: only keyless posts; participations: every one (their key changed form)
    query = {"$or": [{"key": None}, {"category": "programme"}]}
    for doc in posts.find(query, {"person_id": 1, "category": 1, "key": 1, "record": 1}).sort(
            [("created_at", 1), ("_id", 1)]):
        key = natural_key(doc)
        if key is None:
            log.error("%s %s has no natural key: its record lacks what the key needs", doc.get("category"),
                      doc["_id"])
            continue
        if doc.get("key") == key:
            continue
        holder = posts.find_one({"key": key}, {"_id": 1})
        if holder is None:
            try:
                posts.update_one({"_id": doc["_id"]}, {"$set": {"key": key}})
                keyed += 1
                continue
            except DuplicateKeyError:  # registered meanwhile
                holder = posts.find_one({"key": key}, {"_id": 1}) or {"_id": "?"}
        duplicates += 1
        log.warning("%s %s repeats %s (key %s): left as it was; remove the duplicate by hand",
                    doc["category"], doc["_id"], holder["_id"], key)
    if keyed or duplicates:
        log.info("posts and participations keyed: %d; duplicates left: %d", keyed, duplicates)
    return keyed, duplicates
