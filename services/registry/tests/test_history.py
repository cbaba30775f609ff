"""Records of years before the platform (``registry.history``): accreditations with their original dates and
notices (``POST /api/v1/accreditations/history``, ``ttp-registry-import-accreditations``) and achievements
registered in an earlier system with their original numbers and dates (``POST /api/v1/achievements/import`` with
``registration_number``, ``ttp-registry-import``). The row rules and the handlers without servers; the endpoints,
their events on the real Kafka and re-runs that create nothing against the real service (integration)."""
import datetime as dt
import random

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.paths import REPO_ROOT
from ttp_common.reference import uscc_check_character
from ttp_common.tabular import RowError
from ttp_testing import assert_error, events
from ttp_testing.fakes import FakeUnitOfWork

from registry import accreditation_importer, history, importer
from registry.achievements import AchievementIn
from registry.documents import Achievement, Organization
from registry.handlers import history as handlers

TODAY = dt.date(2026, 12, 2)
AT = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.timezone.utc)
CHENGDU = Principal(sub="reviewer-cd", role=Roles.REVIEWER, region="510100")
MIANYANG = Principal(sub="reviewer-my", role=Roles.REVIEWER, region="510700")
SAMPLES = REPO_ROOT / "examples" / "history"


def credit_code(region="510100"):
    first17 = f"91{region}MA{random.randrange(10 ** 7):07d}"
    return first17 + uscc_check_character(first17)


def accreditation(**fields):
    return {"credit_code": "91510100MA0000001X", "accredited_on": "2017-06-20", "basis": "川科成〔2017〕12号",
            **fields}


def achievement_form(**overrides):
    return {"title": "高速列车转向架减振技术", "type": "applied", "summary": "面向高速列车转向架的主动减振控制技术。",
            "keywords": ["轨道交通", "减振"], "industry": "轨道交通装备", "programme": 3, "trl": 7,
            "region_code": "510100", "organization_ids": ["org-1"], "contributors": [{"name": "王五", "share": "100"}],
            "funding": {"fiscal": False}, "dual_use": False, "patents": [], **overrides}


def accreditation_errors(raw):
    loaded, found = history.read_accreditation(raw, TODAY)
    assert loaded is None
    return [(e["path"], e["message"]) for e in found]


# -- accreditations: the rules -------------------------------------------------------------

def test_an_accreditation_of_an_earlier_year_with_its_notice_is_loadable():
    loaded, found = history.read_accreditation(accreditation(unit="四川大学  技术转移中心"), TODAY)
    assert found == [] and loaded.accredited_on == dt.date(2017, 6, 20) and loaded.unit == "四川大学 技术转移中心"
    key = history.accreditation_key("org-1", None, dt.date(2017, 6, 20))
    assert key == history.accreditation_key("org-1", None, dt.date(2017, 6, 20)) != \
        history.accreditation_key("org-1", "四川大学技术转移中心", dt.date(2017, 6, 20))


@pytest.mark.parametrize("change, path, message", [
    ({"basis": "第12号"}, "basis", "notice number"),
    ({"basis": "川科成〔2016〕12号"}, "basis", "accreditation year 2017"),
    ({"basis": "川科成〔2017〕0号"}, "basis", "notice 0"),
    ({"accredited_on": "2026-01-05", "basis": "川科成〔2026〕3号"}, "accredited_on", "years before 2026"),
    ({"accredited_on": "2017-02-29"}, "accredited_on", "valid date"),
    ({"revoked_on": "2019-01-01"}, "row", "go together"),
    ({"revoked_on": "2017-06-20", "revocation_reason": "年度考核不合格"}, "revoked_on", "after accredited_on"),
    ({"revoked_on": "2026-06-20", "revocation_reason": "年度考核不合格"}, "revoked_on", "years before 2026"),
    ({"credit_code": "9151"}, "credit_code", "at least 18"),
    ({"unit": "x"}, "unit", "at least 2"),
    ({"kind": "university"}, "kind", "Extra inputs"),
])
def test_a_bad_accreditation_row_is_rejected_naming_the_field(change, path, message):
    found = accreditation_errors(accreditation(**change))
    assert any(p == path and message in m for p, m in found), found


