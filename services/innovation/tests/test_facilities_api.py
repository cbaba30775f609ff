"""Shared facilities against the real local servers: an owner catalogues a facility, an enterprise requests
time, the owner accepts (or declines) and records the use, each step an event on Kafka; who may see and act
on what; utilization and SMEs served."""
import datetime as dt

import pytest

from ttp_testing import assert_error, header, read_topic

from ._registry import events_of, new_id, organization

pytestmark = pytest.mark.integration

FACILITIES, BOOKINGS = "/api/v1/facilities", "/api/v1/facility-bookings"


def facility(owner, **overrides):
    return {"owner_organization_id": owner, "kind": "pilot_line", "name": "钒钛材料中试生产线", "region_code": "510400",
            "terms": "工作日开放, 按机时收费 300 元/小时, 需经安全培训", "open_hours_per_year": 800, **overrides}


def window(hours=4, days_ahead=3):
    start = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).replace(microsecond=0) + dt.timedelta(days=days_ahead)
    return {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=hours * 2)).isoformat()}


def list_facility(api, owner, **overrides):
    response = api.post(FACILITIES, facility(owner, **overrides), token=api.institution(owner))
    assert response.status_code == 201, response.text
    return response.json()


def request_time(api, facility_id, enterprise, hours=4):
    return api.post(BOOKINGS, {"facility_id": facility_id, "enterprise_organization_id": enterprise, "hours": hours,
                               "purpose": "新型钛合金小批量试制", **window(hours)}, token=api.institution(enterprise))


def requested(api, facility_id, enterprise, hours=4):
    response = request_time(api, facility_id, enterprise, hours)
    assert response.status_code == 201, response.text
    return response.json()


def test_request_accept_use_each_step_an_attributed_event(api):
    owner, enterprise = organization(api, "institute", "510400"), organization(api)
    listed = list_facility(api, owner)
    assert api.get(f"{FACILITIES}/{listed['id']}").json() == listed  # the catalogue is public
    booking = requested(api, listed["id"], enterprise)
    assert booking["status"] == "requested" and booking["owner_organization_id"] == owner

    accepted = api.post(f"{BOOKINGS}/{booking['id']}/accept", token=api.institution(owner, sub="owner-staff"))
    assert accepted.status_code == 200, accepted.text
    used = api.post(f"{BOOKINGS}/{booking['id']}/use", {"hours_used": "3.5"}, token=api.institution(owner))
    assert used.status_code == 200, used.text
    assert used.json()["status"] == "used" and used.json()["hours_used"] == "3.5"

    [(name, data)] = events_of(api, "facility", listed["id"], 1)
    assert name == "innovation.facility.listed.v1" and data["open_hours_per_year"] == 800
    steps = events_of(api, "booking", booking["id"], 3)
    assert [name for name, _ in steps] == [f"innovation.booking.{s}.v1" for s in ("requested", "accepted",
                                                                                  "use_recorded")]
    assert steps[0][1]["hours"] == 4 and "purpose" not in steps[0][1]  # the enterprise's purpose stays private
    assert steps[2][1]["hours_used"] == 3.5 and steps[2][1]["enterprise_organization_id"] == enterprise
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.innovation.booking",
                          lambda r: header(r, "ce_subject") == booking["id"]
                          and header(r, "ce_type").endswith("booking.accepted.v1"))
    assert header(record, "ce_actor") == "owner-staff" and header(record, "ce_actororg") == owner

    # a second use record, or a decision after the use, is a 409
    assert_error(api.post(f"{BOOKINGS}/{booking['id']}/use", {"hours_used": "1"}, token=api.institution(owner)),
                 409, "conflict")
    assert_error(api.post(f"{BOOKINGS}/{booking['id']}/decline", {"reason": "设备检修"}, token=api.institution(owner)),
                 409, "conflict")


def test_a_declined_request_names_its_reason_and_cannot_be_used(api):
    owner, enterprise = organization(api, "university"), organization(api)
    booking = requested(api, list_facility(api, owner)["id"], enterprise)
    declined = api.post(f"{BOOKINGS}/{booking['id']}/decline", {"reason": "该时段设备检修"}, token=api.institution(owner))
    assert declined.status_code == 200 and declined.json()["decline_reason"] == "该时段设备检修"
    assert_error(api.post(f"{BOOKINGS}/{booking['id']}/use", {"hours_used": "1"}, token=api.institution(owner)),
                 409, "conflict")
    names = [name for name, _ in events_of(api, "booking", booking["id"], 2)]
    assert names == ["innovation.booking.requested.v1", "innovation.booking.declined.v1"]


