"""Transformation projects approved before the platform, loaded with their original project numbers and approval
dates (``finance.history``, ``ttp-finance-import``): the row rules, the file's columns and the handler without
servers; the endpoint, its events on the real Kafka and a re-run that creates nothing against the real service
(integration)."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.tabular import RowError
from ttp_common.paths import REPO_ROOT
from ttp_testing import assert_error
from ttp_testing.fakes import FakeUnitOfWork

from finance import history, importer
from finance.documents import TransformationProject
from finance.handlers import history as handlers

TODAY = dt.date(2026, 12, 2)
AT = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.timezone.utc)
REVIEWER = Principal(sub="reviewer-1", role=Roles.REVIEWER, region="510700")
PATH = "/api/v1/transformation-projects/history"
SAMPLE = REPO_ROOT / "examples" / "history" / "transformation-projects.csv"


def row(**fields):
    return {"project_number": "ZH2018090012", "approved_on": "2018-05-04", "title": "航空发动机高温合金叶片成果转化",
            "category": "major", "programme": 9, "region_code": "510700", "organization_id": "org-mianyang",
            "responsible_department": "省科技厅", "budget": "12000000.00", **fields}


def errors(raw, region=None):
    loaded, found = history.read_row(raw, TODAY, region)
    assert loaded is None
    return [(e["path"], e["message"]) for e in found]


def test_a_row_of_an_earlier_year_with_its_own_number_is_loadable():
    loaded, found = history.read_row(row(), TODAY, "510700")
    assert found == [] and loaded.approved_on == dt.date(2018, 5, 4) and loaded.budget == Decimal("12000000.00")
    assert history.project_id("ZH2018090012") == history.project_id("ZH2018090012") != \
        history.project_id("ZH2018090013")


@pytest.mark.parametrize("change, path, message", [
    ({"project_number": "ZH2017090012"}, "project_number", "approval year 2018"),
    ({"project_number": "ZH2018050012"}, "project_number", "programme 09"),
    ({"project_number": "ZH2018090000"}, "project_number", "serial 0000"),
    ({"project_number": "2018090012"}, "project_number", "should match pattern"),
    ({"approved_on": "2026-03-01", "project_number": "ZH2026090012"}, "approved_on", "years before 2026"),
    ({"approved_on": "2018-02-30"}, "approved_on", "valid date"),
    ({"budget": "0"}, "budget", "greater than 0"),
    ({"budget": "1.005"}, "budget", "decimal places"),
    ({"category": "minor"}, "category", "Input should be"),
    ({"programme": 16, "project_number": "ZH2018160012"}, "programme", "less than or equal to 15"),
    ({"region_code": "110000"}, "region_code", ""),
    ({"organization_id": {"$ne": 1}}, "organization_id", "string"),
    ({"achievement_ids": ["a-1"]}, "achievement_ids", "Extra inputs"),
])
def test_a_bad_row_is_rejected_naming_the_field(change, path, message):
    found = errors(row(**change))
    assert any(p == path and message in m for p, m in found), found


def test_a_reviewer_loads_only_its_regions_projects():
    assert errors(row(), "510100") == [("region_code", "another region's project")]


def test_the_sample_reads_with_chinese_headers_and_names_a_bad_cell():
    items = [importer.to_item(cells) for _, cells in importer.tabular.read_rows(SAMPLE, importer.COLUMNS,
                                                                                 importer.REQUIRED)[:3]]
    assert items[0]["category"] in ("major", "promoted") and items[0]["approved_on"][:2] == "20"
    assert all(isinstance(i["programme"], int) for i in items)
    with pytest.raises(RowError, match="approved_on: not a date"):
        importer.to_item({**dict.fromkeys(importer.COLUMNS, "x"), "programme": "9", "approved_on": "五月"})
    assert importer.to_item({**dict.fromkeys(importer.COLUMNS, "x"), "programme": "9.0", "category": "重大",
                             "approved_on": "2018年5月4日"})["approved_on"] == "2018-05-04"


@pytest.fixture
def uow():
    return FakeUnitOfWork(TransformationProject, service="finance")


def test_a_project_is_stored_approved_and_announced_once_as_imported_on_its_own_date(uow):
    loaded, _ = history.read_row(row(), TODAY)
    first = handlers.import_project(uow, loaded, REVIEWER, AT)
    assert first["status"] == "created"
    stored = uow.get(TransformationProject, first["project_id"])
    assert (stored.status, stored.project_number, stored.imported, stored.approved_by) == (
        "approved", "ZH2018090012", True, "reviewer-1")
    assert stored.approved_at == dt.datetime(2018, 5, 3, 16, 0, tzinfo=dt.timezone.utc)  # 4 May, 00:00 in China
    [event] = uow.events
    assert (event.name, event.subject) == ("finance.transformation_project.approved.v1", first["project_id"])
    assert event.data["imported"] is True and event.data["effective_date"] == dt.date(2018, 5, 4)
    assert (event.data["category"], event.data["programme"], event.data["budget"]) == ("major", 9,
                                                                                        Decimal("12000000.00"))
    assert handlers.import_project(uow, loaded, REVIEWER, AT) == {"status": "exists",
                                                                 "project_id": first["project_id"]}
    assert len(uow.events) == 1 and uow.count(TransformationProject) == 1


@pytest.mark.integration
def test_a_file_loaded_twice_creates_each_project_once_and_reports_each_row(api):
    reviewer = api.token("reviewer", region="510700")
    rows = [row(), row(project_number="ZH2019120045", approved_on="2019-11-20", programme=12, category="promoted",
                       title="川西高原特色果蔬保鲜技术推广", budget="800000.00"),
            row(project_number="ZH2019120046", approved_on="2019-02-30", programme=12)]
    projects, outbox = api.counts("transformation_projects")
    response = api.post(PATH, {"rows": rows}, token=reviewer)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["row"], r["status"]) for r in results] == [(0, "created"), (1, "created"), (2, "rejected")]
    assert results[2]["errors"][0]["path"] == "approved_on"
    again = api.post(PATH, {"rows": rows[:2]}, token=reviewer).json()["results"]
    assert [r["status"] for r in again] == ["exists", "exists"]
    assert [r["project_id"] for r in again] == [r["project_id"] for r in results[:2]]
    assert api.counts("transformation_projects") == (projects + 2, outbox + 2)  # one event each, none for a re-run

    record = api.event("ttp.finance.transformation_project", results[1]["project_id"])
    name, data = api.decode(record)
    assert name == "finance.transformation_project.approved.v1"
    assert (data["imported"], data["effective_date"], data["category"]) == (True, dt.date(2019, 11, 20), "promoted")
    stored = api.get(f"/api/v1/transformation-projects/{results[1]['project_id']}").json()
    assert (stored["status"], stored["project_number"], stored["imported"]) == ("approved", "ZH2019120045", True)


@pytest.mark.integration
def test_only_reviewers_and_administrators_load_history(api):
    assert_error(api.post(PATH, {"rows": [row()]}), 401, "unauthenticated")
    assert_error(api.post(PATH, {"rows": [row()]}, token=api.token("institution", org="org-mianyang")), 403,
                 "forbidden")
    assert_error(api.post(PATH, {"rows": [row()]}, token=api.token("registrar", region="510700")), 403, "forbidden")
    assert_error(api.post(PATH, {"rows": []}, token=api.token("admin")), 400, "validation_failed")
    other = api.post(PATH, {"rows": [row()]}, token=api.token("reviewer", region="510100")).json()["results"]
    assert other[0]["status"] == "rejected" and other[0]["errors"][0]["path"] == "region_code"


def test_an_excel_ledger_reads_as_the_csv_does(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(list(importer.COLUMNS))  # English headers
    sheet.append(["ZH2018090012", dt.datetime(2018, 5, 4), "航空发动机高温合金叶片成果转化", "重大", 9, "510700",
                  "org-mianyang", "省科技厅", 12000000])
    book.save(tmp_path / "ledger.xlsx")
    [(number, cells)] = importer.tabular.read_rows(tmp_path / "ledger.xlsx", importer.COLUMNS, importer.REQUIRED)
    item = importer.to_item(cells)
    assert number == 2 and (item["approved_on"], item["category"], item["programme"]) == ("2018-05-04", "major", 9)
    loaded, found = history.read_row(item, TODAY)
    assert found == [] and loaded.budget == Decimal("12000000")
