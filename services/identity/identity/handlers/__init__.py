"""The service layer: the work of each write over a unit of work (``uow``), called by the thin entrypoints.

Handlers take the uow first, then plain values: the ``Caller`` (who asks, as a principal for the rules
and as an actor for the audit), bodies, ids and ``at`` (the request's one "now").
"""
from dataclasses import dataclass

from ttp_common.auth import Principal
from ttp_common.events import Actor


@dataclass(frozen=True)
class Caller:
    principal: Principal
    actor: Actor
    user_agent: str | None = None

    @classmethod
    def of(cls, ctx):
        return cls(ctx.principal, ctx.actor, ctx.request.headers.get("User-Agent"))
