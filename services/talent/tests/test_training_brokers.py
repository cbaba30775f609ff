"""Training, broker certification and broker performance against the real local servers
(one service container for the module; contract events are published onto its prefixed topic)."""
import datetime as dt
import time
from decimal import Decimal

import pytest

from ttp_common.clock import china_date
from ttp_testing import (assert_error, at_once, events_deduplicated, header, marks, publish_event, read_topic, redeliver,
                         unique, wait_for)

pytestmark = pytest.mark.integration

PROVIDER = "org-swbase"  # 国家技术转移西南中心人才培养基地
ORG = "org-scu"
PHONE, ID_NUMBER = "13700001111", "11010519491231002X"
PROGRAMMES = "/api/v1/training/programmes"


def provider(api, sub="base-admin"):
    return api.token("institution", sub=sub, org=PROVIDER)


def broker_course(level="junior", hours=(24, 24), **changes):
    return {"title": f"{level} 技术经纪人培训班", "kind": "broker_course", "level": level,
            "provider_organization_id": PROVIDER, "provider_name": "国家技术转移西南中心人才培养基地",
            "sessions": [{"code": f"S{i + 1}", "topic": topic, "date": "2026-10-0%d" % (i + 1), "hours": h}
                         for i, (h, topic) in enumerate(zip(hours, ["通识", "政策法规", "实务", "能力"]))],
            **changes}


def events_of(api, aggregate, subject=None):
    topic = f"{api.config['KAFKA_TOPIC_PREFIX']}ttp.talent.{aggregate}"
    expected = api.db.outbox.count_documents({"topic": topic, **({"key": subject.encode()} if subject else {})})
    records = read_topic(topic, lambda r: subject is None or header(r, "ce_subject") == subject, count=expected)
    return [api.decode(r) for r in records]


@pytest.fixture(scope="module")
def person_id(api):
    response = api.post("/api/v1/people", {
        "name": "王经纪", "kinds": ["broker"], "organization_id": ORG, "contact": {"phone": PHONE},
        "id_number": ID_NUMBER}, token=api.token("institution", org=ORG))
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.fixture(scope="module")
def programme(api):
    response = api.post(PROGRAMMES, broker_course(), token=provider(api))
    assert response.status_code == 201, response.text
    return response.json()


def step(api, enrolment_id, name, body=None, token=None):
    return api.post(f"/api/v1/training/enrolments/{enrolment_id}/{name}", body, token=token or provider(api))


def complete_course(api, person_id, level, hours):
    """Register a course, enrol, attend all sessions, pass, complete: returns the enrolment."""
    programme = api.post(PROGRAMMES, broker_course(level, hours), token=provider(api)).json()
    enrolment = api.post(f"{PROGRAMMES}/{programme['id']}/enrolments", {"person_id": person_id},
                         token=provider(api)).json()
    for session in programme["sessions"]:
        assert step(api, enrolment["id"], "attendance", {"session": session["code"]}).status_code == 200
    assert step(api, enrolment["id"], "assessment", {"score": 90}).status_code == 200
    response = step(api, enrolment["id"], "completion")
    assert response.status_code == 200, response.text
    return response.json()


# -- programmes ---------------------------------------------------------------------------

def test_a_provider_registers_a_programme_and_the_event_says_so(api, programme):
    assert programme["total_hours"] == 48 and programme["required_hours"] == 48 and programme["level"] == "junior"
    assert api.get(f"{PROGRAMMES}/{programme['id']}").json() == programme  # programmes are public
    [(name, data)] = events_of(api, "training", programme["id"])
    assert name == "talent.training.programme_registered.v1"
    assert data == {"programme_id": programme["id"], "title": "junior 技术经纪人培训班", "kind": "broker_course",
                    "level": "junior", "provider_organization_id": PROVIDER, "total_hours": 48,
                    "required_hours": 48, "session_count": 2}


