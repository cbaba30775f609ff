"""The public search's read model on a search library (tantivy): published achievements, by term and filter,
in the order of ``registry.search.SORTS``, a page at a time.

Why: the development database walks a whole index range before it limits (SecantusDB 0.7.0b3: a page without
keywords reads all 100,000 keys, ~1.8 s; a common term's documents are fetched and sorted), so the database
plan cannot answer a page in tens of milliseconds at the province's scale. An inverted index collects the
documents holding every term, filtered, and keeps the top of a fast field, in a few milliseconds.

The index is fed by the registry's own events (``registry.achievement.published/withdrawn.v1``; see
``entrypoints.search``): applying an event replaces or deletes the achievement's document by id, so a
replay converges to the same index. It holds what a page needs to find and order the achievements (terms,
filters, sort keys); the page's items are read from the database by id, so an item withdrawn since the index
last heard is left out, never shown stale.

Pages match the database plan's results exactly (same terms, filters and sort keys, same cursors): a sort is
one unsigned fast field (publication time in microseconds; for maturity the TRL above it) that ties only at
the same instant, and the unique string key (``newest_key``, ``maturity_key``) orders the ties, which are
read whole at a page's edges.
"""
import datetime as dt
import os
import threading
import uuid

import tantivy
from nameko.extensions import DependencyProvider
from prometheus_client import Gauge

from ttp_common import regions

from . import search

__all__ = ["SearchIndex", "SearchIndexProvider", "document", "change", "configured", "consumer_group", "SORT_FIELDS"]

UTC = dt.timezone.utc
MATURITY_SHIFT = 54  # microseconds since 1970 stay below 2**54 until the year 2540
TIE_LIMIT = 100_000  # documents of one instant read at a page's edge (a bulk publication shares one `at`)
# sort name -> (numeric fast field, unique string key stored beside it)
SORT_FIELDS = {"newest": ("newest", "newest_key"), "oldest": ("newest", "newest_key"),
               "maturity": ("maturity", "maturity_key")}


def _schema():
    builder = tantivy.SchemaBuilder()
    for name in ("id", "newest_key", "maturity_key"):
        builder.add_text_field(name, stored=True, tokenizer_name="raw")
    for name in ("terms", "regions", "type", "organization_ids"):  # exact terms, several values each
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("programme", indexed=True)
    builder.add_integer_field("trl", indexed=True, fast=True)
    builder.add_boolean_field("dual_use", indexed=True)
    builder.add_unsigned_field("newest", indexed=True, fast=True)
    builder.add_unsigned_field("maturity", indexed=True, fast=True)
    return builder.build()


SCHEMA = _schema()


