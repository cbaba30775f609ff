"""``ttp-transactions-import``: a registration office's ledger (CSV or Excel, Chinese or English headers) sent row by
row to POST /api/v1/contracts/history; rows it cannot read are rejected on their own, a second run creates nothing.
The reading without servers; the import of examples/history/contracts.csv against the real service (integration)."""
import csv
import io
import shutil

import pytest
from openpyxl import Workbook

from ttp_common.paths import REPO_ROOT
from ttp_common.tabular import RowError

from transactions import importer

SAMPLE = REPO_ROOT / "examples" / "history" / "contracts.csv"


def test_chinese_headers_types_and_dates_are_read():
    rows = importer.tabular.read_rows(SAMPLE, importer.COLUMNS, importer.REQUIRED)
    assert [n for n, _ in rows] == [2, 3, 4, 5, 6]
    items = [importer.to_item(cells) for _, cells in rows]
    assert [i["registered_on"] for i in items] == ["2016-04-12", "2017-09-28", "2018-03-06", "2019-11-20", "2020-06-30"]
    assert [i["contract_type"] for i in items] == ["transfer", "development", "licence", "service", "consulting"]
    assert items[2]["technology_transaction_amount"] == "2300000.00" and items[2]["programme"] == 9
    assert items[0]["buyer_organization_id"] is None and items[0]["buyer_name"] == "四川某新能源材料有限公司"


@pytest.mark.parametrize("cells, message", [
    ({"registered_on": "去年"}, "registered_on: not a date"),
    ({"programme": "三"}, "programme: not a number"),
    ({"programme": "2.5"}, "programme: not a whole number"),
])
def test_a_cell_that_cannot_be_read_rejects_its_row(cells, message):
    base = {"registration_number": "5107002018000045", "registered_on": "2018-03-06", "contract_type": "技术许可",
            "contract_amount": "1.00", "technology_transaction_amount": "1.00", "seller_organization_id": "o",
            "region_code": "510700"}
    with pytest.raises(RowError, match=message):
        importer.to_item({**base, **cells})


def test_excel_number_cells_are_read_as_the_ledger_shows_them():
    item = importer.to_item({"registration_number": "5107002018000045.0", "registered_on": "2018-03-06 00:00:00",
                             "contract_type": "licence", "contract_amount": "1.00",
                             "technology_transaction_amount": "1.00", "seller_organization_id": "o",
                             "region_code": "510700", "programme": "9.0"})
    assert (item["registration_number"], item["registered_on"], item["programme"]) == ("5107002018000045", "2018-03-06", 9)


@pytest.mark.integration
def test_the_sample_ledger_imports_once_and_a_bad_row_is_reported(api, tmp_path):
    ledger = tmp_path / "contracts.csv"
    shutil.copy(SAMPLE, ledger)
    with open(ledger, "a", newline="", encoding="utf-8") as f:
        csv.writer(f).writerow(["5101002019000999", "2019-02-30", "技术开发", "日期有误的合同", "1.00", "1.00", "o", "某公司",
                                "510100", ""])
    token = api.token("registrar", region="510000")  # the province's office: every region
    url = f"http://{api.config['WEB_SERVER_ADDRESS']}"
    progress = io.StringIO()
    assert importer.run(ledger, url, token, out=progress) == {"created": 5, "exists": 0, "rejected": 1}
    assert "6/6" in progress.getvalue()  # the progress bar went through every row
    report = list(csv.reader(open(f"{ledger}.rejected.csv", encoding="utf-8-sig")))
    assert report[0] == ["row", "reasons"] and report[1][0] == "7" and "registered_on" in report[1][1]

    workbook = Workbook()  # the same ledger as Excel, English headers: already there
    sheet = workbook.active
    sheet.append(["registration_number", "registered_on", "contract_type", "contract_amount",
                  "technology_transaction_amount", "seller_organization_id", "buyer_name", "region_code"])
    sheet.append([5107002018000045, "2018-03-06", "licence", 2500000, 2300000, "91510700MA62T3B10X", "绵阳某航空零部件有限公司",
                  "510700"])
    workbook.save(tmp_path / "ledger.xlsx")
    assert importer.run(tmp_path / "ledger.xlsx", url, token, out=io.StringIO()) == {
        "created": 0, "exists": 1, "rejected": 0}
