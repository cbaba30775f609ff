"""Bulk import from CSV/Excel: row-by-row validation, a report of rejected rows, idempotent re-runs."""
import csv

import pytest
from openpyxl import Workbook

from registry.importer import RowError, read_rows, run, to_form

ORG = "org-import"
HEADER = ["登记编号", "成果名称", "成果类型", "成果简介", "关键词", "所属行业", "专项", "技术成熟度", "行政区划代码",
          "完成单位", "完成人", "财政资助", "计划项目", "军民两用", "专利"]


def row(key, title="页岩气压裂返排液处理技术", trl="6", region="511500", contributors="周九:70；吴十:30"):
    return [key, title, "应用技术", "页岩气开采压裂返排液的资源化处理工艺。", "页岩气；返排液", "节能环保", "4", trl, region,
            ORG, contributors, "否", "", "否", "ZL201810000003.1:invention:granted"]


def write_csv(path, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


def test_chinese_headers_and_cells_become_the_api_form(tmp_path):
    [(number, cells)] = read_rows(write_csv(tmp_path / "a.csv", [row("HIS-1")]))
    form = to_form(cells)
    assert number == 2 and form["type"] == "applied" and form["trl"] == 6 and form["programme"] == 4
    assert form["keywords"] == ["页岩气", "返排液"]
    assert form["contributors"] == [{"name": "周九", "share": "70"}, {"name": "吴十", "share": "30"}]
    assert form["patents"] == [{"number": "ZL201810000003.1", "kind": "invention", "status": "granted"}]


def test_excel_files_read_like_csv(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(row("HIS-2"))
    book.save(tmp_path / "a.xlsx")
    [(_, cells)] = read_rows(tmp_path / "a.xlsx")
    assert cells["import_key"] == "HIS-2" and cells["title"] == "页岩气压裂返排液处理技术"


@pytest.mark.parametrize("trl", ["1e400", "nan", "6.5", "六"])
def test_unreadable_numbers_reject_the_row_with_a_reason(trl):
    cells = dict(zip(("import_key", "title", "trl"), ("HIS-3", "标题", trl)))
    with pytest.raises(RowError, match="trl: not a (whole )?number"):
        to_form(cells)
    assert to_form({**cells, "trl": "6.0"})["trl"] == 6  # how Excel hands over whole numbers


@pytest.mark.integration
def test_a_row_without_key_or_with_an_unreadable_number_is_rejected_alone(api, tmp_path):
    path = write_csv(tmp_path / "keys.csv", [row("HIS-30"), row("", title="没有编号的成果"), row("HIS-31", trl="1e400"),
                                             row("HIS-32", title="第三项历史成果")])
    counts = run(str(path), api.url, api.token("institution", org=ORG))
    assert counts == {"created": 2, "exists": 0, "rejected": 2}
    with open(f"{path}.rejected.csv", encoding="utf-8-sig") as f:
        rejected = {r["row"]: r["reasons"] for r in csv.DictReader(f)}
    assert set(rejected) == {"3", "4"} and "import_key" in rejected["3"] and "trl" in rejected["4"]


@pytest.mark.integration
def test_an_empty_key_rejects_only_its_row_of_the_batch(api, tmp_path):
    [(_, cells)] = read_rows(write_csv(tmp_path / "one.csv", [row("HIS-40")]))
    form = to_form(cells)
    response = api.post("/api/v1/achievements/import", {"rows": [
        {"import_key": "  ", "form": form}, {"import_key": "HIS-40", "form": form}]},
        token=api.token("institution", org=ORG))
    assert response.status_code == 200, response.text
    first, second = response.json()["results"]
    assert first["status"] == "rejected" and first["errors"][0]["path"] == "import_key"
    assert second["status"] == "created"


@pytest.mark.integration
def test_import_reports_rejected_rows_and_creates_nothing_twice(api, tmp_path):
    path = write_csv(tmp_path / "history.csv", [
        row("HIS-10"), row("HIS-11", title="第二项历史成果"), row("HIS-12", trl="12"),
        row("HIS-13", region="999999"), row("HIS-14", contributors="郑十一:50"),  # shares add up to 50
    ])
    token = api.token("institution", org=ORG)
    before = api.counts("achievements")[0]

    counts = run(str(path), api.url, token)
    assert counts == {"created": 2, "exists": 0, "rejected": 3}
    with open(f"{path}.rejected.csv", encoding="utf-8-sig") as f:
        rejected = {r["row"]: r["reasons"] for r in csv.DictReader(f)}
    assert set(rejected) == {"4", "5", "6"} and "trl" in rejected["4"] and "region_code" in rejected["5"]

    assert run(str(path), api.url, token) == {"created": 0, "exists": 2, "rejected": 3}
    assert api.counts("achievements")[0] == before + 2


@pytest.mark.integration
def test_an_institution_imports_only_its_own_records(api, tmp_path):
    path = write_csv(tmp_path / "other.csv", [row("HIS-20")])
    assert run(str(path), api.url, api.token("institution", org="someone-else")) == {
        "created": 0, "exists": 0, "rejected": 1}
