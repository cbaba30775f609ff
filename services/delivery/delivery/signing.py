"""How a delivery is signed, and how a receiver checks it (docs/subscribers: "Webhooks").

The signature is HMAC-SHA256, keyed with the subscription's secret, over ``<timestamp>.<body>``: the Unix time of
the attempt in seconds (header ``TTP-Webhook-Timestamp``), a full stop, and the exact bytes of the request body.
``TTP-Webhook-Signature`` carries ``v1=<hex digest>``. Signing the timestamp with the body means a captured request
cannot be replayed later with a fresh timestamp; a receiver refuses timestamps further than ``TOLERANCE_SECONDS``
from its clock and, to refuse a replay inside that window too, remembers the ``ce-id`` it has handled.
"""
import hashlib
import hmac

TIMESTAMP_HEADER = "TTP-Webhook-Timestamp"
SIGNATURE_HEADER = "TTP-Webhook-Signature"
VERSION = "v1"
TOLERANCE_SECONDS = 300


class BadSignature(ValueError):
    """The request was not signed with the subscription's secret, or not now."""


def signature(secret, timestamp, body):
    """``v1=<hex>`` of the body sent at ``timestamp`` (integer Unix seconds)."""
    message = str(int(timestamp)).encode() + b"." + bytes(body)
    return f"{VERSION}=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def headers(secrets, timestamp, body):
    """The signing headers; ``secrets``: one secret, or several during a rotation (one signature each, the newest
    first, separated by spaces), so a receiver still holding the previous secret keeps verifying."""
    secrets = [secrets] if isinstance(secrets, str) else list(secrets)
    return {TIMESTAMP_HEADER: str(int(timestamp)),
            SIGNATURE_HEADER: " ".join(signature(secret, timestamp, body) for secret in secrets)}


def verify(secret, timestamp_header, signature_header, body, now, tolerance=TOLERANCE_SECONDS):
    """What a receiver does: raise ``BadSignature`` unless ``signature_header`` is the signature of ``body`` at
    ``timestamp_header`` and that time is within ``tolerance`` seconds of ``now``. Several signatures may be given
    (separated by spaces, e.g. during a secret rotation): one matching is enough."""
    try:
        timestamp = int(timestamp_header)
    except (TypeError, ValueError):
        raise BadSignature("no valid timestamp") from None
    if abs(now - timestamp) > tolerance:
        raise BadSignature("timestamp outside the tolerance (a replay, or a clock far off)")
    expected = signature(secret, timestamp, body)
    given = (signature_header or "").split()
    if not any(hmac.compare_digest(expected, candidate) for candidate in given):
        raise BadSignature("signature does not match")
