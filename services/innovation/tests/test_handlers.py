"""The innovation service layer on a fake unit of work (no servers): who may act on a request and an
incubation, what each step emits, and that a refused step writes no event."""
import datetime as dt
from decimal import Decimal

import pytest

from innovation import facilities, incubation
from innovation.documents import OrganizationReplica
from innovation.handlers import facilities as bookings
from innovation.handlers import incubation as ladder
from innovation.handlers import replica
from ttp_common import auth
from ttp_common.refusals import Conflict, NotAllowed, NotFound

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def institution(org):
    return auth.Principal(sub=f"staff-{org}", role=auth.Roles.INSTITUTION, org=org)


def announce(uow, org, kind):
    replica.organization_registered(uow, {"organization_id": org, "kind": kind, "region_code": "510100"})


@pytest.fixture
def requested(uow):
    announce(uow, "org-owner", "institute")
    announce(uow, "org-e", "enterprise")
    facility = bookings.list_facility(uow, facilities.FacilityIn(
        owner_organization_id="org-owner", kind="instrument", name="场发射扫描电镜", region_code="510100",
        terms="预约使用", open_hours_per_year=500), institution("org-owner"), NOW)
    start = NOW + dt.timedelta(days=2)
    body = facilities.BookingIn(facility_id=facility.id, enterprise_organization_id="org-e", hours=3,
                                purpose="样品形貌分析", starts_at=start, ends_at=start + dt.timedelta(hours=5))
    return bookings.request_time(uow, body, institution("org-e"), NOW)


def test_request_accept_and_use_emit_one_event_each(uow, requested):
    bookings.accept(uow, requested.id, institution("org-owner"), NOW)
    used = bookings.record_use(uow, requested.id, Decimal("2.5"), institution("org-owner"), NOW)
    assert used.status == "used" and uow.names() == [
        "innovation.facility.listed.v1", "innovation.booking.requested.v1", "innovation.booking.accepted.v1",
        "innovation.booking.use_recorded.v1"]
    assert uow.events[-1].data["hours_used"] == 2.5 and uow.events[-1].data["facility_kind"] == "instrument"


def test_the_enterprise_may_not_decide_and_strangers_do_not_see(uow, requested):
    emitted = len(uow.events)
    with pytest.raises(NotAllowed):
        bookings.accept(uow, requested.id, institution("org-e"), NOW)
    with pytest.raises(NotFound):
        bookings.decline(uow, requested.id, "不便", institution("org-stranger"), NOW)
    with pytest.raises(NotFound):
        bookings.visible_booking(uow, requested.id, institution("org-stranger"))
    assert len(uow.events) == emitted
    assert bookings.bookings_query(institution("org-e"), "enterprise") == {
        "$or": [{"enterprise_organization_id": "org-e"}]}


def test_an_entry_needs_the_operator_an_enterprise_and_one_open_stay(uow):
    announce(uow, "org-op", "service_institution")
    announce(uow, "org-startup", "enterprise")
    reviewer = auth.Principal(sub="reviewer", role=auth.Roles.REVIEWER, region="510100")
    carrier = ladder.record_carrier(uow, incubation.CarrierIn(
        name="成都天府软件园众创空间", kind="makerspace", level="national", region_code="510100",
        operator_organization_id="org-op"), reviewer, NOW)
    body = incubation.EntryIn(enterprise_organization_id="org-startup", entered_on=NOW.date())
    with pytest.raises(auth.Forbidden):
        ladder.enter(uow, carrier.id, body, institution("org-startup"), NOW)
    stay = ladder.enter(uow, carrier.id, body, institution("org-op"), NOW)
    assert stay.built_on_achievement is False
    with pytest.raises(Conflict):
        ladder.enter(uow, carrier.id, body, institution("org-op"), NOW)
    ladder.graduate(uow, stay.id, NOW.date(), institution("org-op"), NOW)
    again = ladder.enter(uow, carrier.id, body, institution("org-op"), NOW)  # a new stay after graduating
    assert again.id != stay.id and uow.get(OrganizationReplica, "org-startup").kind == "enterprise"
    assert uow.names()[-3:] == ["innovation.incubation.entered.v1", "innovation.incubation.graduated.v1",
                                "innovation.incubation.entered.v1"]
