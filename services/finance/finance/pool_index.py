"""The financing project pool's read model: listed financing needs in a tantivy index
(``ttp_common.sorted_index``), filtered as ``GET /api/v1/financing-projects`` filters and ordered as
``finance.pool.SORTS`` orders (newest, amount descending, amount ascending; the id breaks ties), so that the
pool answers in milliseconds at 100,000 projects where the development database takes seconds (it reads
every candidate before it sorts). Fed by the finance service's own ``finance.financing_project.listed/
withdrawn.v1`` events; the page's items are read from the database by id (``paging.by_read_model``), so the
answer's items, offsets and cursors are those of the database query, and a need withdrawn since the index
last heard is left out.
"""
import datetime as dt

import tantivy
from prometheus_client import Gauge

from ttp_common import money, regions, sorted_index
from ttp_common.sorted_index import every, term

__all__ = ["PoolIndex", "provider", "document", "change", "SORT_FIELDS"]

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
SORT_FIELDS = {"newest": ("listed_at", True), "amount_desc": ("amount_fen", True),
               "amount_asc": ("amount_fen", False)}  # sort -> (unsigned field, descending)
FILTERS = {"instrument": "instruments", "stage": "stage", "industry": "industry", "organization": "organization_id",
           "achievement_id": "achievement_ids"}  # query parameter -> exact-term field


def _schema():
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    for field in (*FILTERS.values(), "regions"):
        builder.add_text_field(field, tokenizer_name="raw", index_option="basic")
    for field in ("listed_at", "amount_fen"):
        builder.add_unsigned_field(field, stored=True, indexed=True, fast=True)
    return builder.build()


SCHEMA = _schema()


def _ms(at):
    at = at if at.tzinfo else at.replace(tzinfo=dt.timezone.utc)
    return (at - EPOCH) // dt.timedelta(milliseconds=1)


def document(data):
    """The index document of a listed financing need (the data of ``finance.financing_project.listed.v1``)."""
    doc = tantivy.Document(id=data["financing_project_id"], stage=data["stage"], industry=data["industry"],
                           organization_id=data["organization_id"])
    for field, values in (("instruments", data["instruments"]), ("achievement_ids", data.get("achievement_ids") or ())):
        for value in values:
            doc.add_text(field, value)
    for prefix in regions.prefixes(data["region_code"]):  # found by any scope covering it
        doc.add_text("regions", prefix)
    doc.add_unsigned("listed_at", _ms(data["listed_at"]))
    doc.add_unsigned("amount_fen", money.to_fen(data["amount"]))
    return doc


def query(params):
    """The pool query's filters (``entrypoints.pool.PoolQuery``) as an index query."""
    parts = [term(SCHEMA, field, getattr(params, name)) for name, field in FILTERS.items()
             if getattr(params, name) is not None]
    if params.region not in (None, regions.PROVINCE):
        parts.append(term(SCHEMA, "regions", regions.prefix(params.region)))
    if params.min_amount is not None or params.max_amount is not None:
        parts.append(tantivy.Query.range_query(SCHEMA, "amount_fen", tantivy.FieldType.Unsigned,
                                               params.min_amount, params.max_amount))
    return every(*parts)


class PoolIndex(sorted_index.SortedIndex):
    """The listed financing needs of one index directory."""

    def __init__(self, path, writer=True):
        super().__init__(path, SCHEMA, writer)

    def ids(self, params, count, after):
        """The ids of at least the first ``count`` needs of the pool query ``params`` in its order, after the
        keyset ``after`` (the cursor's [sort value, id], ``paging.by_read_model``) when given."""
        field, descending = SORT_FIELDS[params.sort]
        if after is not None:
            value, last_id = after
            after = (_ms(value) if isinstance(value, dt.datetime) else value, last_id)
        return [project_id for _, project_id in self.ordered(query(params), field, descending, count, after)]


# -- the read model in the service: fed by the finance service's own events --------------------------------
PROJECT_LISTED = "finance.financing_project.listed.v1"
PROJECT_WITHDRAWN = "finance.financing_project.withdrawn.v1"


def change(event_name, data):
    """What an event of the pool changes in the index."""
    if event_name == PROJECT_LISTED:
        return "put", document(data)
    return "delete", data["financing_project_id"]


INDEXED = Gauge("ttp_pool_index_documents", "Listed financing needs in the pool's read model of this process")


def provider():
    """The service's read model: the index in ``POOL_INDEX_DIR`` (one directory per instance) or None, and
    what the consumer feeding it needs (``enabled=…configured``, ``group=…group``)."""
    return sorted_index.IndexProvider("POOL_INDEX_DIR", PoolIndex, "ttp.finance.pool_index", INDEXED)
