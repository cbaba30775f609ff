"""Public search terms for Chinese and Latin text, without regex (SecantusDB cannot regex an
indexed field, and MongoDB text indexes do not segment Chinese).

The terms come from ``ttp_common.search_terms`` (character bigrams of CJK runs, whole
Latin/digit words). A document matches a query when it has every term of the query, so
"石墨烯导热" finds "石墨烯导热膜中试技术" (bigrams 石墨 墨烯 烯导 导热 are all there).
"""
import base64
import binascii
import datetime as dt
import json

from ttp_common.errors import ValidationFailed
from ttp_common.search_terms import terms

__all__ = ["terms", "document_terms", "encode_cursor", "decode_cursor"]


def document_terms(record):
    """What a published achievement is found by: title, keywords, summary, industry."""
    return terms(record["title"], " ".join(record["keywords"]), record["summary"], record["industry"])


def encode_cursor(published_at, item_id):
    """An opaque, stable page cursor: the (published_at, id) of the last item, base64url JSON."""
    raw = json.dumps([int(published_at.timestamp() * 1000), item_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor):
    try:
        millis, item_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(millis, int) or not isinstance(item_id, str):
            raise ValueError
        return dt.datetime.fromtimestamp(millis / 1000, dt.timezone.utc), item_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed.at("cursor", "not a cursor this service returned") from None
