"""The talent service's HTTP API against the real local servers (one service container for the module)."""
import datetime as dt
import json
import logging
import uuid

import pytest

from talent.documents import Post
from ttp_testing import assert_error, header, read_topic

pytestmark = pytest.mark.integration

PATH = "/api/v1/people"
TOPIC = "ttp.talent.person"
EVENT = "talent.person.registered.v1"
EVENT_TYPE = f"cn.gov.sc.ttp.{EVENT}"
ORG = "org-scu"


PHONE = "13912345678"
EMAIL = "chen.broker@example.cn"
ID_NUMBER = "11010519491231002X"  # made up, with a valid check character
PERSONAL = ["陈技术经纪人", PHONE, EMAIL, ID_NUMBER]


def person(**overrides):
    return {"name": "陈技术经纪人", "kinds": ["broker", "expert"], "organization_id": ORG, **overrides}


def full_person(**overrides):
    return person(**{"fields": ["新材料", "技术转移"], "title": "高级工程师", "contact": {"phone": PHONE, "email": EMAIL},
                     "id_number": ID_NUMBER, "public_fields": ["name", "fields"], **overrides})


# -- its OpenAPI document (what every service's holds: tests/platform/test_contract.py) -----------

def test_openapi_document_describes_the_write_endpoint(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert set(spec["components"]["schemas"]["PersonIn"]["required"]) == {"name", "kinds"}


# -- writing: who may ------------------------------------------------------------------

@pytest.mark.parametrize("role", ["reviewer", "public"])
def test_reviewers_and_the_public_are_403(api, role):
    before = api.counts("people")
    assert_error(api.post(PATH, person(), token=api.token(role, region="510100")), 403, "forbidden")
    assert api.counts("people") == before


@pytest.mark.parametrize("organization_id", ["org-other", None])
def test_an_institution_registers_only_its_own_people(api, organization_id):
    before = api.counts("people")
    token = api.token("institution", org=ORG)
    assert_error(api.post(PATH, person(organization_id=organization_id), token=token), 403, "forbidden")
    assert api.counts("people") == before


# -- writing: what is accepted --------------------------------------------------------

@pytest.mark.parametrize("change, path", [
    ({"kinds": []}, "kinds"),
    ({"kinds": ["broker", "astronaut"]}, "kinds.1"),
    ({"name": ""}, "name"),
    ({"public_fields": ["name", "contact"]}, "public_fields.1"),
    ({"phone": "13800000000"}, "phone"),
    ({"contact": {"phone": "1380000"}}, "contact.phone"),
    ({"id_number": "110105194912310021"}, "id_number"),
])
def test_invalid_bodies_are_400_with_the_field_path(api, change, path):
    before = api.counts("people")
    token = api.token("institution", org=ORG)
    body = assert_error(api.post(PATH, person(**change), token=token), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [path]
    assert api.counts("people") == before


def test_a_where_operator_is_400(api):
    before = api.counts("people")
    token = api.token("institution", org=ORG)
    body = assert_error(api.post(PATH, person(**{"$where": "this.name"}), token=token), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["$where"]
    assert api.counts("people") == before


def test_an_institution_registers_its_own_person_and_the_event_carries_no_personal_data(api):
    before = api.counts("people")
    token = api.token("institution", sub="hr-scu", org=ORG)

    response = api.post(PATH, full_person(), token=token)

    assert response.status_code == 201, response.text
    created = response.json()
    person_id = created["id"]
    assert response.headers["Location"] == f"{PATH}/{person_id}"
    assert created == {"id": person_id, "name": "陈技术经纪人", "kinds": ["broker", "expert"], "organization_id": ORG,
                       "fields": ["新材料", "技术转移"], "title": "高级工程师",
                       "contact": {"phone": PHONE, "email": EMAIL}, "id_number": ID_NUMBER,
                       "public_fields": ["name", "fields"], "created_at": created["created_at"],
                       "created_by": "hr-scu", "updated_at": None, "updated_by": None}
    assert api.counts("people") == (before[0] + 1, before[1] + 1)

    stored = api.db.people.find_one({"_id": person_id})
    assert stored["name"] == "陈技术经纪人" and stored["created_by"] == "hr-scu"
    [row] = list(api.db.outbox.find({"key": person_id.encode()}))
    assert row["type"] == EVENT_TYPE

    record = api.event(TOPIC, person_id)
    assert header(record, "ce_type") == EVENT_TYPE
    assert header(record, "ce_actor") == "hr-scu"
    assert header(record, "ce_actororg") == ORG
    assert header(record, "ce_subject") == person_id
    assert api.decode(record) == (EVENT, {"person_id": person_id, "kinds": ["broker", "expert"],
                                          "organization_id": ORG})
    for value in PERSONAL:  # personal data stays out of the event stream
        assert value.encode() not in record.value


@pytest.fixture(scope="module")
def registered(api):
    response = api.post(PATH, full_person(), token=api.token("institution", org=ORG))
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.parametrize("token", [
    None, pytest.param({"role": "reviewer", "region": "510100"}, id="reviewer"),
    pytest.param({"role": "institution", "org": "org-other"}, id="other-institution"),
])
def test_others_see_only_what_the_person_consented_to_show(api, registered, token):
    token = api.token(token.pop("role"), **token) if token else None
    response = api.get(f"{PATH}/{registered}", token=token)
    assert response.status_code == 200, response.text
    assert response.json() == {"id": registered, "name": "陈技术经纪人", "fields": ["新材料", "技术转移"]}
    for value in (PHONE, EMAIL, ID_NUMBER, "高级工程师", ORG):
        assert value not in response.text


def test_nothing_consented_means_only_the_id_is_public(api):
    person_id = api.post(PATH, full_person(public_fields=[]), token=api.token("admin")).json()["id"]
    assert api.get(f"{PATH}/{person_id}").json() == {"id": person_id}


def test_the_persons_organization_and_admins_see_the_full_record(api, registered):
    for token in (api.token("institution", org=ORG), api.token("admin")):
        body = api.get(f"{PATH}/{registered}", token=token).json()
        assert body["contact"] == {"phone": PHONE, "email": EMAIL} and body["id_number"] == ID_NUMBER
        assert body["broker"] == {"certificates": [], "performance": {
            "contracts": 0, "contract_amount": "0.00", "technology_transaction_amount": "0.00",
            "by_year": {}, "by_type": {}}}


def test_an_unknown_person_is_404(api):
    assert_error(api.get(f"{PATH}/no-such-person"), 404, "not_found")


# -- transfer posts and talent programmes ----------------------------------------------

def test_an_institution_registers_a_transfer_post_for_counting(api, registered):
    token = api.token("institution", sub="hr-scu", org=ORG)
    response = api.post(f"{PATH}/{registered}/posts", {"organization_id": ORG, "starts_on": "2026-09-01"},
                        token=token)
    assert response.status_code == 201, response.text
    post = response.json()
    assert post["post_kind"] == "transfer_post" and post["person_id"] == registered
    [record] = [r for r in api_records(api, TOPIC) if header(r, "ce_type").endswith("post_registered.v1")]
    assert api.decode(record) == ("talent.person.post_registered.v1", {
        "person_id": registered, "post_id": post["id"], "organization_id": ORG, "post_kind": "transfer_post",
        "starts_on": dt.date(2026, 9, 1)})
    body = api.get(f"{PATH}/{registered}", token=token).json()
    assert [p["id"] for p in body["posts"]] == [post["id"]]


def test_a_post_of_another_organization_is_403_and_stores_nothing(api, registered):
    before = api.counts("posts")
    response = api.post(f"{PATH}/{registered}/posts", {"organization_id": "org-other", "starts_on": "2026-09-01"},
                        token=api.token("institution", org=ORG))
    assert_error(response, 403, "forbidden")
    assert api.counts("posts") == before


def test_talent_programme_participation_is_registered_by_the_persons_organization(api, registered):
    body = {"programme": "thousand_talents", "programme_name": "四川省千人计划", "year": 2016}
    before = api.counts("posts")
    assert_error(api.post(f"{PATH}/{registered}/talent-programmes", body,
                          token=api.token("institution", org="org-other")), 403, "forbidden")
    bad = api.post(f"{PATH}/{registered}/talent-programmes", {**body, "programme": "million_talents"},
                   token=api.token("institution", org=ORG))
    assert [f["path"] for f in assert_error(bad, 400, "validation_failed")["fields"]] == ["programme"]
    assert api.counts("posts") == before

    response = api.post(f"{PATH}/{registered}/talent-programmes", body, token=api.token("institution", org=ORG))
    assert response.status_code == 201, response.text
    [record] = [r for r in api_records(api, TOPIC) if header(r, "ce_type").endswith("programme_joined.v1")]
    assert api.decode(record)[1] == {"person_id": registered, "participation_id": response.json()["id"],
                                     "programme": "thousand_talents", "programme_name": "四川省千人计划",
                                     "organization_id": ORG, "year": 2016}


def test_a_post_for_another_organizations_person_is_403_and_stores_nothing(api, registered):
    """The post's organization is the caller's, but the person is of ORG: not the caller's to post."""
    before = api.counts("posts")
    response = api.post(f"{PATH}/{registered}/posts", {"organization_id": "org-other", "starts_on": "2026-09-01"},
                        token=api.token("institution", org="org-other"))
    assert_error(response, 403, "forbidden")
    assert api.counts("posts") == before


def test_a_post_or_participation_is_registered_once(api):
    person_id = api.post(PATH, person(), token=api.token("admin")).json()["id"]
    token = api.token("institution", org=ORG)
    post = {"organization_id": ORG, "post_kind": "tech_manager", "starts_on": "2026-09-01"}
    selection = {"programme": "tianfu_talents", "programme_name": "天府万人计划", "year": 2020}
    assert api.post(f"{PATH}/{person_id}/posts", post, token=token).status_code == 201
    assert api.post(f"{PATH}/{person_id}/talent-programmes", selection, token=token).status_code == 201
    before = api.counts("posts")

    again = api.post(f"{PATH}/{person_id}/posts", {**post, "starts_on": "2026-10-01"}, token=token)
    assert [f["path"] for f in assert_error(again, 409, "conflict")["fields"]] == ["post_kind"]
    again = api.post(f"{PATH}/{person_id}/talent-programmes", selection, token=api.token("admin"))
    assert [f["path"] for f in assert_error(again, 409, "conflict")["fields"]] == ["year"]
    # the name is free text: the same programme and year is one selection, however it is written
    renamed = api.post(f"{PATH}/{person_id}/talent-programmes", {**selection, "programme_name": "天府万人计划(2020)"},
                       token=token)
    assert [f["path"] for f in assert_error(renamed, 409, "conflict")["fields"]] == ["year"]
    assert api.counts("posts") == before

    assert api.post(f"{PATH}/{person_id}/posts", {**post, "post_kind": "transfer_post"}, token=token).status_code == 201
    assert api.post(f"{PATH}/{person_id}/talent-programmes", {**selection, "year": 2021},
                    token=token).status_code == 201
    assert len(api.get(f"{PATH}/{person_id}", token=token).json()["posts"]) == 4


def test_a_post_for_an_unknown_person_is_404(api):
    response = api.post(f"{PATH}/nobody/posts", {"organization_id": ORG, "starts_on": "2026-09-01"},
                        token=api.token("institution", org=ORG))
    assert_error(response, 404, "not_found")


def old_post(api, person_id, category, record, key=None, days_ago=400):
    """A post or participation as stored by an earlier release: no natural key (or the earlier key)."""
    doc = {"_id": uuid.uuid4().hex, "person_id": person_id, "category": category, "record": record,
           "created_at": dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days_ago), "created_by": "hr-old"}
    if key is not None:
        doc["key"] = key
    api.db.posts.insert_one(doc)
    return doc["_id"]


def test_posts_from_before_the_key_get_it_at_start_up_and_a_repeat_is_409(api, caplog):
    """The unique index on ``key`` is sparse: keyless posts of earlier releases were not in it, so repeating
    one was accepted and counted twice. The start-up migration keys them, the first of two equal ones only."""
    from talent.migrations import key_posts
    from talent.service import TalentService

    assert key_posts in TalentService.migrations and Post._get_db().name == api.db.name  # runs in this process
    person_id = api.post(PATH, person(), token=api.token("admin")).json()["id"]
    post = {"organization_id": ORG, "post_kind": "transfer_post", "starts_on": "2019-03-01"}
    first = old_post(api, person_id, "post", post, days_ago=400)
    repeat = old_post(api, person_id, "post", {**post, "starts_on": "2019-04-01"}, days_ago=300)
    selection = {"programme": "thousand_talents", "programme_name": "四川省千人计划", "year": 2018}
    earlier_key = json.dumps(["programme", person_id, "thousand_talents", "四川省千人计划", 2018], ensure_ascii=False)
    joined = old_post(api, person_id, "programme", selection, key=earlier_key)
    broken = old_post(api, person_id, "programme", {"programme": "other"})  # no year: no key can be made

    with caplog.at_level(logging.INFO, logger="talent.migrations"):
        keyed, duplicates = key_posts(api.db)
    assert (keyed, duplicates) == (2, 1)
    stored = {d["_id"]: d.get("key") for d in api.db.posts.find({"person_id": person_id})}
    assert stored[first] == json.dumps(["post", person_id, ORG, "transfer_post"], ensure_ascii=False)
    assert stored[repeat] is None and stored[broken] is None
    assert stored[joined] == json.dumps(["programme", person_id, "thousand_talents", 2018], ensure_ascii=False)
    assert any(repeat in r.getMessage() and first in r.getMessage() for r in caplog.records
               if r.levelno == logging.WARNING)
    assert any(broken in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    assert key_posts(api.db) == (0, 1)  # idempotent: every start runs it again
    assert {d["_id"]: d.get("key") for d in api.db.posts.find({"person_id": person_id})} == stored

    before = api.counts("posts")
    token = api.token("institution", org=ORG)
    again = api.post(f"{PATH}/{person_id}/posts", {**post, "starts_on": "2026-09-01"}, token=token)
    assert [f["path"] for f in assert_error(again, 409, "conflict")["fields"]] == ["post_kind"]
    again = api.post(f"{PATH}/{person_id}/talent-programmes", {**selection, "programme_name": "千人计划(四川)"},
                     token=token)
    assert [f["path"] for f in assert_error(again, 409, "conflict")["fields"]] == ["year"]
    assert api.counts("posts") == before


# -- updating a person: contact, fields, consent ----------------------------------------------------

def patch(api, person_id, body, token=None):
    return api.request("PATCH", f"{PATH}/{person_id}", token=token, json=body)


def test_the_persons_organization_updates_contact_and_withdraws_consent_announcing_fields_not_values(api):
    person_id = api.post(PATH, full_person(), token=api.token("admin")).json()["id"]
    assert api.get(f"{PATH}/{person_id}").json() == {"id": person_id, "name": "陈技术经纪人",
                                                     "fields": ["新材料", "技术转移"]}
    before = api.counts("people")

    response = patch(api, person_id, {"public_fields": [], "contact": {"phone": "13900001111"}},
                     token=api.token("institution", sub="hr-scu", org=ORG))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["public_fields"] == [] and body["contact"] == {"phone": "13900001111"}
    assert body["fields"] == ["新材料", "技术转移"] and body["id_number"] == ID_NUMBER  # untouched
    assert body["updated_by"] == "hr-scu" and body["updated_at"]
    assert api.get(f"{PATH}/{person_id}").json() == {"id": person_id}  # consent withdrawn
    assert api.counts("people")[0] == before[0]  # no new record
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.talent.person",
                          lambda r: header(r, "ce_subject") == person_id
                          and header(r, "ce_type") == "cn.gov.sc.ttp.talent.person.updated.v1")
    assert b"13900001111" not in record.value and header(record, "ce_actor") == "hr-scu"
    assert api.decode(record)[1]["changed_fields"] == ["contact", "public_fields"]

    admin = patch(api, person_id, {"fields": ["生物医药"], "public_fields": ["fields"], "contact": None},
                  token=api.token("admin"))
    assert admin.status_code == 200, admin.text
    assert admin.json()["contact"] is None
    assert api.get(f"{PATH}/{person_id}").json() == {"id": person_id, "fields": ["生物医药"]}


def test_an_update_checks_who_and_what(api, registered):
    before = api.counts("people")
    stored = api.db.people.find_one({"_id": registered})
    assert_error(patch(api, registered, {"public_fields": []}), 401, "unauthenticated")
    assert_error(patch(api, registered, {"public_fields": []}, token=api.token("reviewer", region="510100")), 403,
                 "forbidden")
    assert_error(patch(api, registered, {"public_fields": []}, token=api.token("institution", org="org-other")),
                 403, "forbidden")
    token = api.token("institution", org=ORG)
    assert_error(patch(api, "no-such-person", {"public_fields": []}, token=token), 404, "not_found")
    assert_error(patch(api, registered, {}, token=token), 400, "validation_failed")
    for change, path in (({"id_number": ID_NUMBER}, "id_number"), ({"public_fields": ["contact"]}, "public_fields.0"),
                         ({"fields": None}, "fields"), ({"contact": {"phone": "123"}}, "contact.phone")):
        body = assert_error(patch(api, registered, change, token=token), 400, "validation_failed")
        assert [f["path"] for f in body["fields"]] == [path]
    assert api.db.people.find_one({"_id": registered}) == stored
    assert api.counts("people") == before


def api_records(api, aggregate_topic):
    topic = api.config["KAFKA_TOPIC_PREFIX"] + aggregate_topic
    expected = api.db.outbox.count_documents({"topic": topic})
    return read_topic(topic, count=expected)


def test_an_admin_registers_an_independent_person(api):
    response = api.post(PATH, {"name": "独立专家", "kinds": ["expert"]}, token=api.token("admin"))
    assert response.status_code == 201, response.text
    assert response.json()["organization_id"] is None


def test_rpc_answers_with_the_public_view_only(rpc_api):
    """RPC over RabbitMQ, in a vhost of its own so no other talent instance answers."""
    person_id = rpc_api.post(PATH, full_person(), token=rpc_api.token("admin")).json()["id"]
    with rpc_api.rpc() as cluster:
        assert cluster.talent.get_public_person(person_id) == {
            "id": person_id, "name": "陈技术经纪人", "fields": ["新材料", "技术转移"]}
        assert cluster.talent.get_public_person("nobody") is None
        performance = cluster.talent.get_broker_performance(person_id)
        assert performance["performance"]["contracts"] == 0 and performance["certificates"] == []


def test_no_event_carries_contact_or_identity_numbers(api, assert_no_personal_data):
    """Runs last in the module: scans every event the module's service published."""
    records = assert_no_personal_data(api, PERSONAL)
    assert {header(r, "ce_type").rsplit(".", 2)[-2] for r in records} >= {"registered", "post_registered",
                                                                          "programme_joined"}