@pytest.mark.parametrize("changes, path", [
    ({"level": None}, "level"),
    ({"kind": "degree"}, "level"),
    ({"kind": "apprenticeship"}, "kind"),
    ({"required_hours": 100}, "required_hours"),
    ({"sessions": []}, "sessions"),
    ({"pass_mark": 101}, "pass_mark"),
    ({"pass_mark": True}, "pass_mark"),
    ({"sessions": [{"code": "S1", "topic": "通识", "date": "2026-10-01", "hours": True}]}, "sessions.0.hours"),
])
def test_invalid_programmes_are_400_naming_the_field(api, changes, path):
    before = api.counts("programmes")
    body = assert_error(api.post(PROGRAMMES, broker_course(**changes), token=provider(api)), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [path]
    assert api.counts("programmes") == before


def test_only_the_provider_registers_its_programmes(api):
    before = api.counts("programmes")
    assert_error(api.post(PROGRAMMES, broker_course(), token=api.token("institution", org=ORG)), 403, "forbidden")
    assert_error(api.post(PROGRAMMES, broker_course(), token=api.token("reviewer", region="510100")), 403,
                 "forbidden")
    assert_error(api.post(PROGRAMMES, broker_course()), 401, "unauthenticated")
    assert api.counts("programmes") == before


def test_programmes_are_listed_publicly_by_kind_and_level_a_page_at_a_time(api, programme):
    continuing = api.post(PROGRAMMES, broker_course(kind="continuing", level=None), token=provider(api)).json()
    senior = api.post(PROGRAMMES, broker_course("senior"), token=provider(api)).json()
    everything = api.get(PROGRAMMES)
    assert everything.status_code == 200, everything.text
    ids = [p["id"] for p in everything.json()["items"]]
    assert set(ids[:2]) == {senior["id"], continuing["id"]} and programme["id"] in ids[2:]  # newest first
    assert everything.json()["next_cursor"] is None

    assert [p["id"] for p in api.get(PROGRAMMES, params={"kind": "continuing"}).json()["items"]] == [continuing["id"]]
    by_level = api.get(PROGRAMMES, params={"kind": "broker_course", "level": "senior"}).json()["items"]
    assert [p["id"] for p in by_level] == [senior["id"]] and by_level[0] == senior

    seen, cursor = [], None
    while True:
        page = api.get(PROGRAMMES, params={"limit": 1, **({"cursor": cursor} if cursor else {})}).json()
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids

    for params, path in (({"kind": "apprenticeship"}, "kind"), ({"level": "expert"}, "level"),
                         ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"cursor": "nonsense"}, "cursor")):
        body = assert_error(api.get(PROGRAMMES, params=params), 400, "validation_failed")
        assert [f["path"] for f in body["fields"]] == [path]


# -- enrolment, attendance, assessment, completion ----------------------------------------------

def test_the_training_flow_with_an_event_at_each_step(api, programme, person_id):
    enrolments = f"{PROGRAMMES}/{programme['id']}/enrolments"
    response = api.post(enrolments, {"person_id": person_id}, token=api.token("institution", org=ORG))
    assert response.status_code == 201, response.text
    enrolment_id = response.json()["id"]
    again = api.post(enrolments, {"person_id": person_id}, token=provider(api))
    assert [f["path"] for f in assert_error(again, 409, "conflict")["fields"]] == ["person_id"]

    attended = step(api, enrolment_id, "attendance", {"session": "S1"})
    assert attended.status_code == 200, attended.text
    assert attended.json()["attended_hours"] == 24
    assert_error(step(api, enrolment_id, "attendance", {"session": "S1"}), 409, "conflict")
    assert_error(step(api, enrolment_id, "attendance", {"session": "S9"}), 422, "rule_not_met")
    before = api.counts("enrolments")
    early = assert_error(step(api, enrolment_id, "completion"), 422, "rule_not_met")
    assert "attended 24 of 48 required hours" in early["message"] and "no passed assessment" in early["message"]
    assert api.counts("enrolments") == before

    assert step(api, enrolment_id, "attendance", {"session": "S2"}).status_code == 200
    assert step(api, enrolment_id, "assessment", {"score": 55}).json()["passed"] is False
    assert_error(step(api, enrolment_id, "completion"), 422, "rule_not_met")
    assert step(api, enrolment_id, "assessment", {"score": 82}).json()["passed"] is True  # a retake
    done = step(api, enrolment_id, "completion")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert_error(step(api, enrolment_id, "attendance", {"session": "S2"}), 409, "conflict")

    names = [name.split(".")[2] for name, _ in events_of(api, "training", enrolment_id)]
    assert names == ["enrolled", "attended", "attended", "assessed", "assessed", "completed"]
    name, completed = events_of(api, "training", enrolment_id)[-1]
    assert completed["hours"] == 48 and completed["passed"] is True and completed["level"] == "junior"
    assert completed["person_id"] == person_id