@pytest.fixture
def uow():
    return FakeUnitOfWork(Organization, Achievement, service="registry")


def org(uow, kind="service_institution", region="510100", **fields):
    organization = Organization(id=f"org-{random.randrange(10 ** 9)}", name="成都技术转移服务中心",
                                credit_code=credit_code(region), kind=kind, region_code=region, created_by="t",
                                **fields)
    uow.insert(organization)
    return organization


def test_an_accreditation_in_force_makes_the_institution_accredited_since_its_date_once(uow):
    institution = org(uow)
    loaded, _ = history.read_accreditation(accreditation(credit_code=institution.credit_code), TODAY)
    first = handlers.import_accreditation(uow, loaded, CHENGDU, AT)
    assert first["status"] == "created"
    stored = uow.get(Organization, institution.id)
    assert stored.accredited and stored.accredited_at == dt.datetime(2017, 6, 19, 16, 0, tzinfo=dt.timezone.utc)
    [event] = uow.events
    assert event.name == "registry.organization.accredited.v1"
    assert (event.data["imported"], event.data["effective_date"], event.data["basis"]) == (
        True, dt.date(2017, 6, 20), "川科成〔2017〕12号")
    assert handlers.import_accreditation(uow, loaded, CHENGDU, AT)["status"] == "exists"
    assert len(uow.events) == 1
    another = handlers.import_accreditation(uow, history.read_accreditation(
        accreditation(credit_code=institution.credit_code, accredited_on="2018-03-01", basis="川科成〔2018〕5号"),
        TODAY)[0], CHENGDU, AT)
    assert another["status"] == "rejected" and "already accredited" in another["errors"][0]["message"]


def test_a_revoked_accreditation_is_announced_and_taken_back_leaving_the_organization_as_it_is(uow):
    university = org(uow, kind="university")
    loaded, _ = history.read_accreditation(accreditation(
        credit_code=university.credit_code, unit="某大学技术转移中心", revoked_on="2019-12-31",
        revocation_reason="年度考核不合格"), TODAY)
    assert handlers.import_accreditation(uow, loaded, CHENGDU, AT)["status"] == "created"
    assert [e.name for e in uow.events] == ["registry.organization.accredited.v1",
                                            "registry.organization.accreditation_revoked.v1"]
    revoked = uow.events[1].data
    assert (revoked["effective_date"], revoked["unit"], revoked["imported"]) == (dt.date(2019, 12, 31),
                                                                                "某大学技术转移中心", True)
    assert uow.get(Organization, university.id).accredited_units == []


def test_an_unknown_organization_another_region_or_the_wrong_kind_is_rejected(uow):
    assert handlers.import_accreditation(uow, history.read_accreditation(
        accreditation(credit_code=credit_code()), TODAY)[0], CHENGDU, AT)["errors"][0]["path"] == "credit_code"
    institution = org(uow)
    loaded, _ = history.read_accreditation(accreditation(credit_code=institution.credit_code), TODAY)
    assert handlers.import_accreditation(uow, loaded, MIANYANG, AT)["errors"][0]["message"] == \
        "an organization of another region"
    university = org(uow, kind="university")
    refused = handlers.import_accreditation(uow, history.read_accreditation(
        accreditation(credit_code=university.credit_code), TODAY)[0], CHENGDU, AT)
    assert refused["status"] == "rejected" and "names its transfer unit" in refused["errors"][0]["message"]
    assert uow.events == []


# -- registered achievements: the rules ------------------------------------------------------

@pytest.mark.parametrize("number, day, region, kind, path, message", [
    ("501201810012", dt.date(2018, 4, 9), "510700", "applied", "registration_number", "registering body 507"),
    ("501201710012", dt.date(2018, 4, 9), "510100", "applied", "registration_number", "registration year 2018"),
    ("501201820012", dt.date(2018, 4, 9), "510100", "applied", "registration_number", "digit 8 must be 1"),
    ("501201810000", dt.date(2018, 4, 9), "510100", "applied", "registration_number", "serial 0000"),
    ("5012018100", dt.date(2018, 4, 9), "510100", "applied", "registration_number", "12-digit"),
    ("501202610012", dt.date(2026, 4, 9), "510100", "applied", "registered_on", "years before 2026"),
])
def test_a_bad_registration_number_is_rejected_naming_the_field(number, day, region, kind, path, message):
    found = history.registration_errors(number, day, region, kind, TODAY)
    assert any(e["path"] == path and message in e["message"] for e in found), found


