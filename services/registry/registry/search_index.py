"""The public search's read model: published achievements in a tantivy index (``ttp_common.sorted_index``),
found by term and filter, in the order of ``registry.search.SORTS``, a page at a time.

Why: on the development database a page without keywords reads all 100,000 keys (~1.8 s) and a common
term's documents are fetched and sorted, so the database plan cannot answer a page in tens of milliseconds at
the province's scale. The index holds what a page needs to find and order the achievements (terms, filters,
sort values); the page's items are read from the database by id, so an item withdrawn since the index last
heard is left out, never shown stale. It is fed by the registry's own events
(``registry.achievement.published/withdrawn.v1``; see ``entrypoints.search``).

Pages match the database plan's exactly, cursors included: each sort is an unsigned value (publication time
in µs; for maturity the TRL above it) with the achievement's id as the tie-breaker, which is the order of the
plan's unique string keys (``newest_key``, ``maturity_key``), and a cursor's key converts to that pair and back.
"""
import datetime as dt

import tantivy
from prometheus_client import Gauge

from ttp_common import regions, sorted_index
from ttp_common.refusals import Invalid
from ttp_common.sorted_index import every, term

from . import search

__all__ = ["SearchIndex", "provider", "document", "change"]

UTC = dt.timezone.utc
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
KEY_TIME = "%Y%m%dT%H%M%S.%f"  # the head of newest_key (registry.search.sort_keys)
MATURITY_SHIFT = 54  # microseconds since 1970 stay below 2**54 until the year 2540
SORT_FIELDS = {"newest": "newest", "oldest": "newest", "maturity": "maturity"}  # sort -> numeric field


def _schema():
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in ("terms", "regions", "type", "organization_ids"):  # exact terms, several values each
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("programme", indexed=True)
    builder.add_integer_field("trl", indexed=True, fast=True)
    builder.add_boolean_field("dual_use", indexed=True)
    for name in set(SORT_FIELDS.values()):
        builder.add_unsigned_field(name, stored=True, indexed=True, fast=True)
    return builder.build()


SCHEMA = _schema()


def _micros(at):
    return (at - EPOCH) // dt.timedelta(microseconds=1)


def _sort_value(sort, key):
    """(numeric value, achievement id) of a document's unique string key of ``sort``; ``Invalid`` on ``cursor``
    for a key no page gave (a cursor is the caller's to send)."""
    try:
        head, achievement_id = key.rsplit("/", 1)
        trl, head = head.split("/", 1) if sort == "maturity" else ("0", head)
        if not trl.isdigit() or len(trl) != 1:
            raise ValueError
        return (int(trl) << MATURITY_SHIFT) | _micros(dt.datetime.strptime(head, KEY_TIME).replace(tzinfo=UTC)), \
            achievement_id
    except (ValueError, OverflowError):
        raise Invalid("not a cursor this service returned", field="cursor") from None


def _sort_key(sort, value, achievement_id):
    """The unique string key of ``sort`` of the pair (the inverse of ``_sort_value``)."""
    trl, micros = value >> MATURITY_SHIFT, value & ((1 << MATURITY_SHIFT) - 1)
    at = (EPOCH + dt.timedelta(microseconds=micros)).replace(tzinfo=None)
    return search.sort_keys(at, achievement_id, trl)[search.SORTS[sort][0]]


def document(achievement_id, record, published_at):
    """The index document of an achievement published at ``published_at`` (a datetime) with public ``record``
    (title, keywords, summary, industry, type, programme, trl, region_code, organization_ids, dual_use)."""
    doc = tantivy.Document(id=achievement_id)
    for value in search.document_terms(record):
        doc.add_text("terms", value)
    for prefix in regions.prefixes(record["region_code"]):  # found by any scope covering it
        doc.add_text("regions", prefix)
    doc.add_text("type", record["type"])
    for organization_id in record.get("organization_ids") or ():
        doc.add_text("organization_ids", organization_id)
    if record.get("programme") is not None:
        doc.add_integer("programme", record["programme"])
    doc.add_integer("trl", record["trl"])
    doc.add_boolean("dual_use", bool(record["dual_use"]))
    micros = _micros(published_at.astimezone(UTC))  # what newest_key and maturity_key order by, as numbers
    doc.add_unsigned("newest", micros)
    doc.add_unsigned("maturity", (record["trl"] << MATURITY_SHIFT) | micros)
    return doc


def query(wanted, filters):
    """Every ``wanted`` term and the filters (region, programme, type, dual_use, organization, trl_range)."""
    parts = [term(SCHEMA, "terms", value) for value in wanted]
    region = filters.get("region")
    if region not in (None, regions.PROVINCE):
        parts.append(term(SCHEMA, "regions", regions.prefix(region)))
    for name, field in (("type", "type"), ("organization", "organization_ids"), ("programme", "programme"),
                        ("dual_use", "dual_use")):
        if filters.get(name) is not None:
            parts.append(term(SCHEMA, field, filters[name]))
    low, high = filters.get("trl_range", (1, 9))
    if (low, high) != (1, 9):
        parts.append(tantivy.Query.range_query(SCHEMA, "trl", tantivy.FieldType.Integer, low, high))
    return every(*parts)


class SearchIndex(sorted_index.SortedIndex):
    """The published achievements of one index directory."""

    def __init__(self, path, writer=True):
        super().__init__(path, SCHEMA, writer)

    def page(self, wanted, filters, sort, limit, cursor_key=None):
        """The ids of one page of achievements with every ``wanted`` term that pass ``filters``, in ``sort``
        order after ``cursor_key`` (the unique string key a previous page ended with), and the key the next
        page goes on from (None at the end)."""
        after = _sort_value(sort, cursor_key) if cursor_key is not None else None
        found = self.ordered(query(wanted, filters), SORT_FIELDS[sort], search.SORTS[sort][1] < 0, limit + 1, after)
        return [achievement_id for _, achievement_id in found[:limit]], \
            (_sort_key(sort, *found[limit - 1]) if len(found) > limit else None)


# -- the read model in the service: fed by the registry's own events ---------------------------------------
ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"
ACHIEVEMENT_WITHDRAWN = "registry.achievement.withdrawn.v1"


def change(event_name, data):
    """What an event of the registry changes in the index."""
    if event_name == ACHIEVEMENT_PUBLISHED:
        return "put", document(data["achievement_id"], data, data["published_at"])
    return "delete", data["achievement_id"]


INDEXED = Gauge("ttp_search_index_documents", "Published achievements in the search read model of this process")


def provider():
    """The service's read model: the index in ``SEARCH_INDEX_DIR`` (one directory per instance) or None, and
    what the consumer feeding it needs (``enabled=…configured``, ``group=…group``)."""
    return sorted_index.IndexProvider("SEARCH_INDEX_DIR", SearchIndex, "ttp.registry.search_index", INDEXED)
