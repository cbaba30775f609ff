"""The public query service's rules (公益查询): search terms, sort orders and page cursors.

Terms come from ``ttp_common.search_terms`` (character bigrams of CJK runs, whole Latin/digit
words); a published achievement also carries its single CJK characters, so a one-character query
such as "膜" finds "导热膜". A document matches a query when it has every term of the query, so
"石墨烯导热" finds "石墨烯导热膜中试技术" (bigrams 石墨 墨烯 烯导 导热 are all there).

Each sort order is one string field per document that ends in the achievement's id, so it is
unique: a page is "key below (or above) the cursor's key", one indexed range on one field. The
database is asked for one term (an equality an index serves on MongoDB and SecantusDB alike);
the service checks the other terms as documents stream by, in order, and stops at a full page or
after ``SCAN_BUDGET`` documents: then the page is short and its cursor goes on from the last
document read, so a query whose indexed term is common cannot make one request read everything.
"""
import base64
import binascii
import json
import unicodedata

from ttp_common.refusals import Invalid
from ttp_common.search_terms import CJK_CHARACTER, terms

__all__ = ["terms", "document_terms", "indexed_term", "sort_keys", "SORTS", "SCAN_BUDGET", "encode_cursor",
           "decode_cursor", "matches_all", "read_page"]

SCAN_BUDGET = 2000  # documents one request reads at most

# sort name -> (document field, direction: -1 descending)
SORTS = {
    "newest": ("newest_key", -1),     # newest publication first (default)
    "oldest": ("newest_key", 1),
    "maturity": ("maturity_key", -1),  # highest TRL first, newest first within a level
}


def document_terms(record):
    """What a published achievement is found by: title, keywords, summary, industry."""
    texts = [unicodedata.normalize("NFKC", text or "") for text in
             (record["title"], " ".join(record["keywords"]), record["summary"], record["industry"])]
    return sorted(set(terms(*texts)) | {c for text in texts for c in CJK_CHARACTER.findall(text)})


def indexed_term(wanted):
    """The query term the database is asked for: the longest (a word or bigram is rarer than a
    single character), the first of those in order; None without terms."""
    return max(wanted, key=len) if wanted else None


def sort_keys(published_at, achievement_id, trl):
    """The document's sort fields (see ``SORTS``): fixed-width, so string order is the wanted order."""
    newest = f"{published_at:%Y%m%dT%H%M%S.%f}/{achievement_id}"
    return {"newest_key": newest, "maturity_key": f"{trl}/{newest}"}


def matches_all(document_terms_, wanted):
    """True when the document has every wanted term."""
    return set(wanted) <= set(document_terms_)


def read_page(found, sort, wanted, limit):
    """One page of ``found`` (raw documents as the database streams them, in ``sort`` order): the first
    ``limit`` with every ``wanted`` term, reading until one more matches or ``SCAN_BUDGET`` documents were
    read. Returns (the page's documents, the next page's cursor or None): after a full page the cursor goes
    on from its last item, after the budget from the last document read (the page is short, maybe empty)."""
    field = SORTS[sort][0]
    docs, scanned, last_key = [], 0, None
    for doc in found:
        scanned, last_key = scanned + 1, doc[field]
        if matches_all(doc["terms"], wanted):
            docs.append(doc)
            if len(docs) > limit:
                break
        if scanned >= SCAN_BUDGET:
            break
    if len(docs) > limit:
        return docs[:limit], encode_cursor(sort, docs[limit - 1][field])
    if scanned >= SCAN_BUDGET:
        return docs, encode_cursor(sort, last_key)
    return docs, None


def encode_cursor(sort, key):
    """An opaque, stable page cursor: the sort order and the last item's key, base64url JSON."""
    return base64.urlsafe_b64encode(json.dumps([sort, key]).encode()).decode().rstrip("=")


def decode_cursor(cursor, sort):
    """The key a cursor continues after; refused (``Invalid``, on ``cursor``) when it is not ours or belongs to
    another sort order."""
    try:
        given_sort, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if given_sort not in SORTS or not isinstance(key, str):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Invalid("not a cursor this service returned", field="cursor") from None
    if given_sort != sort:
        raise Invalid(f"this cursor continues sort={given_sort}, not sort={sort}", field="cursor")
    return key
