"""Shared facilities, the incubation ladder and demonstration designations in the metrics service: the fold of innovation events into
figures (unit, on the fake unit of work) and, against the real servers, the gauges they show once the events
are on Kafka; a redelivered event changes nothing."""
import datetime as dt
import re
from decimal import Decimal

import pytest

from metrics import innovation
from ttp_common import clock
from metrics.handlers import innovation as handlers
from ttp_testing import publish_event, redeliver, wait_for

NOW = dt.datetime.now(dt.timezone.utc)
NOW_YEAR = clock.china_date(NOW).year


def listed(facility_id, kind="pilot_line", region="510400", hours=200):
    return {"facility_id": facility_id, "owner_organization_id": "org-owner", "kind": kind, "name": "中试线",
            "region_code": region, "terms": "按机时收费", "open_hours_per_year": hours, "listed_at": NOW}


def used(booking_id, enterprise, hours, facility_id="f-1", kind="pilot_line", region="510400"):
    return {"booking_id": booking_id, "facility_id": facility_id, "owner_organization_id": "org-owner",
            "enterprise_organization_id": enterprise, "facility_kind": kind, "region_code": region,
            "hours_used": hours, "recorded_at": NOW}


def entered(incubation_id, enterprise, built, region="510600", carrier_kind="incubator"):
    return {"incubation_id": incubation_id, "carrier_id": "c-1", "carrier_kind": carrier_kind,
            "carrier_level": "provincial", "region_code": region, "enterprise_organization_id": enterprise,
            "entered_on": dt.date(2026, 3, 1), "achievement_ids": ["a-1"] if built else [], "built_on_achievement": built}


def figures(uow):
    docs = {d["_id"]: d for d in uow.db[innovation.INNOVATION].find({})}
    return ({d: innovation.facility_figures(doc, NOW_YEAR) for d, doc in docs.items() if d.startswith("facility|")},
            {d: innovation.incubation_figures(doc) for d, doc in docs.items() if d.startswith("incubation|")})


def test_utilization_and_smes_served_fold_from_events_and_repeat_nothing(uow):
    events = [(innovation.FACILITY_LISTED, listed("f-1")), (innovation.FACILITY_LISTED, listed("f-2", hours=300)),
              (innovation.USE_RECORDED, used("b-1", "e-1", 25.0)), (innovation.USE_RECORDED, used("b-2", "e-1", 10.5)),
              (innovation.USE_RECORDED, used("b-3", "e-2", 14.5))]
    for name, data in events + events:  # everything twice: a replay adds nothing
        handlers.project(uow, name, data)
    facilities, _ = figures(uow)
    assert facilities == {"facility|pilot_line|510400": ("pilot_line", "510400", 500, 50.0, 0.1, 2)}
    # a use counts in its year in China's calendar: 15:59 UTC on 31 December is that year's last minute there,
    # 16:30 UTC already the next year
    before = NOW_YEAR - 1
    handlers.project(uow, innovation.USE_RECORDED, {**used("b-4", "e-3", 99.0), "recorded_at": dt.datetime(
        before, 12, 31, 15, 59, tzinfo=dt.timezone.utc)})
    handlers.project(uow, innovation.USE_RECORDED, {**used("b-5", "e-4", 5.0), "recorded_at": dt.datetime(
        before, 12, 31, 16, 30, tzinfo=dt.timezone.utc)})
    [doc] = uow.db[innovation.INNOVATION].find({"_id": "facility|pilot_line|510400"})
    assert innovation.facility_figures(doc, before) == ("pilot_line", "510400", 500, 99.0, 0.198, 1)
    assert innovation.facility_figures(doc, NOW_YEAR)[3:] == (55.0, 0.11, 3)


def test_the_conversion_incubation_rate_per_region_and_carrier_kind(uow):
    for data in (entered("i-1", "e-1", True), entered("i-2", "e-2", False), entered("i-3", "e-3", False),
                 entered("i-4", "e-2", True, carrier_kind="accelerator"), entered("i-5", "e-1", True)):
        handlers.project(uow, innovation.ENTERED, data)
    _, incubation = figures(uow)
    assert incubation["incubation|region|510600"][2:4] == (3, 2)
    assert incubation["incubation|carrier_kind|incubator"] == ("carrier_kind", "incubator", 3, 1, 1 / 3)
    assert incubation["incubation|carrier_kind|accelerator"][4] == 1.0
    assert innovation.updates("innovation.booking.requested.v1", {}) == []  # requests are not figures


def granted(designation_id, kind="demonstration_zone", region="510704"):
    return {"designation_id": designation_id, "kind": kind, "organization_id": "org-gov", "region_code": region,
            "prefecture_code": region[:4] + "00", "year": 2025, "application_id": "app-1", "call_id": "call-1",
            "score": Decimal("81.50"), "designated_at": NOW}


