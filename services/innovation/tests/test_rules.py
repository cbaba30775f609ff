"""The facility and incubation rules, without servers: windows, who may request, the request state machine,
use within the hours accepted, utilization and SMEs served, entry and graduation dates, the
conversion-incubation rate."""
import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from innovation import facilities, incubation
from ttp_common.refusals import Invalid, TransitionRefused

NOW = dt.datetime(2027, 3, 1, 8, tzinfo=dt.timezone.utc)


def refused_field(call, *args):
    with pytest.raises(Invalid) as refusal:
        call(*args)
    return refusal.value.field


@pytest.mark.parametrize("start, end, hours, field", [
    (NOW - dt.timedelta(hours=1), NOW + dt.timedelta(hours=5), 2, "starts_at"),
    (NOW + dt.timedelta(days=366), NOW + dt.timedelta(days=367), 2, "starts_at"),
    (NOW + dt.timedelta(hours=5), NOW + dt.timedelta(hours=5), 1, "ends_at"),
    (NOW + dt.timedelta(hours=1), NOW + dt.timedelta(days=33), 2, "ends_at"),
    (NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=3), 3, "hours"),
])
def test_a_window_is_ahead_short_and_holds_the_hours(start, end, hours, field):
    assert refused_field(facilities.check_window, start, end, hours, NOW) == field


def test_a_window_that_holds_exactly_its_hours_is_taken():
    facilities.check_window(NOW + dt.timedelta(hours=1), NOW + dt.timedelta(hours=4), 3, NOW)


def test_the_request_model_refuses_a_naive_or_past_window():
    body = {"facility_id": "f-1", "enterprise_organization_id": "org-e", "hours": 2, "purpose": "中试验证",
            "starts_at": "2020-01-01T09:00:00+08:00", "ends_at": "2020-01-01T12:00:00+08:00"}
    with pytest.raises((ValidationError, Invalid)):
        facilities.BookingIn(**body)
    with pytest.raises(ValidationError):
        facilities.BookingIn(**{**body, "starts_at": "2099-01-01T09:00:00"})


@pytest.mark.parametrize("kind, owner, field", [
    ("university", "org-owner", "enterprise_organization_id"),
    (None, "org-owner", "enterprise_organization_id"),       # not (yet) announced by the registry
    ("enterprise", "org-e", "facility_id"),                  # its own facility
])
def test_only_an_enterprise_requests_time_and_never_on_its_own_facility(kind, owner, field):
    assert refused_field(facilities.check_requester, owner, "org-e", kind) == field


def test_an_enterprise_requests_time_on_anothers_facility():
    facilities.check_requester("org-owner", "org-e", "enterprise")


def test_the_request_state_machine():
    assert facilities.transition("accept", "requested").target == "accepted"
    assert facilities.transition("decline", "requested").target == "declined"
    assert facilities.transition("record_use", "accepted").target == "used"
    for name, status in [("accept", "accepted"), ("accept", "declined"), ("decline", "accepted"),
                         ("record_use", "requested"), ("record_use", "used"), ("record_use", "declined")]:
        with pytest.raises(TransitionRefused):
            facilities.transition(name, status)


def test_use_fits_the_hours_accepted_in_half_hours():
    facilities.check_use(Decimal("4"), 4)
    assert refused_field(facilities.check_use, Decimal("4.5"), 4) == "hours_used"
    assert facilities.UseIn(hours_used="2.5").hours_used == Decimal("2.5")
    with pytest.raises(ValidationError):
        facilities.UseIn(hours_used="2.3")
    with pytest.raises(ValidationError):
        facilities.UseIn(hours_used="0")


def test_usage_is_used_over_open_hours_with_distinct_smes():
    listed = [{"id": "f1", "kind": "instrument", "region_code": "510100", "open_hours_per_year": 1000},
              {"id": "f2", "kind": "instrument", "region_code": "510700", "open_hours_per_year": 1000},
              {"id": "f3", "kind": "pilot_line", "region_code": "510100", "open_hours_per_year": 400}]
    uses = [("f1", "e1", Decimal("10")), ("f2", "e1", Decimal("5.5")), ("f3", "e2", Decimal("40")),
            ("gone", "e3", Decimal("1"))]
    by_kind = facilities.usage(listed, uses, lambda f: f["kind"])
    assert by_kind["instrument"].as_dict() == {"facilities": 2, "open_hours": 2000, "hours_used": "15.5",
                                               "utilization": "0.0078", "smes_served": 1}
    assert by_kind["pilot_line"].utilization == Decimal("0.1000") and by_kind["pilot_line"].smes_served == 1
    by_region = facilities.usage(listed, uses, lambda f: f["region_code"])
    assert by_region["510100"].smes_served == 2 and by_region["510700"].hours_used == Decimal("5.5")
    assert facilities.Usage(0, 0, Decimal(0), 0).utilization == 0


def test_entry_and_graduation_dates():
    today = dt.date(2027, 3, 1)
    assert refused_field(incubation.check_entry_date, dt.date(2027, 3, 2), today) == "entered_on"
    assert refused_field(incubation.check_entry_date, dt.date(1980, 1, 1), today) == "entered_on"
    incubation.check_entry_date(today, today)
    incubation.check_graduation("incubating", dt.date(2026, 1, 1), dt.date(2026, 1, 1), today)
    assert refused_field(incubation.check_graduation, "incubating", dt.date(2026, 1, 2), dt.date(2026, 1, 1),
                         today) == "graduated_on"
    assert refused_field(incubation.check_graduation, "incubating", dt.date(2026, 1, 1), dt.date(2027, 3, 2),
                         today) == "graduated_on"
    with pytest.raises(TransitionRefused):
        incubation.check_graduation("graduated", dt.date(2026, 1, 1), dt.date(2026, 6, 1), today)


def test_entries_name_registered_achievements_of_an_enterprise():
    assert refused_field(incubation.check_achievements, ["a-1", "a-2"], {"a-1"}) == "achievement_ids.1"
    incubation.check_achievements(["a-1"], {"a-1", "a-9"})
    assert refused_field(incubation.check_enterprise, "institute") == "enterprise_organization_id"
    with pytest.raises(ValidationError):
        incubation.EntryIn(enterprise_organization_id="e", entered_on="2026-01-01", achievement_ids=["a", "a"])


def test_the_conversion_incubation_rate_counts_an_enterprise_once_per_group():
    stays = [
        {"carrier_id": "c1", "region_code": "510100", "enterprise_organization_id": "e1", "built_on_achievement": True},
        {"carrier_id": "c1", "region_code": "510100", "enterprise_organization_id": "e2", "built_on_achievement": False},
        {"carrier_id": "c1", "region_code": "510100", "enterprise_organization_id": "e3", "built_on_achievement": False},
        # e2 climbs to an accelerator of the same region, now built on an achievement
        {"carrier_id": "c2", "region_code": "510100", "enterprise_organization_id": "e2", "built_on_achievement": True},
        {"carrier_id": "c3", "region_code": "510700", "enterprise_organization_id": "e4", "built_on_achievement": False},
    ]
    per_carrier = incubation.conversion_rates(stays, lambda s: s["carrier_id"])
    assert per_carrier["c1"].as_dict() == {"enterprises": 3, "built_on_achievement": 1, "rate": "0.3333"}
    assert per_carrier["c2"].rate == 1 and per_carrier["c3"].rate == 0
    per_region = incubation.conversion_rates(stays, lambda s: s["region_code"])
    assert per_region["510100"].as_dict() == {"enterprises": 3, "built_on_achievement": 2, "rate": "0.6667"}
    assert incubation.Rate(0, 0).as_dict()["rate"] is None
