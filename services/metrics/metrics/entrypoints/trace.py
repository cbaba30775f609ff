"""One achievement's or one contract's whole trace across the platform (``metrics.trace``), from a projection
of every service's events of its own consumer group; read by anyone, each caller seeing what they may."""
from ttp_common.consumer import consume
from ttp_common.endpoints import endpoint
from ttp_common.refusals import NotFound

from .. import trace
from ..handlers import trace as handlers

ID = {"description": "the record's id at its owning service"}
VIEWS = ("公开信息: the published achievement or the registered contract's totals, its listings and auctions; "
         "administrators and the reviewers of the record's region (for a contract, also its registrars) see every "
         "event and detail; an organization sees, besides, the events it is party to")


class TraceEntrypoints:
    @consume(*trace.EVENTS, batch=True)
    def trace_event(self, events):
        """A batch of one partition's events, their entries written in one transaction. No dedup marks: an entry
        is a function of its event alone, written whole under its ``ce_id``, so a redelivery rewrites it as it was."""
        self.store.transact(handlers.record, events)

    @endpoint("GET", "/api/v1/trace/achievements/<string:achievement_id>", response="Trace", errors=(404,),
              parameters={"achievement_id": ID},
              summary=f"Everything that happened to one achievement across the platform, in time order ({VIEWS})")
    def trace_achievement(self, ctx, achievement_id):
        return self._trace(ctx.principal, trace.ACHIEVEMENT, achievement_id)

    @endpoint("GET", "/api/v1/trace/contracts/<string:contract_id>", response="Trace", errors=(404,),
              parameters={"contract_id": ID},
              summary=f"One technology contract, the market path and the achievement it came from, and what "
                      f"financed it, in time order ({VIEWS})")
    def trace_contract(self, ctx, contract_id):
        return self._trace(ctx.principal, trace.CONTRACT, contract_id)

    def _trace(self, principal, kind, record_id):
        entries = trace.assemble(kind, record_id, lambda keys: handlers.entries_with(self.store, keys))
        region, public = trace.subject_facts(entries, kind, record_id)
        view = trace.view_of(principal, region, kind)
        rows = trace.shown(entries, view, public, principal.org)
        if not rows or not (public or view == trace.FULL or any(r.get("parties") for r in rows)):
            raise NotFound(f"no {kind} {record_id!r} known to the trace")
        return {"subject": {"kind": kind, "id": record_id, "region_code": region, "public": public},
                "view": view, "entries": rows}
