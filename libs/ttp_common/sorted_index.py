"""Read models on a search library (tantivy): documents found by terms and filters, taken in the order of a
numeric field with their id as the tie-breaker, a page at a time. The plumbing under ``registry.search_index``
(the public achievement search) and ``finance.pool_index`` (the financing project pool).

Why: the development database walks a whole index range before it limits (SecantusDB 0.7.0b3: a page without
filters reads every key of a 100,000-document collection, ~1.8 s; a filter's documents are fetched and
sorted), so the database cannot answer a page in milliseconds at the province's scale. An inverted index
collects the documents that match and keeps the top of a fast field.

A service keeps one index directory per process (tantivy locks it for one writer), fed by its own events
through a consumer group of its own whose name is kept in the directory (``consumer_group``): a restart goes
on from its offsets, a new directory reads every event from the start. Applying an event replaces or
deletes a document by id, so a replay converges to the same index.

Order: a sort is an unsigned fast field (stored too) and a direction; documents with the same value are
ordered by id in the same direction, so (value, id) is unique and a cursor is exact. The documents of the
value a page ends at are read whole (``TIE_LIMIT``), so a page never splits them wrongly.
"""
import os
import threading
import uuid

import tantivy
from nameko.extensions import DependencyProvider

from .errors import ValidationFailed

__all__ = ["SortedIndex", "IndexProvider", "consumer_group", "term", "every", "TIE_LIMIT"]

TIE_LIMIT = 100_000  # documents of one sort value read at a page's edge (a bulk publication shares one instant)
GROUP_FILE = "consumer-group"


def term(schema, field, value):
    """Documents whose ``field`` holds exactly ``value`` (a raw text, integer or boolean field)."""
    return tantivy.Query.term_query(schema, field, value, index_option="basic") if isinstance(value, str) \
        else tantivy.Query.term_query(schema, field, value)


def every(*queries):
    """Documents matching all of ``queries`` (all documents for none)."""
    if not queries:
        return tantivy.Query.all_query()
    return queries[0] if len(queries) == 1 else \
        tantivy.Query.boolean_query([(tantivy.Occur.Must, query) for query in queries])


def consumer_group(directory, prefix):
    """The consumer group that feeds the index in ``directory``: ``<prefix>.<random id>``, written into the
    directory when it is first asked for."""
    path = os.path.join(directory, GROUP_FILE)
    os.makedirs(directory, exist_ok=True)
    if not os.path.exists(path):
        with open(path, "x", encoding="utf-8") as out:
            out.write(f"{prefix}.{uuid.uuid4().hex[:12]}\n")
    with open(path, encoding="utf-8") as given:
        return given.read().strip()


class IndexProvider(DependencyProvider):
    """A service's read model: an ``index_class(directory)`` when the config's ``setting`` names a directory, else
    None (the database answers). ``gauge`` (a prometheus Gauge) shows how many documents it holds. The consumer
    that feeds it takes ``enabled=provider.configured, group=provider.group``."""

    index = None

    def __init__(self, setting, index_class, group_prefix, gauge, **kwargs):
        self.setting, self.index_class, self.group_prefix, self.gauge = setting, index_class, group_prefix, gauge
        super().__init__(**kwargs)

    def setup(self):
        if self.configured(self.container.config):
            self.index = self.index_class(self.container.config[self.setting])
            self.gauge.set_function(self.index.count)

    def get_dependency(self, worker_ctx):
        return self.index

    def configured(self, config):
        return bool(config.get(self.setting))

    def group(self, config):
        return consumer_group(config[self.setting], self.group_prefix)


class SortedIndex:
    """One index directory with ``schema`` (a raw, stored ``id`` text field and the unsigned sort fields, each
    indexed, stored and fast): one writer (the process consuming the events), any number of readers."""

    def __init__(self, path, schema, writer=True):
        os.makedirs(path, exist_ok=True)
        self.schema = schema
        self.index = tantivy.Index(schema, path=path, reuse=True)
        self.index.config_reader(reload_policy="Manual")
        self._writer = self.index.writer(heap_size=15_000_000, num_threads=1) if writer else None
        self._writing = threading.Lock()  # batches of several partitions may be handled at once

    def apply(self, changes):
        """Apply ``changes`` in order, one commit: ``("put", document)`` replaces the document with its id,
        ``("delete", id)`` deletes it."""
        with self._writing:
            for kind, value in changes:
                if kind == "put":
                    self._writer.delete_documents_by_term("id", value.get_first("id"))
                    self._writer.add_document(value)
                else:
                    self._writer.delete_documents_by_term("id", value)
            self._writer.commit()
        self.index.reload()

    def count(self):
        self.index.reload()
        return self.index.searcher().num_docs

    def ordered(self, query, field, descending, count, after=None):
        """At least the first ``count`` (value, id) of ``query`` in order by ``field`` and id (fewer at the end),
        after the pair ``after`` when given (from a caller's cursor: a 400 naming ``cursor`` unless it is an
        unsigned 64-bit value and an id)."""
        self.index.reload()
        searcher = self.index.searcher()
        found = []
        if after is not None:  # the rest of the cursor's value first, then what lies beyond it
            value, last_id = after
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 1 << 64 \
                    or not isinstance(last_id, str):
                raise ValidationFailed.at("cursor", "not a cursor this service returned")
            found = [hit for hit in self._equal(searcher, query, field, value, descending)
                     if (hit[1] < last_id if descending else hit[1] > last_id)]
            if value == (0 if descending else (1 << 64) - 1):  # nothing lies beyond it
                return found
            beyond = self._range(field, None, value - 1) if descending else self._range(field, value + 1, None)
            query = every(query, beyond)
        if len(found) < count:
            found += self._top(searcher, query, field, descending, count - len(found))
        return found

    def _top(self, searcher, query, field, descending, count):
        """The top ``count`` by ``field`` holds every document of the values before the last one it reached;
        that last value is read whole."""
        order = tantivy.Order.Desc if descending else tantivy.Order.Asc
        hits = searcher.search(query, count, count=False, order_by_field=field, order=order).hits
        if not hits:
            return []
        last = hits[-1][0]
        head = sorted(((value, searcher.doc(address).get_first("id")) for value, address in hits if value != last),
                      reverse=descending)
        return head + self._equal(searcher, query, field, last, descending)

    def _equal(self, searcher, query, field, value, descending):
        """Every (value, id) of ``query`` whose ``field`` is ``value``, by id."""
        hits = searcher.search(every(query, self._range(field, value, value)), TIE_LIMIT, count=False).hits
        return sorted(((value, searcher.doc(address).get_first("id")) for _, address in hits), reverse=descending)

    def _range(self, field, low, high):
        return tantivy.Query.range_query(self.schema, field, tantivy.FieldType.Unsigned, low, high)