def test_a_registration_number_of_its_body_year_and_category_is_loadable():
    assert history.registration_errors("501201810012", dt.date(2018, 4, 9), "510100", "applied", TODAY) == []
    assert history.registration_date("2018-02-30")[1][0]["path"] == "registered_on"
    assert history.registration_date(None)[1][0]["message"] == "registration_number and registered_on go together"


def test_a_registered_achievement_is_stored_under_its_number_and_announced_once_as_imported(uow):
    form = AchievementIn.model_validate(achievement_form())
    first = handlers.import_registered(uow, form, "501201810012", dt.date(2018, 4, 9), CHENGDU, AT)
    assert first["status"] == "created" and first["id"] == history.registered_id("501201810012")
    stored = uow.get(Achievement, first["id"])
    assert (stored.status, stored.registration_number) == ("registered", "501201810012")
    [event] = uow.events
    assert event.name == "registry.achievement.registered.v1"
    assert (event.data["imported"], event.data["effective_date"], event.data["type"]) == (
        True, dt.date(2018, 4, 9), "applied")
    assert handlers.import_registered(uow, form, "501201810012", dt.date(2018, 4, 9), CHENGDU, AT)["status"] == \
        "exists"
    assert handlers.import_registered(uow, form, "501201810012", dt.date(2018, 4, 9), MIANYANG, AT)["errors"][0][
        "path"] == "form.region_code"
    uow.insert(Achievement(id="live-1", owner_organization_id="org-1", region_code="510100", status="registered",
                           record={"title": "另一项成果"}, created_by="t", registration_number="501201810013"))
    taken = handlers.import_registered(uow, form, "501201810013", dt.date(2018, 4, 9), CHENGDU, AT)
    assert taken["errors"][0] == {"path": "registration_number", "message": "already the number of another achievement"}
    assert len(uow.events) == 1


# -- the files ------------------------------------------------------------------------------

def test_the_samples_read_with_chinese_headers():
    rows = importer.read_rows(SAMPLES / "achievements.csv")
    items = [importer.to_item(cells) for _, cells in rows]
    assert all(i["registration_number"] and i["import_key"] == i["registration_number"] for i in items)
    assert items[0]["registered_on"][:2] == "20" and items[0]["form"]["type"] in ("applied", "basic", "soft_science")
    rows = accreditation_importer.tabular.read_rows(SAMPLES / "accreditations.csv", accreditation_importer.COLUMNS,
                                                    accreditation_importer.REQUIRED)
    items = [accreditation_importer.to_item(cells) for _, cells in rows]
    assert any(i["unit"] for i in items) and any(i["revoked_on"] for i in items)
    with pytest.raises(RowError, match="accredited_on: not a date"):
        accreditation_importer.to_item({"credit_code": "x", "accredited_on": "六月", "basis": "x"})


# -- against the real service -----------------------------------------------------------------

ACCREDITATIONS = "/api/v1/accreditations/history"
IMPORT = "/api/v1/achievements/import"


