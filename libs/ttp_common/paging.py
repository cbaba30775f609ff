"""Paging of the services' list endpoints: the ``limit`` and ``offset`` query parameters, offset pages,
and keyset pages with opaque cursors.

- ``by_offset``: ``limit`` 1–100 (default 20) and ``offset`` 0–10,000, in a fixed sort order.
- ``by_time``: newest first by (a time field, ``_id``); the cursor holds the time (milliseconds) and
  id of the page's last item and is passed back in the request parameter the endpoint names.
- ``by_id``: by ``_id`` alone; the cursor holds only an id the page showed (for lists whose times
  must not be revealed, such as people).

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
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


class LimitParams(Query):
    """A list of at most ``limit`` items (ranked or newest first), without further pages."""

    limit: int = Field(20, ge=1, le=MAX_LIMIT)


class OffsetParams(Query):
    limit: int = Field(20, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


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
    return {"type": "object", "required": ["items", "offset", "limit"],
            "properties": {"items": {"type": "array", "items": _items(item)},
                           "offset": {"type": "integer"}, "limit": {"type": "integer"}}}


def by_offset(collection, query, sort, params, view):
    """``{"items", "offset", "limit"}``: one page of ``query`` in ``sort`` order (``params``: ``OffsetParams``),
    each raw document given to ``view``."""
    docs = collection.find(query).sort(sort).skip(params.offset).limit(params.limit)
    return {"items": [view(doc) for doc in docs], "offset": params.offset, "limit": params.limit}


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


