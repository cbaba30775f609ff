"""Paging of the services' list endpoints: the ``limit`` and ``offset`` query parameters, offset pages,
and keyset pages with opaque cursors.

- ``by_offset``: ``limit`` 1–100 (default 20) and ``offset`` 0–10,000, in a fixed sort order, or ``cursor``
  instead of ``offset`` (keyset: no limit on depth, nothing skipped or repeated when records arrive); every
  page says whether more follow (``next_cursor``, null on the last).
- ``by_time``: newest first by (a time field, ``_id``); the cursor holds the time (milliseconds) and
  id of the page's last item and is passed back in the request parameter the endpoint names.
- ``by_id``: by ``_id`` alone; the cursor holds only an id the page showed (for lists whose times
  must not be revealed, such as people).
- ``by_sort``: any fixed order (e.g. a queue oldest first, projects by due date), ``_id`` breaking ties; the
  cursor holds the sort values of the page's last item.

Cursors are base64url JSON, null on the last page; one a service did not return is a 400 naming the
parameter.

Declared endpoints take their paging parameters from a query model (``LimitParams``, ``OffsetParams``,
``CursorParams``, ``BeforeParams``, or a model extending one) and call ``by_offset``, ``by_time`` or ``by_id``.
"""
import base64
import binascii
import datetime as dt
import json

from pydantic import Field

from .errors import ValidationFailed
from .models import Query

MAX_LIMIT, MAX_OFFSET = 100, 10_000
OFFSET_MARK = "@offset"  # the first element of an offset cursor (see _after)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class LimitParams(Query):
    """A list of at most ``limit`` items (ranked or newest first), without further pages."""

    limit: int = Field(20, ge=1, le=MAX_LIMIT)


class OffsetParams(Query):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="items to skip (page numbers); or cursor instead")
    cursor: str | None = Field(None, description="next_cursor of the previous page (instead of offset)")


class CursorParams(Query):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, description="next_cursor of the previous page")


class BeforeParams(Query):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    before: str | None = Field(None, description="next_before of the previous page: items older than it")


def _items(item):
    return {"$ref": f"#/components/schemas/{item}"} if isinstance(item, str) else item


def offset_page_schema(item):
    """The JSON schema of a ``by_offset`` page of ``item`` (a component schema name, or a schema)."""
    return {"type": "object", "required": ["items", "offset", "limit", "next_cursor"],
            "properties": {"items": {"type": "array", "items": _items(item)},
                           "offset": {"type": "integer"}, "limit": {"type": "integer"},
                           "next_cursor": {"type": ["string", "null"],
                                           "description": "the next page's cursor; null: no more follow"}}}


def by_offset(collection, query, sort, params, view):
    """``{"items", "offset", "limit", "next_cursor"}``: one page of ``query`` in ``sort`` order (``params``:
    ``OffsetParams``: ``offset``, or ``cursor`` from the previous page), each raw document given to ``view``."""
    skip = _skip(params)
    if skip is None:
        docs, next_cursor = by_sort(collection, query, sort, params.limit, params.cursor)
    else:
        docs = list(collection.find(query).sort(_with_id(sort)).skip(skip).limit(params.limit + 1))
        more, docs = len(docs) > params.limit, docs[:params.limit]
        next_cursor = _after(docs[-1], sort, skip + params.limit) if more else None
    return _offset_page(docs, view, params, skip, next_cursor)


def _skip(params):
    """Where an ``OffsetParams`` page starts: ``offset``, or the offset its cursor holds; None for a keyset
    cursor (a 400 naming ``offset`` when both are given)."""
    if params.cursor and params.offset:
        raise ValidationFailed.at("offset", "give offset or cursor, not both")
    return offset_of(params.cursor) if params.cursor else params.offset


def _offset_page(docs, view, params, skip, next_cursor):
    return {"items": [view(doc) for doc in docs], "offset": params.offset if skip is None else skip,
            "limit": params.limit, "next_cursor": next_cursor}


def by_read_model(collection, keep, sort, params, view, ordered):
    """``by_offset``'s answer (the same items, offsets and cursors) where a read model finds and orders the
    documents: ``ordered(count, after)`` gives the ids of at least the first ``count`` in ``sort`` order (with
    ``_id`` last), after the keyset ``after`` (the cursor's values, ``_id`` last) when given. The documents are
    read from ``collection`` by id alone (an index on ``_id`` serves it on every server) and those ``keep``
    refuses drop out (a change the read model has not heard of yet)."""
    skip = _skip(params)
    if skip is None:
        ids = ordered(params.limit + 1, _decode_values(params.cursor, len(_with_id(sort)), "cursor"))
    else:
        ids = ordered(skip + params.limit + 1, None)[skip:]
    more, ids = len(ids) > params.limit, ids[:params.limit]
    found = {doc["_id"]: doc for doc in collection.find({"_id": {"$in": ids}}) if keep(doc)}
    docs = [found[i] for i in ids if i in found]
    next_cursor = _after(docs[-1], sort, (skip or 0) + params.limit) if more and docs else None
    return _offset_page(docs, view, params, skip, next_cursor)


def by_time(collection, query, size, cursor, time_field="created_at", param="cursor"):
    """(documents of one page, the next page's cursor or None) of ``query``, newest first by (``time_field``,
    ``_id``), ``size`` at most, after ``cursor`` (a value of the parameter ``param``, or None)."""
    if cursor:
        time, last_id = decode_time_cursor(cursor, param)
        query = {"$and": [query, {"$or": [{time_field: {"$lt": time}},
                                          {time_field: time, "_id": {"$lt": last_id}}]}]}
    docs = list(collection.find(query).sort([(time_field, -1), ("_id", -1)]).limit(size + 1))
    last = docs[size - 1] if len(docs) > size else None
    return docs[:size], encode_time_cursor(last[time_field], last["_id"]) if last else None