def test_training_steps_check_who_and_what(api, programme, person_id):
    other = api.post("/api/v1/people", {"name": "赵学员", "kinds": ["researcher"], "organization_id": ORG},
                     token=api.token("admin")).json()["id"]
    enrolment_id = api.post(f"{PROGRAMMES}/{programme['id']}/enrolments", {"person_id": other},
                            token=provider(api)).json()["id"]
    before = api.counts("enrolments")
    # the person's organization enrols, but only the provider records attendance and results
    assert_error(step(api, enrolment_id, "attendance", {"session": "S1"}, token=api.token("institution", org=ORG)),
                 403, "forbidden")
    for score in (101, True):  # JSON true is not 1
        body = assert_error(step(api, enrolment_id, "assessment", {"score": score}), 400, "validation_failed")
        assert [f["path"] for f in body["fields"]] == ["score"]
    assert_error(step(api, enrolment_id, "graduation"), 404, "not_found")
    assert api.counts("enrolments") == before
    unknown = api.post(f"{PROGRAMMES}/{programme['id']}/enrolments", {"person_id": "nobody"}, token=provider(api))
    assert [f["path"] for f in assert_error(unknown, 404, "not_found")["fields"]] == ["person_id"]
    stranger = api.post(f"{PROGRAMMES}/{programme['id']}/enrolments", {"person_id": person_id},
                        token=api.token("institution", org="org-else"))
    assert_error(stranger, 403, "forbidden")


# -- certification -----------------------------------------------------------------------------

CERTIFY = "/api/v1/brokers/{}/certificates"


def test_certification_follows_the_level_rules(api, person_id):
    admin = api.token("admin", sub="sc-kjt")
    before = api.counts("certificates")
    refused = assert_error(api.post(CERTIFY.format(person_id), {"level": "intermediate"}, token=admin), 422,
                           "rule_not_met")
    assert {f["message"] for f in refused["fields"]} == {
        "needs a valid 初级技术经纪人 certificate first", "completed 0 of 64 course hours at this level",
        "passed 0 of 1 assessments at this level"}
    assert_error(api.post(CERTIFY.format(person_id), {"level": "junior"}, token=api.token("institution", org=ORG)),
                 403, "forbidden")
    bad = assert_error(api.post(CERTIFY.format(person_id), {"level": "expert"}, token=admin), 400,
                       "validation_failed")
    assert [f["path"] for f in bad["fields"]] == ["level"]
    assert api.counts("certificates") == before

    # the junior course was completed in the training flow above
    response = api.post(CERTIFY.format(person_id), {"level": "junior"}, token=admin)
    assert response.status_code == 201, response.text
    junior = response.json()
    today = china_date()
    assert junior["number"] == f"SCTB-{today.year}-J-00001" and junior["status"] == "active"
    assert junior["level_label"] == "初级技术经纪人" and junior["valid_from"] == today.isoformat()
    assert junior["valid_until"] == (today.replace(year=today.year + 3) - dt.timedelta(days=1)).isoformat()
    assert_error(api.post(CERTIFY.format(person_id), {"level": "junior"}, token=admin), 422, "rule_not_met")

    complete_course(api, person_id, "intermediate", (32, 32))
    intermediate = api.post(CERTIFY.format(person_id), {"level": "intermediate"}, token=admin).json()
    assert intermediate["number"] == f"SCTB-{today.year}-M-00001"

    [(name, data), (_, second)] = events_of(api, "broker", person_id)[:2]
    assert name == "talent.broker.certified.v1"
    assert data == {"person_id": person_id, "certificate_number": junior["number"], "level": "junior",
                    "valid_from": today, "valid_until": dt.date.fromisoformat(junior["valid_until"])}
    assert second["level"] == "intermediate"
    record = read_topic(f"{api.config['KAFKA_TOPIC_PREFIX']}ttp.talent.broker",
                        lambda r: header(r, "ce_subject") == person_id)[0]
    assert header(record, "ce_actor") == "sc-kjt"


