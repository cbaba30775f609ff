"""Links that hold: whether an achievement or contract id a service is given may be named by a new record,
decided on that service's replica of the owner's events (never by calling the owner).

An id is accepted when the replica holds it in a usable state: an achievement registered or published (not
withdrawn), a contract registered (not cancelled). An id the replica does not hold is refused as not known *yet*: the owner
may have announced it a moment ago and its event not have arrived, so the message says to retry shortly. A
withdrawn achievement or a cancelled contract is refused for new records; records that already name it keep it
(they are history).
An IP right (the registry's ``registry.ip_right.*`` events) may be named pending (申请中: an application can be
assigned or licensed) or in force (有效), never lapsed (失效); a pledge asks more (in force only, ``in_force``).
Every id at fault is reported at once, by its path (``achievement_ids.1``), in one 422 ``unknown_link``.
"""
from .refusals import Unprocessable

ACHIEVEMENT, CONTRACT, IP_RIGHT = "achievement", "contract", "ip_right"
USABLE = {ACHIEVEMENT: frozenset({"registered", "published"}), CONTRACT: frozenset({"registered"}),
          IP_RIGHT: frozenset({"pending", "in_force"})}
CODE = "unknown_link"


def problem(kind, link_id, status, usable=None):
    """What is wrong with naming ``link_id`` (a ``kind``) whose replicated status is ``status`` (None: not in the
    replica; ``not_held``: held by another organization), or None when it may be named (``usable``: the states
    that may be, ``USABLE[kind]`` by default)."""
    if status is None:
        return (f"{kind} {link_id} is not known here yet: if it was registered moments ago, retry in a few "
                "seconds; otherwise check the id")
    if status == "withdrawn":
        return f"{kind} {link_id} is withdrawn and can no longer be named by a new record"
    if status == "cancelled":
        return f"{kind} {link_id} is cancelled (注销) and can no longer be named by a new record"
    if status == "lapsed":
        return f"{kind} {link_id} has lapsed (失效) and can no longer be named by a new record"
    if status == "not_held":
        return f"{kind} {link_id} is not held by the organization this record is for"
    if status not in (usable or USABLE[kind]):
        if kind == IP_RIGHT:
            return f"{kind} {link_id} is {status}; here it must be {' or '.join(sorted(usable or USABLE[kind]))}"
        return f"{kind} {link_id} is {status}, not yet registered: it cannot be named until it is"
    return None


def check(links, statuses, usable=None):
    """Refuse (``Unprocessable``, 422 ``unknown_link``) unless every link may be named.

    ``links``: ``(field, kind, ids)``, ``ids`` a list (paths ``field.i``) or one id (path ``field``);
    ``statuses``: ``{(kind, id): status}`` from the replica, an id missing when the replica lacks it;
    ``usable``: ``{kind: states}`` where a record asks more than ``USABLE`` (an IP pledge: in force only)."""
    fields = []
    for field, kind, ids in links:
        named = [(field, ids)] if isinstance(ids, str) else [(f"{field}.{i}", v) for i, v in enumerate(ids or ())]
        for path, link_id in named:
            message = problem(kind, link_id, statuses.get((kind, link_id)), (usable or {}).get(kind))
            if message:
                fields.append((path, message))
    if fields:
        raise Unprocessable("; ".join(f"{p}: {m}" for p, m in fields), fields=fields, code=CODE)