def assessed(designation_id, outcome, kind="demonstration_zone", region="510704"):
    return {"designation_id": designation_id, "kind": kind, "organization_id": "org-gov", "region_code": region,
            "prefecture_code": region[:4] + "00", "year": 2025, "assessment_year": 2026,
            "score": 40 if outcome == "revoked" else 80, "keep_score": 60, "outcome": outcome, "assessed_at": NOW}


def designation_figures(uow):
    return {d["_id"]: innovation.designation_figures(d) for d in uow.db[innovation.INNOVATION].find({})
            if d["_id"].startswith("designation|")}


def test_designations_in_force_and_revoked_per_kind_and_prefecture(uow):
    events = [(innovation.DESIGNATION_GRANTED, granted("d-1")), (innovation.DESIGNATION_GRANTED, granted("d-2")),
              (innovation.DESIGNATION_GRANTED, granted("d-3", kind="demonstration_enterprise", region="510100")),
              (innovation.DESIGNATION_ASSESSED, assessed("d-2", "kept")),
              (innovation.DESIGNATION_ASSESSED, assessed("d-1", "revoked"))]
    for name, data in events + events:  # a replay adds nothing
        handlers.project(uow, name, data)
    assert designation_figures(uow) == {
        "designation|demonstration_zone|510700": ("demonstration_zone", "510700", 1, 1),
        "designation|demonstration_enterprise|510100": ("demonstration_enterprise", "510100", 1, 0)}
    # a revocation folded before its grant (a rebuild reading another order) still counts as revoked
    handlers.project(uow, innovation.DESIGNATION_ASSESSED, assessed("d-9", "revoked", region="511100"))
    handlers.project(uow, innovation.DESIGNATION_GRANTED, granted("d-9", region="511100"))
    assert designation_figures(uow)["designation|demonstration_zone|511100"][2:] == (0, 1)


def sample(text, name, **labels):
    """The value of ``name`` with exactly ``labels`` (in any order) in a Prometheus text exposition, or None."""
    for found in re.finditer(rf"^{name}{{([^}}]*)}} (\S+)$", text, re.M):
        if dict(re.findall(r'(\w+)="([^"]*)"', found.group(1))) == labels:
            return float(found.group(2))
    return None


@pytest.mark.integration
def test_the_gauges_show_the_events_on_kafka(api):
    region = "513300"  # a region no other test of the module uses
    publish_event(api, innovation.FACILITY_LISTED, listed("gf-1", kind="instrument", region=region, hours=40), "gf-1")
    message = publish_event(api, innovation.USE_RECORDED,
                            used("gb-1", "ge-1", 10.0, "gf-1", kind="instrument", region=region), "gb-1")
    publish_event(api, innovation.ENTERED, entered("gi-1", "ge-1", True, region=region), "gi-1")
    publish_event(api, innovation.ENTERED, entered("gi-2", "ge-2", False, region=region), "gi-2")
    labels = {"kind": "instrument", "region": region}
    # the four events have four keys, so they may land on different partitions and be folded in any order:
    # wait until the last of them shows (the listing's hours included) before reading the figures
    text = wait_for(lambda: (lambda t: t if sample(t, "ttp_incubation_enterprises", scope="region", key=region) == 2
                             and sample(t, "ttp_facility_smes_served", **labels) == 1
                             and sample(t, "ttp_facility_open_hours", **labels) == 40 else None)(
        api.get("/metrics").text), message="the innovation gauges to move")
    assert sample(text, "ttp_facility_hours_used", **labels) == 10
    assert sample(text, "ttp_facility_utilization", **labels) == 0.25
    assert sample(text, "ttp_incubation_conversion_rate", scope="region", key=region) == 0.5
    redeliver(message)
    # keyed like the redelivered copy: the same partition, so it is handled after it
    publish_event(api, innovation.USE_RECORDED, used("gb-2", "ge-3", 2.0, "gf-1", kind="instrument", region=region),
                  "gb-1")
    text = wait_for(lambda: (lambda t: t if sample(t, "ttp_facility_smes_served", **labels) == 2 else None)(
        api.get("/metrics").text), message="the second use")
    assert sample(text, "ttp_facility_hours_used", **labels) == 12  # the redelivered 10 hours counted once


@pytest.mark.integration
def test_the_designation_gauges_show_the_events_on_kafka(api):
    publish_event(api, innovation.DESIGNATION_GRANTED, granted("gd-1", region="513401"), "gd-1")
    publish_event(api, innovation.DESIGNATION_GRANTED, granted("gd-2", region="513402"), "gd-2")
    publish_event(api, innovation.DESIGNATION_ASSESSED, assessed("gd-2", "revoked", region="513402"), "gd-2")
    labels = {"kind": "demonstration_zone", "region": "513400"}
    # gd-1's grant is on a key (and maybe a partition) of its own: wait for both figures
    wait_for(lambda: (lambda t: sample(t, "ttp_designations_revoked", **labels) == 1
                      and sample(t, "ttp_designations_in_force", **labels) == 1)(api.get("/metrics").text),
             message="one designation in force and one revoked")