def test_a_certificate_is_verifiable_suspended_and_reinstated(api, person_id):
    admin = api.token("admin")
    number = f"SCTB-{china_date().year}-J-00001"
    public = api.get(f"/api/v1/certificates/{number}").json()
    assert public == {"number": number, "level": "junior", "level_label": "初级技术经纪人", "status": "active",
                      "valid_from": public["valid_from"], "valid_until": public["valid_until"]}
    assert_error(api.get("/api/v1/certificates/SCTB-1999-J-99999"), 404, "not_found")

    assert_error(api.post(f"/api/v1/certificates/{number}/suspension", {"reason": "违规"},
                          token=api.token("institution", org=ORG)), 403, "forbidden")
    response = api.post(f"/api/v1/certificates/{number}/suspension", {"reason": "执业投诉核查中"}, token=admin)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "suspended"
    assert api.get(f"/api/v1/certificates/{number}").json()["status"] == "suspended"
    assert_error(api.post(f"/api/v1/certificates/{number}/suspension", {"reason": "再次"}, token=admin), 409,
                 "conflict")
    reinstated = api.post(f"/api/v1/certificates/{number}/reinstatement", {"reason": "核查完毕"}, token=admin)
    assert reinstated.json()["status"] == "active"
    names = [n for n, _ in events_of(api, "broker", person_id)]
    assert names[-2:] == ["talent.broker.certificate_suspended.v1", "talent.broker.certificate_reinstated.v1"]
    assert [h["action"] for h in reinstated.json()["history"]] == ["certify", "suspend", "reinstate"]


def test_a_suspended_certificate_is_not_bypassed_by_certifying_again(api, person_id):
    """The person still meets the junior rules (course completed); only reinstatement lifts a suspension."""
    admin = api.token("admin")
    number = f"SCTB-{china_date().year}-J-00001"
    assert api.post(f"/api/v1/certificates/{number}/suspension", {"reason": "执业投诉核查中"},
                    token=admin).status_code == 200
    before = api.counts("certificates")

    refused = assert_error(api.post(CERTIFY.format(person_id), {"level": "junior"}, token=admin), 409, "conflict")

    assert f"{number} is suspended" in refused["message"] and [f["path"] for f in refused["fields"]] == ["level"]
    assert api.counts("certificates") == before
    assert api.post(f"/api/v1/certificates/{number}/reinstatement", {"reason": "核查完毕"},
                    token=admin).status_code == 200


