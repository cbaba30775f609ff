"""The incubation ladder against the real local servers: a reviewer records a carrier, its operator records an
enterprise's entry (named achievements checked against the registry's registrations, as announced on Kafka)
and graduation, each an event on Kafka; the conversion-incubation rate per carrier and region."""
import datetime as dt

import pytest

from ttp_testing import assert_error, header, read_topic

from ._registry import events_of, new_id, organization, registered_achievement

pytestmark = pytest.mark.integration

CARRIERS = "/api/v1/carriers"


def carrier(api, operator, region="510600", kind="incubator", level="provincial"):
    response = api.post(CARRIERS, {"name": "德阳高新区科技企业孵化器", "kind": kind, "level": level, "region_code": region,
                                   "operator_organization_id": operator}, token=api.reviewer(region))
    assert response.status_code == 201, response.text
    return response.json()


def enter(api, carrier_id, operator, enterprise, achievement_ids=(), entered_on="2026-03-01"):
    return api.post(f"{CARRIERS}/{carrier_id}/incubations", {
        "enterprise_organization_id": enterprise, "entered_on": entered_on, "achievement_ids": list(achievement_ids)},
        token=api.institution(operator))


def entered(api, *args, **kwargs):
    response = enter(api, *args, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def test_entry_and_graduation_are_published_and_the_rate_follows(api):
    operator, university = organization(api, "enterprise", "510600"), organization(api, "university", "510600")
    achievement = registered_achievement(api, university)
    recorded = carrier(api, operator)
    built, plain = organization(api, region="510600"), organization(api, region="510600")
    stay = entered(api, recorded["id"], operator, built, [achievement])
    assert stay["built_on_achievement"] is True and stay["status"] == "incubating"
    entered(api, recorded["id"], operator, plain)

    graduated = api.post(f"/api/v1/incubations/{stay['id']}/graduation", {"graduated_on": "2026-11-30"},
                         token=api.institution(operator, sub="operator-staff"))
    assert graduated.status_code == 200, graduated.text
    assert graduated.json()["status"] == "graduated" and graduated.json()["graduated_on"] == "2026-11-30"

    [(name, data)] = events_of(api, "carrier", recorded["id"], 1)
    assert name == "innovation.carrier.recorded.v1" and data["level"] == "provincial"
    steps = events_of(api, "incubation", stay["id"], 2)
    assert [name for name, _ in steps] == ["innovation.incubation.entered.v1", "innovation.incubation.graduated.v1"]
    assert steps[0][1]["achievement_ids"] == [achievement] and steps[0][1]["entered_on"] == dt.date(2026, 3, 1)
    assert steps[0][1]["carrier_kind"] == "incubator" and steps[0][1]["region_code"] == "510600"
    assert steps[1][1]["graduated_on"] == dt.date(2026, 11, 30) and steps[1][1]["built_on_achievement"] is True
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.innovation.incubation",
                          lambda r: header(r, "ce_subject") == stay["id"] and header(r, "ce_type").endswith("graduated.v1"))
    assert header(record, "ce_actor") == "operator-staff" and header(record, "ce_actororg") == operator

    shown = api.get(f"{CARRIERS}/{recorded['id']}").json()  # public
    assert shown["conversion"] == {"enterprises": 2, "built_on_achievement": 1, "rate": "0.5000"}
    assert shown["incubating"] == 1 and shown["graduated"] == 1
    rates = api.get("/api/v1/incubation-rates", params={"region": "510600"}).json()
    assert {"key": recorded["id"], "enterprises": 2, "built_on_achievement": 1, "rate": "0.5000"} in rates["carriers"]
    [region] = rates["regions"]
    assert region["key"] == "510600" and region["enterprises"] >= 2

    # graduating twice is a 409; re-entry after graduation is a new stay
    assert_error(api.post(f"/api/v1/incubations/{stay['id']}/graduation", {"graduated_on": "2026-12-01"},
                          token=api.institution(operator)), 409, "conflict")
    assert_error(enter(api, recorded["id"], operator, plain), 409, "conflict")  # still incubating there
    entered(api, recorded["id"], operator, built, entered_on="2026-12-01")


def test_entries_are_checked_against_the_registry(api):
    operator = organization(api, "enterprise", "510600")
    recorded = carrier(api, operator, kind="makerspace", level="national")
    enterprise, institute = organization(api, region="510600"), organization(api, "institute", "510600")
    before = api.counts("incubations")
    body = assert_error(enter(api, recorded["id"], operator, enterprise, ["a-never-registered"]), 400,
                        "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["achievement_ids.0"]
    body = assert_error(enter(api, recorded["id"], operator, institute), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["enterprise_organization_id"]
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    body = assert_error(enter(api, recorded["id"], operator, enterprise, entered_on=tomorrow), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["entered_on"]
    assert api.counts("incubations") == before
    stay = entered(api, recorded["id"], operator, enterprise)
    body = assert_error(api.post(f"/api/v1/incubations/{stay['id']}/graduation", {"graduated_on": "2026-01-01"},
                                 token=api.institution(operator)), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["graduated_on"]


def test_only_the_regions_reviewer_records_and_only_the_operator_enters(api):
    operator, stranger = organization(api, "enterprise", "510600"), organization(api, "enterprise", "510600")
    body = {"name": "绵阳科技城加速器", "kind": "accelerator", "level": "municipal", "region_code": "510700",
            "operator_organization_id": operator}
    assert_error(api.post(CARRIERS, body, token=api.reviewer("510600")), 403, "forbidden")  # another region
    assert_error(api.post(CARRIERS, body, token=api.institution(operator)), 403, "forbidden")
    assert_error(api.post(CARRIERS, body), 401, "unauthenticated")
    recorded = carrier(api, operator)
    enterprise = organization(api, region="510600")
    assert_error(enter(api, recorded["id"], stranger, enterprise), 403, "forbidden")
    assert_error(enter(api, recorded["id"], enterprise, enterprise), 403, "forbidden")  # not even itself
    assert_error(api.get(f"{CARRIERS}/{recorded['id']}/incubations", token=api.institution(stranger)), 403,
                 "forbidden")
    stay = entered(api, recorded["id"], operator, enterprise)
    assert_error(api.post(f"/api/v1/incubations/{stay['id']}/graduation", {"graduated_on": "2026-06-01"},
                          token=api.institution(stranger)), 403, "forbidden")
    for reader in (operator, enterprise):  # the stay's Location: its operator and the enterprise read it
        assert api.get(f"/api/v1/incubations/{stay['id']}", token=api.institution(reader)).json() == stay
    assert_error(api.get(f"/api/v1/incubations/{stay['id']}", token=api.institution(stranger)), 404, "not_found")
    assert [s["id"] for s in api.get(f"{CARRIERS}/{recorded['id']}/incubations",
                                     token=api.institution(operator)).json()["items"]] == [stay["id"]]
    assert_error(enter(api, new_id("no-carrier"), operator, enterprise), 404, "not_found")
