"""What every area of the talent entrypoints shares.

``RECORD`` is the schema of talent's answers (JSON objects, as the document always said) and
``rpc_reply`` turns data into the plain JSON types RPC replies carry.
"""
import json

from ttp_common import web

RECORD = {"type": "object", "additionalProperties": True}


def rpc_reply(data):
    """Plain JSON types for RPC replies (decimals and datetimes as strings)."""
    return json.loads(web.dumps(data))