def test_a_certification_never_commits_on_a_prerequisite_suspended_meanwhile(api, monkeypatch):
    """Certifying checks the junior certificate (valid) and, without a common write, a concurrent suspension
    of it could commit in between: an intermediate certificate issued on a suspended junior one. The window
    is held open: the certification goes on only once the suspension has committed."""
    from talent import certification

    admin = api.token("admin")
    person_id = api.post("/api/v1/people", {"name": "李经纪", "kinds": ["broker"], "organization_id": ORG},
                         token=admin).json()["id"]
    complete_course(api, person_id, "junior", (24, 24))
    junior = api.post(CERTIFY.format(person_id), {"level": "junior"}, token=admin).json()["number"]
    complete_course(api, person_id, "intermediate", (32, 32))
    rules = certification.unmet_requirements

    def after_the_suspension(level, *args):
        deadline = time.time() + 10
        while level == "intermediate" and time.time() < deadline and \
                api.db.certificates.find_one({"_id": junior})["status"] != "suspended":
            time.sleep(0.02)
        return rules(level, *args)

    monkeypatch.setattr(certification, "unmet_requirements", after_the_suspension)
    certified, suspended = at_once(
        lambda: api.post(CERTIFY.format(person_id), {"level": "intermediate"}, token=admin, timeout=60),
        lambda: api.post(f"/api/v1/certificates/{junior}/suspension", {"reason": "执业投诉核查中"}, token=admin,
                         timeout=60))

    assert suspended.status_code == 200, suspended.text
    assert not (certified.status_code == 201 and suspended.status_code == 200), "both committed"
    refused = assert_error(certified, 422, "rule_not_met")
    assert "needs a valid 初级技术经纪人 certificate first" in refused["message"]
    assert [c["level"] for c in api.db.certificates.find({"person_id": person_id})] == ["junior"]
    assert [n for n, _ in events_of(api, "broker", person_id)][-1] == "talent.broker.certificate_suspended.v1"


# -- performance from registered technology contracts ------------------------------------------

def publish_contract(api, contract_id, amount, technology, brokers, year=2026, event_id=None):
    data = {
        "contract_id": contract_id, "registration_number": "2026510100000123", "contract_type": "licence",
        "contract_amount": Decimal(amount), "technology_transaction_amount": Decimal(technology),
        "seller_organization_id": ORG, "region_code": "510100",
        "registered_at": dt.datetime(year, 7, 1, 8, tzinfo=dt.timezone.utc), "broker_person_ids": brokers,
    }
    return publish_event(api, "transactions.contract.registered.v1", data, contract_id, event_id=event_id)


def figures(api, person_id):
    response = api.get(f"/api/v1/brokers/{person_id}", token=api.token("reviewer", region="510100"))
    assert response.status_code == 200, response.text
    return response.json()["performance"]


def deduplicated(api):
    """Redelivered contract events the broker-performance handler has skipped (of the whole test process)."""
    return events_deduplicated(api.get("/metrics").text, "talent", "on_contract_registered")


def test_broker_performance_is_computed_from_contract_events_once_each(api, person_id):
    first = publish_contract(api, unique("c-"), "1000000.10", "800000.05", [person_id])
    wait_for(lambda: figures(api, person_id)["contracts"] == 1, message="the first contract counted")
    skipped = deduplicated(api)
    redeliver(first)  # redelivered: same ce_id
    publish_contract(api, unique("c-"), "0.20", "0.10", [person_id, person_id, "another-broker"], year=2025)
    wait_for(lambda: figures(api, person_id)["contracts"] == 2, message="the second contract counted")
    marker = publish_contract(api, unique("c-"), "1.00", "1.00", ["another-broker"])  # after the redelivery
    marker_id = dict(marker.headers)['ce_id'].decode()
    wait_for(lambda: marks(api.db, "on_contract_registered", marker_id), message="the marker event processed")
    # the copy keeps the first contract's key, the marker has its own: the copy's skip is what proves it was seen
    wait_for(lambda: deduplicated(api) == skipped + 1, message="the redelivered copy skipped")

    result = figures(api, person_id)
    assert result["contracts"] == 2  # the redelivered event did not count twice
    assert result["contract_amount"] == "1000000.30"
    assert result["technology_transaction_amount"] == "800000.15"
    assert result["by_year"] == {
        "2026": {"contracts": 1, "contract_amount": "1000000.10", "technology_transaction_amount": "800000.05"},
        "2025": {"contracts": 1, "contract_amount": "0.20", "technology_transaction_amount": "0.10"}}
    assert api.db.broker_performance.find_one({"_id": "another-broker"})["contracts"] == 2

    updates = [data for name, data in events_of(api, "broker", person_id)
               if name == "talent.broker.performance_updated.v1"]
    assert [u["contracts"] for u in updates] == [1, 2]
    assert updates[-1]["contract_amount"] == Decimal("1000000.30")
    assert updates[-1]["technology_transaction_amount"] == Decimal("800000.15")


