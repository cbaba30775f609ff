"""What every area of the talent entrypoints shares.

``endpoint`` is ``ttp_common.endpoints.endpoint`` that also answers the refusals naming several fields
(``talent.field_refusals``) with every field listed, through the library's one table
(``refusals.to_api_error``); once the library's refusals carry several fields, it goes and the areas import
the library's. ``RECORD`` is the schema of talent's answers (JSON objects, as the document always said) and
``rpc_reply`` turns data into the plain JSON types RPC replies carry.
"""
import functools
import json

from ttp_common import endpoints, refusals, web

RECORD = {"type": "object", "additionalProperties": True}


def endpoint(method, path, **declaration):
    """Declare an HTTP operation (``ttp_common.endpoints.endpoint``, same arguments)."""
    declare = endpoints.endpoint(method, path, **declaration)

    def decorate(handler):
        @functools.wraps(handler)
        def answer_fields(self, ctx, **path_values):
            try:
                return handler(self, ctx, **path_values)
            except refusals.Refusal as exc:
                if not getattr(exc, "fields", None):
                    raise
                error = refusals.to_api_error(exc)
                error.fields = list(exc.fields)
                raise error from None

        return declare(answer_fields)

    return decorate


def rpc_reply(data):
    """Plain JSON types for RPC replies (decimals and datetimes as strings)."""
    return json.loads(web.dumps(data))