def register_org(api, kind="service_institution", region="510100"):
    code = credit_code(region)
    response = api.post("/api/v1/organizations", {"name": "历史认定测试机构", "credit_code": code, "kind": kind,
                                                 "region_code": region}, token=api.token("admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"], code


@pytest.mark.integration
def test_accreditations_loaded_twice_count_once_and_each_bad_row_is_named(api):
    reviewer = api.token("reviewer", region="510100")
    institution, code = register_org(api)
    university, university_code = register_org(api, kind="university")
    rows = [accreditation(credit_code=code),
            accreditation(credit_code=university_code, unit="历史大学技术转移中心", accredited_on="2016-09-01",
                          basis="川科成〔2016〕7号", revoked_on="2019-05-10", revocation_reason="年度考核不合格"),
            accreditation(credit_code=code, basis="川科成〔2016〕12号")]
    organizations, outbox = api.counts("organizations")
    results = api.post(ACCREDITATIONS, {"rows": rows}, token=reviewer).json()["results"]
    assert [(r["row"], r["status"]) for r in results] == [(0, "created"), (1, "created"), (2, "rejected")]
    assert results[2]["errors"] == [{"path": "basis", "message": "must carry the accreditation year 2017"}]
    again = api.post(ACCREDITATIONS, {"rows": rows[:2]}, token=reviewer).json()["results"]
    assert [r["status"] for r in again] == ["exists", "exists"]
    assert api.counts("organizations") == (organizations, outbox + 3)  # accredited, accredited + revoked; no more

    records = events.read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.registry.organization",
                                lambda r: events.header(r, "ce_subject") == institution, count=2)
    name, data = api.decode(records[-1])  # after its registration
    assert name == "registry.organization.accredited.v1"
    assert (data["imported"], data["effective_date"]) == (True, dt.date(2017, 6, 20))
    stored = api.get(f"/api/v1/organizations/{institution}").json()
    assert stored["accredited"] is True and stored["accredited_at"].startswith("2017-06-19T16:00")


@pytest.mark.integration
def test_registered_achievements_loaded_twice_count_once_and_each_bad_row_is_named(api):
    reviewer = api.token("reviewer", region="510100")
    serial = random.randrange(1000, 9999)
    numbers = [f"5012019{1}{serial:04d}", f"5012020{3}{serial:04d}"]
    rows = [{"import_key": numbers[0], "form": achievement_form(), "registration_number": numbers[0],
             "registered_on": "2019-08-15"},
            {"import_key": numbers[1], "form": achievement_form(type="soft_science", title="成渝地区技术市场发展研究"),
             "registration_number": numbers[1], "registered_on": "2020-03-02"},
            {"import_key": "bad", "form": achievement_form(), "registration_number": numbers[0][:7] + "2" + numbers[0][8:],
             "registered_on": "2019-08-15"}]
    achievements, outbox = api.counts("achievements")
    results = api.post(IMPORT, {"rows": rows}, token=reviewer).json()["results"]
    assert [(r["row"], r["status"]) for r in results] == [(0, "created"), (1, "created"), (2, "rejected")]
    assert results[2]["errors"][0]["path"] == "registration_number" and "digit 8" in results[2]["errors"][0]["message"]
    again = api.post(IMPORT, {"rows": rows[:2]}, token=reviewer).json()["results"]
    assert [r["status"] for r in again] == ["exists", "exists"]
    assert api.counts("achievements") == (achievements + 2, outbox + 2)

    name, data = api.decode(api.event("ttp.registry.achievement", results[1]["id"]))
    assert name == "registry.achievement.registered.v1"
    assert (data["imported"], data["effective_date"], data["registration_number"]) == (
        True, dt.date(2020, 3, 2), numbers[1])
    stored = api.get(f"/api/v1/achievements/{results[1]['id']}", token=reviewer).json()
    assert (stored["status"], stored["registration_number"]) == ("registered", numbers[1])


@pytest.mark.integration
def test_only_reviewers_and_administrators_load_history(api):
    assert_error(api.post(ACCREDITATIONS, {"rows": [accreditation()]}), 401, "unauthenticated")
    assert_error(api.post(ACCREDITATIONS, {"rows": [accreditation()]}, token=api.token("institution", org="o")), 403,
                 "forbidden")
    assert_error(api.post(ACCREDITATIONS, {"rows": []}, token=api.token("admin")), 400, "validation_failed")
    row = {"import_key": "501201810012", "form": achievement_form(organization_ids=["o"]),
           "registration_number": "501201810012", "registered_on": "2018-04-09"}
    refused = api.post(IMPORT, {"rows": [row]}, token=api.token("institution", org="o")).json()["results"][0]
    assert refused["status"] == "rejected" and refused["errors"][0]["path"] == "registration_number"
    other = api.post(IMPORT, {"rows": [row]}, token=api.token("reviewer", region="510700")).json()["results"][0]
    assert other["status"] == "rejected" and other["errors"][0]["path"] == "form.region_code"