def test_performance_is_not_for_other_organizations(api, person_id):
    assert_error(api.get(f"/api/v1/brokers/{person_id}", token=api.token("institution", org="org-else")), 403,
                 "forbidden")
    assert_error(api.get(f"/api/v1/brokers/{person_id}"), 401, "unauthenticated")
    assert api.get(f"/api/v1/brokers/{person_id}", token=api.token("institution", org=ORG)).status_code == 200


def test_no_event_carries_contact_or_identity_numbers(api, assert_no_personal_data):
    """Runs last in the module: scans every event the module's service published."""
    records = assert_no_personal_data(api, ["王经纪", "赵学员", PHONE, ID_NUMBER])
    assert len(records) >= 20


def test_an_expired_certificate_is_announced_once_by_the_expiry_check(api, person_id):
    number = f"SCTB-2020-J-{unique()[-5:]}"
    api.db.certificates.insert_one({"_id": number, "person_id": person_id, "level": "junior", "status": "active",
                                    "valid_from": "2020-01-01", "valid_until": "2022-12-31",
                                    "issued_at": dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc), "history": []})
    assert_error(api.post("/api/v1/certificates/expiry-check", token=api.token("institution", org=ORG)), 403,
                 "forbidden")
    admin = api.token("admin")
    response = api.post("/api/v1/certificates/expiry-check", token=admin)
    assert response.status_code == 200, response.text
    assert number in response.json()["announced"]
    assert number not in api.post("/api/v1/certificates/expiry-check", token=admin).json()["announced"]
    assert api.get(f"/api/v1/certificates/{number}").json()["status"] == "expired"

    expired = [data for name, data in events_of(api, "broker", person_id)
               if name == "talent.broker.certificate_expired.v1" and data["certificate_number"] == number]
    assert len(expired) == 1
    assert expired[0]["organization_id"] == ORG and expired[0]["expired_on"] == dt.date(2023, 1, 1)
    assert PHONE not in str(expired[0]) and ID_NUMBER not in str(expired[0])


def test_a_cancelled_contract_leaves_the_brokers_performance(api):
    response = api.post("/api/v1/people", {"name": "赵经纪", "kinds": ["broker"], "organization_id": ORG},
                        token=api.token("institution", org=ORG))
    broker_id = response.json()["id"]
    contract_id = unique("c-")
    publish_contract(api, contract_id, "300.00", "200.00", [broker_id])
    wait_for(lambda: figures(api, broker_id)["contracts"] == 1, message="the contract counted")
    publish_event(api, "transactions.contract.cancelled.v1", {
        "contract_id": contract_id, "registration_number": "5101002026000099", "seller_organization_id": ORG,
        "region_code": "510100", "contract_type": "licence", "programme": None, "achievement_id": None,
        "registration_date": dt.date(2026, 7, 1), "effective_date": dt.date(2026, 8, 1),
        "request_reference": "注销 9", "reason": "合同解除", "contract_amount": Decimal("300.00"),
        "technology_transaction_amount": Decimal("200.00"), "broker_person_ids": [broker_id],
        "cancelled_at": dt.datetime(2026, 8, 1, tzinfo=dt.timezone.utc)}, contract_id)
    wait_for(lambda: figures(api, broker_id)["contracts"] == 0, message="the cancellation taken off")
    assert figures(api, broker_id)["technology_transaction_amount"] == "0.00"
