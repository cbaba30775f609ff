"""The incubation ladder (孵化链条): carriers (public), enterprises' entries and graduations (the carrier's
operator), and the conversion-incubation rate per carrier and region (public). The work is in
``innovation.handlers.incubation``."""
from typing import Literal

from ttp_common import paging, regions
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint
from ttp_common.models import Query

from .. import incubation
from ..documents import Carrier, Incubation
from ..handlers import incubation as handlers
from ..metrics import INCUBATIONS
from .common import RECORD

CARRIERS = "/api/v1/carriers"
ONE_CARRIER = f"{CARRIERS}/<string:carrier_id>"
OPERATORS = (Roles.INSTITUTION, Roles.ADMIN)


class CarrierQuery(paging.OffsetParams):
    kind: Literal[tuple(incubation.KINDS)] | None = None
    level: Literal[tuple(incubation.LEVELS)] | None = None
    region: regions.RegionScope | None = None


class RateQuery(Query):
    region: regions.RegionScope | None = None


def _rates(stays, key):
    return [{"key": k, **rate.as_dict()} for k, rate in incubation.conversion_rates(stays, key).items()]


class IncubationEntrypoints:
    """Carriers, entries, graduations and rates."""

    @endpoint("POST", CARRIERS, roles=(Roles.REVIEWER, Roles.ADMIN), body=incubation.CarrierIn, status=201,
              response=RECORD, summary="Record a carrier with its level (a reviewer of its region, admins)")
    def record_carrier(self, ctx):
        carrier = self.store.transact(handlers.record_carrier, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(carrier.public(), f"{CARRIERS}/{carrier.id}")

    @endpoint("GET", CARRIERS, query=CarrierQuery, response=RECORD,
              summary="Carriers (public), by kind, level and region")
    def list_carriers(self, ctx):
        q = ctx.query
        query = ({"kind": q.kind} if q.kind else {}) | ({"level": q.level} if q.level else {}) | regions.query(q.region)
        return paging.by_offset(self.store.collection(Carrier), query, [("recorded_at", -1), ("_id", -1)], q,
                                lambda raw: self.store.load(Carrier, raw).public())

    @endpoint("GET", ONE_CARRIER, response=RECORD, summary="A carrier with its conversion-incubation rate (public)")
    def get_carrier(self, ctx, carrier_id):
        carrier = self.store.get(Carrier, carrier_id)
        stays = [s.view() for s in self.store.find(Incubation, {"carrier_id": carrier.id})]
        rate = incubation.conversion_rates(stays, lambda s: s["carrier_id"]).get(carrier.id, incubation.Rate(0, 0))
        return {**carrier.public(), "incubating": sum(s["status"] == "incubating" for s in stays),
                "graduated": sum(s["status"] == "graduated" for s in stays), "conversion": rate.as_dict()}

    @endpoint("GET", f"{ONE_CARRIER}/incubations", roles=OPERATORS, query=paging.OffsetParams,
              response=paging.offset_page_schema(RECORD),
              summary="The carrier's enterprises, latest entry first (its operator, admins)")
    def list_incubations(self, ctx, carrier_id):
        carrier = handlers.operated_carrier(self.store, carrier_id, ctx.principal)
        return paging.by_offset(self.store.collection(Incubation), {"carrier_id": carrier.id},
                                [("entered_on", -1), ("_id", 1)], ctx.query,
                                lambda raw: self.store.load(Incubation, raw).view())

    @endpoint("POST", f"{ONE_CARRIER}/incubations", roles=OPERATORS, body=incubation.EntryIn, status=201,
              response=RECORD, errors=(409,), summary="Record an enterprise's entry (the carrier's operator, admins)")
    def enter_carrier(self, ctx, carrier_id):
        stay = self.store.transact(handlers.enter, carrier_id, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        INCUBATIONS.labels("entered", str(stay.built_on_achievement).lower()).inc()
        return created(stay.view(), f"/api/v1/incubations/{stay.id}")

    @endpoint("GET", "/api/v1/incubations/<string:incubation_id>", roles=OPERATORS, response=RECORD,
              summary="An enterprise's stay (the carrier's operator, the enterprise, admins; 404 for others)")
    def get_incubation(self, ctx, incubation_id):
        return handlers.visible_incubation(self.store, incubation_id, ctx.principal).view()

    @endpoint("POST", "/api/v1/incubations/<string:incubation_id>/graduation", roles=OPERATORS,
              body=incubation.GraduationIn, response=RECORD, errors=(409,),
              summary="Record an enterprise's graduation (the carrier's operator, admins)")
    def graduate(self, ctx, incubation_id):
        stay = self.store.transact(handlers.graduate, incubation_id, ctx.body.graduated_on, ctx.principal, ctx.now,
                                   actor=ctx.actor)
        INCUBATIONS.labels("graduated", str(stay.built_on_achievement).lower()).inc()
        return stay.view()

    @endpoint("GET", "/api/v1/incubation-rates", query=RateQuery, response=RECORD,
              summary="The conversion-incubation rate (科技成果转化孵化率) per carrier and per region (public)")
    def incubation_rates(self, ctx):
        stays = [s.view() for s in self.store.find(Incubation, regions.query(ctx.query.region))]
        return {"carriers": _rates(stays, lambda s: s["carrier_id"]),
                "regions": _rates(stays, lambda s: s["region_code"])}
