"""Shared facilities (共享设施): the public catalogue and usage figures, the owner's listing, an enterprise's
requests for time and the owner's decisions and use records. The work is in ``innovation.handlers.facilities``."""
import datetime as dt
from typing import Literal

from pydantic import Field

from ttp_common import clock, paging, regions
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint
from ttp_common.fields import Integer
from ttp_common.models import Query

from .. import facilities
from ..documents import Booking, Facility
from ..handlers import facilities as handlers
from ..metrics import BOOKINGS, HOURS_USED
from .common import RECORD

FACILITIES = "/api/v1/facilities"
BOOKINGS_PATH = "/api/v1/facility-bookings"
ONE_BOOKING = f"{BOOKINGS_PATH}/<string:booking_id>"
ORGANIZATIONS = (Roles.INSTITUTION, Roles.ADMIN)
NEWEST = [("listed_at", -1), ("_id", -1)]


class FacilityQuery(paging.OffsetParams):
    kind: Literal[tuple(facilities.KINDS)] | None = None
    region: regions.RegionScope | None = None
    owner_organization_id: str | None = Field(default=None, max_length=64)


class BookingQuery(paging.OffsetParams):
    side: Literal["enterprise", "owner"] | None = Field(default=None, description="only the requests made (enterprise) "
                                                                                  "or received (owner)")
    status: Literal[tuple(facilities.STATUSES)] | None = None


class UsageQuery(Query):
    by: Literal["kind", "region"] = "kind"
    year: Integer | None = Field(default=None, ge=2000, le=2100, description="of use, China's calendar (default: "
                                                                              "this year)")


class FacilityEntrypoints:
    """Facilities and the requests for time on them."""

    @endpoint("POST", FACILITIES, roles=ORGANIZATIONS, body=facilities.FacilityIn, status=201, response=RECORD,
              summary="Catalogue a shared facility of the caller's organization (its staff, admins)")
    def list_facility(self, ctx):
        facility = self.store.transact(handlers.list_facility, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return created(facility.public(), f"{FACILITIES}/{facility.id}")

    @endpoint("GET", FACILITIES, query=FacilityQuery, response=RECORD,
              summary="The public catalogue of shared facilities, newest first, by kind, region and owner")
    def list_facilities(self, ctx):
        q = ctx.query
        query = ({"kind": q.kind} if q.kind else {}) | regions.query(q.region) | (
            {"owner_organization_id": q.owner_organization_id} if q.owner_organization_id else {})
        return paging.by_offset(self.store.collection(Facility), query, NEWEST, q,
                                lambda raw: self.store.load(Facility, raw).public())

    @endpoint("GET", f"{FACILITIES}/<string:facility_id>", response=RECORD, summary="A shared facility (public)")
    def get_facility(self, ctx, facility_id):
        return self.store.get(Facility, facility_id).public()

    @endpoint("GET", "/api/v1/facility-usage", query=UsageQuery, response=RECORD,
              summary="Utilization (used over open hours) and SMEs served, by facility kind or region (public)")
    def facility_usage(self, ctx):
        """The hours used in one year (by when the use was recorded, China's calendar) over the open hours a year
        of the facilities catalogued."""
        year = ctx.query.year or clock.china_date(ctx.now).year
        key = (lambda f: f["kind"]) if ctx.query.by == "kind" else (lambda f: f["region_code"])
        listed = [f.public() for f in self.store.find(Facility, {})]
        start, end = (dt.datetime(y, 1, 1, tzinfo=clock.CHINA_TIME) for y in (year, year + 1))
        uses = [(b.facility_id, b.enterprise_organization_id, b.hours_used)
                for b in self.store.find(Booking, {"status": "used", "used_at": {"$gte": start, "$lt": end}})]
        groups = facilities.usage(listed, uses, key)
        return {"by": ctx.query.by, "year": year, "groups": [{"key": k, **u.as_dict()} for k, u in groups.items()]}

    @endpoint("POST", BOOKINGS_PATH, roles=ORGANIZATIONS, body=facilities.BookingIn, status=201, response=RECORD,
              errors=(404,), summary="Request time on a facility (an enterprise's staff, admins)")
    def request_facility_time(self, ctx):
        booking = self.store.transact(handlers.request_time, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        BOOKINGS.labels("requested", booking.facility_kind).inc()
        return created(booking.view(), f"{BOOKINGS_PATH}/{booking.id}")

    @endpoint("GET", BOOKINGS_PATH, roles=ORGANIZATIONS, query=BookingQuery, response=RECORD,
              summary="The requests the caller's organization made or received (admins: all), newest first")
    def list_facility_bookings(self, ctx):
        q = ctx.query
        query = handlers.bookings_query(ctx.principal, q.side) | ({"status": q.status} if q.status else {})
        return paging.by_offset(self.store.collection(Booking), query, [("requested_at", -1), ("_id", -1)], q,
                                lambda raw: self.store.load(Booking, raw).view())

    @endpoint("GET", ONE_BOOKING, roles=ORGANIZATIONS, response=RECORD,
              summary="A request (its enterprise, the facility's owner, admins; 404 for others)")
    def get_facility_booking(self, ctx, booking_id):
        return handlers.visible_booking(self.store, booking_id, ctx.principal).view()

    @endpoint("POST", f"{ONE_BOOKING}/accept", roles=ORGANIZATIONS, response=RECORD, errors=(409,),
              summary="Accept a request (the facility's owner, admins)")
    def accept_facility_booking(self, ctx, booking_id):
        booking = self.store.transact(handlers.accept, booking_id, ctx.principal, ctx.now, actor=ctx.actor)
        BOOKINGS.labels("accepted", booking.facility_kind).inc()
        return booking.view()

    @endpoint("POST", f"{ONE_BOOKING}/decline", roles=ORGANIZATIONS, body=facilities.DeclineIn, response=RECORD,
              errors=(409,), summary="Decline a request with a reason (the facility's owner, admins)")
    def decline_facility_booking(self, ctx, booking_id):
        booking = self.store.transact(handlers.decline, booking_id, ctx.body.reason, ctx.principal, ctx.now,
                                      actor=ctx.actor)
        BOOKINGS.labels("declined", booking.facility_kind).inc()
        return booking.view()

    @endpoint("POST", f"{ONE_BOOKING}/use", roles=ORGANIZATIONS, body=facilities.UseIn, response=RECORD,
              errors=(409,), summary="Record the hours used on an accepted request (the facility's owner, admins)")
    def record_facility_use(self, ctx, booking_id):
        booking = self.store.transact(handlers.record_use, booking_id, ctx.body.hours_used, ctx.principal, ctx.now,
                                      actor=ctx.actor)
        BOOKINGS.labels("used", booking.facility_kind).inc()
        HOURS_USED.labels(booking.facility_kind).inc(float(booking.hours_used))
        return booking.view()