def by_id(collection, query, size, cursor):
    """(documents of one page, the next page's cursor or None) of ``query`` by ``_id`` alone (ids are random,
    so in no meaningful order): the cursor reveals nothing the page does not show."""
    if cursor:
        try:
            [last_id] = _decode(cursor)
            if not isinstance(last_id, str):
                raise ValueError
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise ValidationFailed.at("cursor", "not a cursor this service returned") from None
        query = {**query, "_id": {"$gt": last_id}}
    docs = list(collection.find(query).sort("_id", 1).limit(size + 1))
    last = docs[size - 1] if len(docs) > size else None
    return docs[:size], _encode([last["_id"]]) if last else None


def cursor_page_schema(item, cursor="next_cursor"):
    """The JSON schema of a cursor page of ``item``: ``{"items", <cursor>}`` (null on the last page)."""
    return {"type": "object", "required": ["items", cursor],
            "properties": {"items": {"type": "array", "items": _items(item)},
                           cursor: {"type": ["string", "null"], "description": "the next page's cursor; null: no more"}}}


def by_sort(collection, query, sort, size, cursor, param="cursor"):
    """(documents of one page, the next page's cursor or None) of ``query`` in ``sort`` order — (field, 1 or -1)
    pairs, ``_id`` appended as the tie-breaker — ``size`` at most, after ``cursor`` (a value of the parameter
    ``param``, or None). Every sort field must be set on every document (a missing one does not compare)."""
    sort = _with_id(sort)
    if cursor:
        values = _decode_values(cursor, len(sort), param)
        after = []
        for i, (field, direction) in enumerate(sort):
            tie = {f: values[j] for j, (f, _) in enumerate(sort[:i])}
            after.append({**tie, field: {"$gt" if direction == 1 else "$lt": values[i]}})
        query = {"$and": [query, {"$or": after}]}
    docs = list(collection.find(query).sort(sort).limit(size + 1))
    last = docs[size - 1] if len(docs) > size else None
    return docs[:size], _encode([_cursor_value(last[f]) for f, _ in sort]) if last else None


def _after(last, sort, offset):
    """The cursor after ``last``: its sort values (keyset), or the next offset where one of them is not set (a
    keyset cannot pass a missing value)."""
    try:
        return _encode([_cursor_value(last.get(f)) for f, _ in _with_id(sort)])
    except TypeError:
        return offset_cursor(offset)


def offset_cursor(offset):
    """A cursor that holds the next page's offset (for a list whose order no keyset can follow)."""
    return _encode([OFFSET_MARK, offset])


def offset_of(cursor, required=False):
    """The offset an ``offset_cursor`` holds; None for a keyset cursor (a 400 naming ``cursor`` if ``required``)."""
    try:
        raw = _decode(cursor)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raw = None  # by_sort refuses it, naming the parameter
    if isinstance(raw, list) and len(raw) == 2 and raw[0] == OFFSET_MARK:
        if not isinstance(raw[1], int) or isinstance(raw[1], bool) or not 0 <= raw[1] <= MAX_OFFSET:
            raise ValidationFailed.at("cursor", "not a cursor this service returned")
        return raw[1]
    if required:
        raise ValidationFailed.at("cursor", "not a cursor this service returned")
    return None


def _with_id(sort):
    """``sort`` with ``_id`` last (the tie-breaker that makes a keyset cursor exact)."""
    return [*[(f, d) for f, d in sort if f != "_id"], ("_id", dict(sort).get("_id", 1))]


def _cursor_value(value):
    if isinstance(value, dt.datetime):
        value = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        return {"ms": (value - EPOCH) // dt.timedelta(milliseconds=1)}
    if isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"a {type(value).__name__} cannot be a cursor value")


def _decode_values(cursor, count, param):
    try:
        raw = _decode(cursor)
        if not isinstance(raw, list) or len(raw) != count or not isinstance(raw[-1], str):
            raise ValueError
        values = []
        for value in raw:
            if isinstance(value, dict):
                if set(value) != {"ms"} or not isinstance(value["ms"], int):
                    raise ValueError
                value = EPOCH + dt.timedelta(milliseconds=value["ms"])
            elif not isinstance(value, (str, int, float, bool)):
                raise ValueError
            values.append(value)
        return values
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.at(param, "not a cursor this service returned") from None


def _encode(value):
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(cursor):
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def encode_time_cursor(time, item_id):
    """The cursor after an item of ``time`` (MongoDB may give it back naive: UTC) and ``item_id``."""
    time = time if time.tzinfo else time.replace(tzinfo=dt.timezone.utc)
    return _encode([(time - EPOCH) // dt.timedelta(milliseconds=1), item_id])


def decode_time_cursor(cursor, param="cursor"):
    """(time, item id) of a cursor of ``encode_time_cursor``; 400 naming ``param`` otherwise."""
    try:
        millis, item_id = _decode(cursor)
        if not isinstance(millis, int) or not isinstance(item_id, str):
            raise ValueError
        return EPOCH + dt.timedelta(milliseconds=millis), item_id
    except (ValueError, TypeError, OverflowError, OSError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.at(param, "not a cursor this service returned") from None


