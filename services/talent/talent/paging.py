"""Cursor paging of the talent lists, in the registry's style (``GET /api/v1/achievements``): ``limit``
1–100 (default 20), and ``next_cursor`` (opaque; null on the last page) to pass back as ``cursor``.

``page``: newest first; the cursor holds the created_at and id of the page's last item. ``page_by_id``:
by id alone; the cursor holds only the id of the page's last item, which the page shows anyway. Lists
of people use it: a created_at in a cursor would tell anyone when a person was registered, which no
one consented to show."""
import base64
import binascii
import datetime as dt
import json

from ttp_common import web
from ttp_common.errors import ValidationFailed


def encode_cursor(created_at, item_id):
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt.timezone.utc)
    raw = json.dumps([int(created_at.timestamp() * 1000), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        millis, item_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(millis, int) or not isinstance(item_id, str):
            raise ValueError
        return dt.datetime.fromtimestamp(millis / 1000, dt.timezone.utc), item_id
    except (ValueError, TypeError, OverflowError, OSError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.at("cursor", "not a cursor this service returned") from None


def _limit(request):
    limit = web.query_param(request, "limit", type=int, default=20)
    if not 1 <= limit <= 100:
        raise ValidationFailed.at("limit", "must be between 1 and 100")
    return limit


def page(collection, query, request):
    """(documents of one page, next_cursor) of ``collection`` matching ``query``, by created_at then id."""
    limit = _limit(request)
    cursor = web.query_param(request, "cursor")
    if cursor:
        created_at, last_id = decode_cursor(cursor)
        query = {**query, "$or": [{"created_at": {"$lt": created_at}},
                                  {"created_at": created_at, "_id": {"$lt": last_id}}]}
    docs = list(collection.find(query).sort([("created_at", -1), ("_id", -1)]).limit(limit + 1))
    last = docs[limit - 1] if len(docs) > limit else None
    return docs[:limit], encode_cursor(last["created_at"], last["_id"]) if last else None


def encode_id_cursor(item_id):
    return base64.urlsafe_b64encode(json.dumps([item_id]).encode()).decode().rstrip("=")


def decode_id_cursor(cursor):
    try:
        [item_id] = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(item_id, str):
            raise ValueError
        return item_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.at("cursor", "not a cursor this service returned") from None


def page_by_id(collection, query, request):
    """(documents of one page, next_cursor) of ``collection`` matching ``query``, by id alone (ids are
    random, so in no meaningful order); the cursor reveals nothing the page does not show."""
    limit = _limit(request)
    cursor = web.query_param(request, "cursor")
    if cursor:
        query = {**query, "_id": {"$gt": decode_id_cursor(cursor)}}
    docs = list(collection.find(query).sort("_id", 1).limit(limit + 1))
    last = docs[limit - 1] if len(docs) > limit else None
    return docs[:limit], encode_id_cursor(last["_id"]) if last else None
