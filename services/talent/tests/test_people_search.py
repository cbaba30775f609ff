"""Public people search (GET /api/v1/people) against the real local servers: consent decides what is
shown and what is searchable; contact details and ID numbers never appear."""
import base64
import datetime as dt
import json

import pytest

from ttp_testing import assert_error

pytestmark = pytest.mark.integration

ORG, FIELD = "org-search", "量子信息"
PHONE, EMAIL, ID_NUMBER = "13711112222", "zhou@example.cn", "11010519491231002X"


@pytest.fixture(scope="module")
def people(api):
    """Same organization and field, different consent; registered oldest first."""
    admin = api.token("admin")
    people = {}
    for key, kinds, public_fields in [
            ("everything", ["expert", "researcher"], ["name", "kinds", "organization_id", "fields", "title"]),
            ("fields_only", ["expert"], ["fields"]),
            ("name_only", ["broker"], ["name"]),
            ("nothing", ["expert"], [])]:
        response = api.post("/api/v1/people", {
            "name": f"周{key}", "kinds": kinds, "organization_id": ORG, "fields": [FIELD], "title": "研究员",
            "contact": {"phone": PHONE, "email": EMAIL}, "id_number": ID_NUMBER, "public_fields": public_fields},
            token=admin)
        assert response.status_code == 201, response.text
        people[key] = response.json()["id"]
    return people


def search(api, **params):
    response = api.get("/api/v1/people", params=params)
    assert response.status_code == 200, response.text
    for secret in (PHONE, EMAIL, ID_NUMBER, "contact", "id_number"):
        assert secret not in response.text
    return response.json()


def ids(page):
    return [p["id"] for p in page["items"]]


def test_each_person_shows_only_what_they_consented_to(api, people):
    items = {p["id"]: p for p in search(api, field=FIELD)["items"]}
    assert items[people["everything"]] == {"id": people["everything"], "name": "周everything",
                                           "kinds": ["expert", "researcher"], "organization_id": ORG,
                                           "fields": [FIELD], "title": "研究员"}
    assert items[people["fields_only"]] == {"id": people["fields_only"], "fields": [FIELD]}
    for person_id, view in items.items():
        assert api.get(f"/api/v1/people/{person_id}").json() == view  # the same public view


def test_a_filter_finds_only_people_who_made_it_public(api, people):
    assert ids(search(api, field=FIELD)) == sorted([people["fields_only"], people["everything"]])  # by id
    assert ids(search(api, organization=ORG)) == [people["everything"]]
    assert ids(search(api, kind="expert", organization=ORG)) == [people["everything"]]
    assert people["name_only"] not in ids(search(api, kind="broker"))
    assert ids(search(api, field=FIELD, organization="org-else")) == []


def test_nobody_who_made_nothing_public_is_listed(api, people):
    listed = ids(search(api, limit=100))
    assert {people["everything"], people["fields_only"], people["name_only"]} <= set(listed)
    assert people["nothing"] not in listed
    assert search(api, field=FIELD)["next_cursor"] is None


def test_withdrawn_consent_makes_a_person_unsearchable(api, people):
    person_id = people["fields_only"]
    response = api.request("PATCH", f"/api/v1/people/{person_id}", json={"public_fields": ["name"]},
                           token=api.token("admin"))
    assert response.status_code == 200, response.text
    assert person_id not in ids(search(api, field=FIELD))
    assert {"id": person_id, "name": "周fields_only"} in search(api)["items"]


def test_search_is_paged_and_filters_are_checked(api, people):
    seen, cursor = [], None
    while True:
        page = search(api, organization=ORG, limit=1, **({"cursor": cursor} if cursor else {}))
        seen += ids(page)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [people["everything"]]
    first = search(api, limit=1)
    assert len(first["items"]) == 1 and first["next_cursor"]
    assert search(api, limit=1, cursor=first["next_cursor"])["items"] != first["items"]
    for params, path in (({"kind": "astronaut"}, "kind"), ({"limit": 0}, "limit"), ({"cursor": "x"}, "cursor"),
                         ({"field": ["a", "b"]}, "field"), ({"organization": ["a", "b"]}, "organization"),
                         ({"organization[$ne]": "x"}, "organization[$ne]")):
        body = assert_error(api.get("/api/v1/people", params=params), 400, "validation_failed")
        assert [f["path"] for f in body["fields"]] == [path]


def test_the_cursor_reveals_no_registration_time(api, people):
    """Nobody consented to show when they were registered: neither the cursor nor the order tells it."""
    listed = ids(search(api, limit=100))
    assert listed == sorted(listed)
    first = search(api, limit=1)
    [shown] = ids(first)
    cursor = first["next_cursor"]
    raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    created_at = api.db.people.find_one({"_id": shown})["created_at"].replace(tzinfo=dt.timezone.utc)
    assert str(int(created_at.timestamp())) not in raw  # neither in seconds nor in milliseconds
    assert json.loads(raw) == [shown]  # only what the page shows
    assert shown not in ids(search(api, limit=100, cursor=cursor))


def test_the_search_is_documented(api):
    get = api.get("/api/v1/openapi.json").json()["paths"]["/api/v1/people"]["get"]
    assert "security" not in get
    assert {p["name"] for p in get["parameters"]} == {"kind", "field", "organization", "limit", "cursor"}
