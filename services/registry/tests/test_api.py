"""The registry's HTTP API against the real local servers (one service container for the module)."""
import itertools

import pytest

from ttp_common.reference import uscc_check_character
from ttp_testing import assert_error, header

pytestmark = pytest.mark.integration

PATH = "/api/v1/organizations"
TOPIC = "ttp.registry.organization"
EVENT_TYPE = "cn.gov.sc.ttp.registry.organization.registered.v1"
_serial = itertools.count(1)


def credit_code():
    """A fresh valid unified social credit code (registered in Chengdu)."""
    first17 = f"91510100MA{next(_serial):07d}"
    return first17 + uscc_check_character(first17)


def organization(**overrides):
    return {"name": "成都技术转移服务中心", "credit_code": credit_code(), "kind": "service_institution",
            "region_code": "510100", **overrides}


# -- its OpenAPI document (what every service's holds: tests/platform/test_contract.py) -----------

def test_openapi_document_describes_the_organizations(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert f"{PATH}/{{organization_id}}" in spec["paths"]
    required = spec["components"]["schemas"]["OrganizationIn"]["required"]
    assert {"name", "credit_code", "kind", "region_code"} <= set(required)


# -- writing: who may ------------------------------------------------------------------

@pytest.mark.parametrize("role", ["institution", "public"])
def test_roles_other_than_reviewer_and_admin_are_403(api, role):
    before = api.counts("organizations")
    assert_error(api.post(PATH, organization(), token=api.token(role, org="o1")), 403, "forbidden")
    assert api.counts("organizations") == before


def test_a_reviewer_of_another_city_is_403(api):
    before = api.counts("organizations")
    token = api.token("reviewer", region="510700")  # Mianyang's reviewer
    assert_error(api.post(PATH, organization(region_code="510100"), token=token), 403, "forbidden")
    assert api.counts("organizations") == before


# -- writing: what is accepted --------------------------------------------------------

@pytest.mark.parametrize("change, path", [
    ({"credit_code": "914403001922038215"}, "credit_code"),  # wrong check character
    ({"region_code": "5101"}, "region_code"),
    ({"kind": "church"}, "kind"),
    ({"name": ""}, "name"),
    ({"extra": 1}, "extra"),
])
def test_invalid_bodies_are_400_with_the_field_path(api, change, path):
    before = api.counts("organizations")
    body = assert_error(api.post(PATH, organization(**change), token=api.token("admin")), 400, "validation_failed")
    assert path in [f["path"] for f in body["fields"]]
    assert api.counts("organizations") == before


def test_a_missing_field_is_400_naming_it(api):
    body = organization()
    del body["credit_code"]
    fields = assert_error(api.post(PATH, body, token=api.token("admin")), 400, "validation_failed")["fields"]
    assert [f["path"] for f in fields] == ["credit_code"]


@pytest.mark.parametrize("body, path", [
    ({"$where": "sleep(1000)"}, "$where"),
    ({"supervising_department": {"$ne": None}}, "supervising_department.$ne"),
    ({"name.first": "x"}, "name.first"),
])
def test_mongodb_operator_keys_are_400(api, body, path):
    before = api.counts("organizations")
    response = api.post(PATH, organization(**body), token=api.token("admin"))
    fields = assert_error(response, 400, "validation_failed")["fields"]
    assert [f["path"] for f in fields] == [path]
    assert api.counts("organizations") == before


def test_malformed_json_is_400_invalid_json(api):
    before = api.counts("organizations")
    response = api.post(PATH, data=b'{"name": ', token=api.token("admin"),
                        headers={"Content-Type": "application/json"})
    assert_error(response, 400, "invalid_json")
    assert api.counts("organizations") == before


def test_registering_stores_the_organization_and_publishes_an_attributed_event(api):
    before_orgs, before_outbox = api.counts("organizations")
    body = organization(name="  四川大学技术转移中心  ", kind="university", supervising_department="四川省教育厅")
    token = api.token("reviewer", sub="reviewer-chengdu-1", region="510100")

    response = api.post(PATH, body, token=token)

    assert response.status_code == 201, response.text
    created = response.json()
    org_id = created["id"]
    assert set(created) == {"id", "name", "credit_code", "kind", "region_code", "supervising_department", "created_at",
                            "accredited", "accredited_at", "state_established", "contact", "accredited_units"}
    assert created["contact"] is None and created["accredited_units"] == []
    assert created["state_established"] is None  # not stated
    assert created["accredited"] is False and created["accredited_at"] is None
    assert created["name"] == "四川大学技术转移中心"  # whitespace stripped
    assert (created["credit_code"], created["kind"], created["region_code"], created["supervising_department"]) == (
        body["credit_code"], "university", "510100", "四川省教育厅")
    assert created["created_at"].endswith("Z")
    assert response.headers["Location"] == f"{PATH}/{org_id}"
    assert api.counts("organizations") == (before_orgs + 1, before_outbox + 1)

    stored = api.db.organizations.find_one({"_id": org_id})
    assert stored["credit_code"] == body["credit_code"] and stored["created_by"] == "reviewer-chengdu-1"
    [row] = list(api.db.outbox.find({"key": org_id.encode()}))
    assert row["type"] == EVENT_TYPE

    record = api.event(TOPIC, org_id)
    assert record.key == org_id.encode()
    assert header(record, "ce_type") == EVENT_TYPE
    assert header(record, "ce_id") == row["event_id"]
    assert header(record, "ce_actor") == "reviewer-chengdu-1"
    assert header(record, "ce_actorrole") == "reviewer"
    assert header(record, "ce_actorregion") == "510100"
    assert header(record, "ce_actorip") == "127.0.0.1"
    assert header(record, "ce_subject") == org_id
    assert api.decode(record) == ("registry.organization.registered.v1", {
        "organization_id": org_id, "name": "四川大学技术转移中心", "credit_code": body["credit_code"],
        "kind": "university", "region_code": "510100", "supervising_department": "四川省教育厅",
        "state_established": None})

    fetched = api.get(f"{PATH}/{org_id}")
    assert fetched.status_code == 200
    assert fetched.json() == created


@pytest.mark.parametrize("kind", ["university", "institute"])
def test_a_state_established_university_or_institute_is_recorded_and_announced(api, kind):
    """第四十五条第二款 binds the reward rules of state-established ones: talent learns it from the event."""
    for stated in (True, False):
        response = api.post(PATH, organization(kind=kind, state_established=stated), token=api.token("admin"))
        assert response.status_code == 201, response.text
        created = response.json()
        assert created["state_established"] is stated
        assert api.get(f"{PATH}/{created['id']}").json()["state_established"] is stated
        name, data = api.decode(api.event(TOPIC, created["id"]))
        assert name == "registry.organization.registered.v1" and data["state_established"] is stated


@pytest.mark.parametrize("kind", ["enterprise", "service_institution", "investor", "government"])
def test_only_universities_and_institutes_can_be_state_established(api, kind):
    before = api.counts("organizations")
    response = api.post(PATH, organization(kind=kind, state_established=True), token=api.token("admin"))
    body = assert_error(response, 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["state_established"]
    assert api.counts("organizations") == before
    assert api.post(PATH, organization(kind=kind, state_established=False),
                    token=api.token("admin")).status_code == 201


def test_an_organization_in_a_county_is_registered_by_its_prefectures_reviewer_and_found_by_its_region(api):
    """County-level GB/T 2260 codes (issue 19): 510104 锦江区 lies in 510100 成都市."""
    chengdu, mianyang = api.token("reviewer", region="510100"), api.token("reviewer", region="510700")
    assert_error(api.post(PATH, organization(region_code="510104"), token=mianyang), 403, "forbidden")
    response = api.post(PATH, organization(name="锦江区技术转移服务站", region_code="510104"), token=chengdu)
    assert response.status_code == 201, response.text
    org_id = response.json()["id"]
    assert response.json()["region_code"] == "510104"
    assert api.decode(api.event(TOPIC, org_id))[1]["region_code"] == "510104"
    for region in ("510100", "510104", "510000"):
        found = api.get(PATH, params={"region": region, "limit": "100"}).json()["items"]
        assert org_id in [o["id"] for o in found], region
    assert org_id not in [o["id"] for o in api.get(PATH, params={"region": "510105", "limit": "100"}).json()["items"]]
    county = api.token("reviewer", region="510104")  # a county's reviewer covers the county only
    assert api.post(PATH, organization(region_code="510104"), token=county).status_code == 201
    assert_error(api.post(PATH, organization(region_code="510105"), token=county), 403, "forbidden")
    assert_error(api.post(PATH, organization(region_code="510100"), token=county), 403, "forbidden")


@pytest.mark.parametrize("code", ["510199", "110101", "513425"])  # not a division; Beijing's; 会理县 became 会理市
def test_an_unknown_division_code_is_a_422_naming_it_and_stores_nothing(api, code):
    before = api.counts("organizations")
    body = assert_error(api.post(PATH, organization(region_code=code), token=api.token("admin")), 422,
                        "unknown_division")
    assert [f["path"] for f in body["fields"]] == ["region_code"] and code in body["message"]
    assert api.counts("organizations") == before


def test_a_provincial_reviewer_covers_every_city(api):
    token = api.token("reviewer", region="510000")
    response = api.post(PATH, organization(region_code="513400"), token=token)
    assert response.status_code == 201, response.text


def test_a_duplicate_credit_code_is_409_and_stays_one_document(api):
    code = credit_code()
    first = api.post(PATH, organization(credit_code=code), token=api.token("admin"))
    assert first.status_code == 201, first.text
    before = api.counts("organizations")

    again = api.post(PATH, organization(credit_code=code.lower(), name="另一个名字"), token=api.token("admin"))

    fields = assert_error(again, 409, "conflict")["fields"]
    assert [f["path"] for f in fields] == ["credit_code"]
    assert api.db.organizations.count_documents({"credit_code": code}) == 1
    assert api.counts("organizations") == before


def test_an_unknown_organization_is_404(api):
    assert_error(api.get(f"{PATH}/no-such-id"), 404, "not_found")


# -- reading: lookup by credit code and listing -------------------------------------------

def test_an_organization_is_found_by_its_credit_code(api):
    code = credit_code()
    created = api.post(PATH, organization(credit_code=code), token=api.token("admin")).json()

    found = api.get(PATH, params={"credit_code": code.lower()})  # public, like GET /organizations/{id}

    assert found.status_code == 200, found.text
    assert found.json()["items"] == [created]
    unknown = "91510100MA0999999" + uscc_check_character("91510100MA0999999")
    assert api.get(PATH, params={"credit_code": unknown}).json()["items"] == []


@pytest.mark.parametrize("params, path", [
    ({"credit_code": "914403001922038215"}, "credit_code"),  # wrong check character
    ({"credit_code": "1234"}, "credit_code"),
    ({"kind": "church"}, "kind"),
    ({"region": "110100"}, "region"),
    ({"limit": "0"}, "limit"),
    ({"offset": "-1"}, "offset"),
])
def test_bad_lookup_parameters_are_400_naming_them(api, params, path):
    body = assert_error(api.get(PATH, params=params), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [path]


def test_organizations_are_listed_by_kind_and_region_in_pages(api):
    admin = api.token("admin")
    ids = [api.post(PATH, organization(kind="institute", region_code="511900"), token=admin).json()["id"]
           for _ in range(3)]
    api.post(PATH, organization(kind="enterprise", region_code="511900"), token=admin)
    params = {"kind": "institute", "region": "511900", "limit": "2"}

    first = api.get(PATH, params=params).json()
    second = api.get(PATH, params={**params, "offset": "2"}).json()

    assert (first["offset"], first["limit"], second["offset"]) == (0, 2, 2)
    assert [o["id"] for o in first["items"] + second["items"]] == ids  # oldest first
    assert all(set(o) == {"id", "name", "credit_code", "kind", "region_code", "supervising_department",
                          "state_established", "created_at", "accredited", "accredited_at", "contact",
                          "accredited_units"}
               for o in first["items"])  # public fields
    everywhere = api.get(PATH, params={"kind": "institute", "region": "510000", "limit": "100"}).json()["items"]
    assert set(ids) <= {o["id"] for o in everywhere}