def _micros(newest_key):
    """The publication instant at the head of a ``newest_key`` (``YYYYmmddTHHMMSS.ffffff/<id>``), in µs."""
    at = dt.datetime.strptime(newest_key.split("/", 1)[0], "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
    return (at - dt.datetime(1970, 1, 1, tzinfo=UTC)) // dt.timedelta(microseconds=1)


def _numeric(sort, key):
    """The numeric sort value of a document's unique string key of ``sort``."""
    if sort == "maturity":
        trl, newest_key = key.split("/", 1)
        return (int(trl) << MATURITY_SHIFT) | _micros(newest_key)
    return _micros(key)


def document(achievement_id, record, published_at):
    """The index document of an achievement published at ``published_at`` (a datetime) with public ``record``
    (title, keywords, summary, industry, type, programme, trl, region_code, organization_ids, dual_use)."""
    keys = search.sort_keys(published_at.astimezone(UTC).replace(tzinfo=None), achievement_id, record["trl"])
    doc = tantivy.Document(id=achievement_id, newest_key=keys["newest_key"], maturity_key=keys["maturity_key"])
    for term in search.document_terms(record):
        doc.add_text("terms", term)
    code = record["region_code"]
    for prefix in {code, code[:4], code[:2]}:  # a county is found by itself, its prefecture and the province
        doc.add_text("regions", prefix)
    doc.add_text("type", record["type"])
    for organization_id in record.get("organization_ids") or ():
        doc.add_text("organization_ids", organization_id)
    if record.get("programme") is not None:
        doc.add_integer("programme", record["programme"])
    doc.add_integer("trl", record["trl"])
    doc.add_boolean("dual_use", bool(record["dual_use"]))
    doc.add_unsigned("newest", _numeric("newest", keys["newest_key"]))
    doc.add_unsigned("maturity", _numeric("maturity", keys["maturity_key"]))
    return doc


class SearchIndex:
    """One index directory: one writer (the process that consumes the events), any number of readers."""

    def __init__(self, path, writer=True):
        os.makedirs(path, exist_ok=True)
        self.path = path
        self.index = tantivy.Index(SCHEMA, path=path, reuse=True)
        self.index.config_reader(reload_policy="Manual")
        self._writer = self.index.writer(heap_size=15_000_000, num_threads=1) if writer else None
        self._writing = threading.Lock()  # batches of several partitions may be handled at once

    # -- writing --------------------------------------------------------
    def apply(self, changes):
        """Apply ``changes`` in order, one commit: ``("published", document)`` replaces the achievement's
        document, ``("withdrawn", achievement_id)`` deletes it."""
        with self._writing:
            for kind, value in changes:
                if kind == "published":
                    self._writer.delete_documents_by_term("id", value.get_first("id"))
                    self._writer.add_document(value)
                else:
                    self._writer.delete_documents_by_term("id", value)
            self._writer.commit()
        self.index.reload()

    def count(self):
        self.index.reload()
        return self.index.searcher().num_docs

    # -- reading --------------------------------------------------------
    def page(self, wanted, filters, sort, limit, cursor_key=None):
        """The ids of one page of achievements with every ``wanted`` term that pass ``filters`` (region,
        programme, type, dual_use, organization, trl_range), in ``sort`` order after ``cursor_key`` (the
        unique string key a previous page ended with), and the key the next page goes on from (None at
        the end)."""
        numeric, key_field = SORT_FIELDS[sort]
        descending = search.SORTS[sort][1] < 0
        query = self._query(wanted, filters)
        self.index.reload()
        searcher = self.index.searcher()
        found = []
        if cursor_key is not None:  # the rest of the cursor's instant first, then what lies beyond it
            at = _numeric(sort, cursor_key)
            found = [hit for hit in self._instant(searcher, query, numeric, key_field, at, descending)
                     if (hit[1] < cursor_key if descending else hit[1] > cursor_key)]
            query = self._and(query, self._range(numeric, None, at - 1) if descending
                              else self._range(numeric, at + 1, None))
        if len(found) <= limit:
            found += self._ordered(searcher, query, numeric, key_field, limit + 1 - len(found), descending)
        page = [achievement_id for achievement_id, _ in found[:limit]]
        return page, (found[limit - 1][1] if len(found) > limit else None)

    def _ordered(self, searcher, query, numeric, key_field, count, descending):
        """At least the first ``count`` (id, key) of ``query`` in order. Top ``count`` by the numeric field
        holds every document of the values before the last one it reached; that last instant is read whole."""
        order = tantivy.Order.Desc if descending else tantivy.Order.Asc
        hits = searcher.search(query, count, count=False, order_by_field=numeric, order=order).hits
        if not hits:
            return []
        last = hits[-1][0]
        head = sorted(((value, *self._hit(searcher, address, key_field)) for value, address in hits
                       if value != last), key=lambda hit: (hit[0], hit[2]), reverse=descending)
        return [hit[1:] for hit in head] + self._instant(searcher, query, numeric, key_field, last, descending)

    def _instant(self, searcher, query, numeric, key_field, at, descending):
        """Every (id, key) of ``query`` at one numeric sort value, in key order."""
        if at < 0:
            return []
        hits = searcher.search(self._and(query, self._range(numeric, at, at)), TIE_LIMIT, count=False).hits
        return sorted((self._hit(searcher, address, key_field) for _, address in hits),
                      key=lambda hit: hit[1], reverse=descending)

    @staticmethod
    def _hit(searcher, address, key_field):
        doc = searcher.doc(address)
        return doc.get_first("id"), doc.get_first(key_field)

    # -- queries --------------------------------------------------------
    def _query(self, wanted, filters):
        parts = [tantivy.Query.term_query(SCHEMA, "terms", term, index_option="basic") for term in wanted]
        region = filters.get("region")
        if region not in (None, regions.PROVINCE):
            parts.append(tantivy.Query.term_query(SCHEMA, "regions", regions.prefix(region), index_option="basic"))
        for name, field in (("type", "type"), ("organization", "organization_ids")):
            if filters.get(name) is not None:
                parts.append(tantivy.Query.term_query(SCHEMA, field, filters[name], index_option="basic"))
        if filters.get("programme") is not None:
            parts.append(tantivy.Query.term_query(SCHEMA, "programme", filters["programme"]))
        if filters.get("dual_use") is not None:
            parts.append(tantivy.Query.term_query(SCHEMA, "dual_use", filters["dual_use"]))
        low, high = filters.get("trl_range", (1, 9))
        if (low, high) != (1, 9):
            parts.append(tantivy.Query.range_query(SCHEMA, "trl", tantivy.FieldType.Integer, low, high))
        if not parts:
            return tantivy.Query.all_query()
        return parts[0] if len(parts) == 1 else self._and(*parts)

    @staticmethod
    def _and(*queries):
        return tantivy.Query.boolean_query([(tantivy.Occur.Must, query) for query in queries])

    @staticmethod
    def _range(numeric, low, high):
        return tantivy.Query.range_query(SCHEMA, numeric, tantivy.FieldType.Unsigned, low, high)


# -- the read model in the service: fed by the registry's own events ---------------------------------------
ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"
ACHIEVEMENT_WITHDRAWN = "registry.achievement.withdrawn.v1"
GROUP_FILE = "consumer-group"


def configured(config):
    """Whether the service keeps a search index (``SEARCH_INDEX_DIR`` names its directory)."""
    return bool(config.get("SEARCH_INDEX_DIR"))


def consumer_group(config):
    """The consumer group that feeds this directory's index: its own, written into the directory when the
    index is made, so a restart goes on from its offsets and a new (empty) directory reads every event."""
    path = os.path.join(config["SEARCH_INDEX_DIR"], GROUP_FILE)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if not os.path.exists(path):
        with open(path, "x", encoding="utf-8") as out:
            out.write(f"ttp.registry.search_index.{uuid.uuid4().hex[:12]}\n")
    with open(path, encoding="utf-8") as given:
        return given.read().strip()


def change(event_name, data):
    """What an event of the registry changes in the index."""
    if event_name == ACHIEVEMENT_PUBLISHED:
        return "published", document(data["achievement_id"], data, data["published_at"])
    return "withdrawn", data["achievement_id"]


INDEXED = Gauge("ttp_search_index_documents", "Published achievements in the search read model of this process")


class SearchIndexProvider(DependencyProvider):
    """``self.search_index``: the process's index when ``SEARCH_INDEX_DIR`` is set, else None (the database plan
    answers). One process writes a directory (tantivy holds a lock): one directory per instance."""

    index = None

    def setup(self):
        if configured(self.container.config):
            self.index = SearchIndex(self.container.config["SEARCH_INDEX_DIR"])
            INDEXED.set_function(self.index.count)

    def get_dependency(self, worker_ctx):
        return self.index