def test_only_enterprises_request_and_more_than_accepted_is_refused(api):
    owner, enterprise, institute = organization(api, "institute"), organization(api), organization(api, "institute")
    listed = list_facility(api, owner)
    before = api.counts("bookings")
    body = assert_error(request_time(api, listed["id"], institute), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["enterprise_organization_id"]
    unknown = new_id("org")  # never announced by the registry
    assert_error(request_time(api, listed["id"], unknown), 400, "validation_failed")
    assert_error(request_time(api, "no-such-facility", enterprise), 404, "not_found")
    assert api.counts("bookings") == before
    booking = requested(api, listed["id"], enterprise, hours=2)
    api.post(f"{BOOKINGS}/{booking['id']}/accept", token=api.institution(owner))
    body = assert_error(api.post(f"{BOOKINGS}/{booking['id']}/use", {"hours_used": "2.5"},
                                 token=api.institution(owner)), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["hours_used"]


def test_an_enterprise_sees_only_its_requests_and_an_owner_acts_only_on_its_facilities(api):
    owner, other_owner = organization(api, "institute"), organization(api, "institute")
    enterprise, rival = organization(api), organization(api)
    booking = requested(api, list_facility(api, owner)["id"], enterprise)
    url = f"{BOOKINGS}/{booking['id']}"
    # another organization listing a facility in the owner's name
    assert_error(api.post(FACILITIES, facility(owner), token=api.institution(other_owner)), 403, "forbidden")
    # requesting in another enterprise's name
    assert_error(api.post(
        BOOKINGS, {"facility_id": booking["facility_id"], "enterprise_organization_id": enterprise, "hours": 1,
                   "purpose": "冒名申请", **window(1)}, token=api.institution(rival)), 403, "forbidden")
    # a rival enterprise and another owner neither see nor decide it
    for stranger in (rival, other_owner):
        assert_error(api.get(url, token=api.institution(stranger)), 404, "not_found")
        assert_error(api.post(f"{url}/accept", token=api.institution(stranger)), 404, "not_found")
        assert booking["id"] not in [b["id"] for b in api.get(BOOKINGS, token=api.institution(stranger)).json()["items"]]
    # the enterprise reads its request but does not decide it
    assert api.get(url, token=api.institution(enterprise)).json()["status"] == "requested"
    assert_error(api.post(f"{url}/accept", token=api.institution(enterprise)), 403, "forbidden")
    assert_error(api.post(f"{url}/use", {"hours_used": "1"}, token=api.institution(enterprise)), 403, "forbidden")
    assert_error(api.get(url), 401, "unauthenticated")
    assert [b["id"] for b in api.get(BOOKINGS, params={"side": "enterprise"},
                                     token=api.institution(enterprise)).json()["items"]] == [booking["id"]]
    assert [b["id"] for b in api.get(BOOKINGS, params={"side": "owner"},
                                     token=api.institution(owner)).json()["items"]] == [booking["id"]]
    assert api.get(url, token=api.institution(owner)).json()["status"] == "requested"  # nothing changed


def test_usage_shows_utilization_and_smes_served(api):
    owner = organization(api, "institute")
    region = "513400"  # a region of its own in this module
    listed = list_facility(api, owner, region_code=region, kind="instrument", open_hours_per_year=100)
    for enterprise, hours in ((organization(api), "10"), (organization(api), "5")):
        booking = requested(api, listed["id"], enterprise, hours=10)
        api.post(f"{BOOKINGS}/{booking['id']}/accept", token=api.institution(owner))
        api.post(f"{BOOKINGS}/{booking['id']}/use", {"hours_used": hours}, token=api.institution(owner))
    usage = api.get("/api/v1/facility-usage", params={"by": "region"}).json()
    assert usage["year"] == dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year
    groups = {g["key"]: g for g in usage["groups"]}
    assert groups[region] == {"key": region, "facilities": 1, "open_hours": 100, "hours_used": "15.0",
                              "utilization": "0.1500", "smes_served": 2}
    earlier = {g["key"]: g for g in api.get("/api/v1/facility-usage", params={"by": "region", "year": 2020}).json()[
        "groups"]}  # no use recorded then: the facility's open hours, nothing used
    assert earlier[region] == {"key": region, "facilities": 1, "open_hours": 100,
                                                      "hours_used": "0", "utilization": "0.0000", "smes_served": 0}
    metrics = api.get("/metrics").text
    assert 'ttp_innovation_facility_hours_used_total{kind="instrument"}' in metrics
