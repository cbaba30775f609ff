"""Import of technology contracts registered before the platform (历史技术合同) from CSV or Excel.

    ttp-transactions-import FILE.csv|FILE.xlsx --url http://127.0.0.1:8102 --token "$(make -s token ROLE=registrar)"

Columns may be named in English or Chinese (the registration office's ledger: 技术合同登记编号, 登记日期, 合同类型,
合同金额, 技术交易额, 卖方机构, 买方名称, 登记地, ...); contract types in Chinese (技术开发, 技术转让, 技术许可, 技术咨询,
技术服务) or English; dates as 2018-05-04, 2018/5/4 or 2018年5月4日. Each row keeps its original registration
number, from which the service derives the contract's id, so importing the same file again creates nothing twice
(``transactions.history``). Rejected rows are written with their reasons to ``FILE.rejected.csv``.
"""
import sys

from ttp_common import tabular
from ttp_common.tabular import RowError

from .contracts import CONTRACT_TYPES

COLUMNS = {  # field -> accepted headers
    "registration_number": ("registration_number", "技术合同登记编号", "合同登记编号", "登记编号"),
    "registered_on": ("registered_on", "登记日期", "认定登记日期"),
    "contract_type": ("contract_type", "合同类型"),
    "title": ("title", "合同名称", "项目名称"),
    "contract_amount": ("contract_amount", "合同金额", "合同成交额"),
    "technology_transaction_amount": ("technology_transaction_amount", "技术交易额"),
    "seller_organization_id": ("seller_organization_id", "卖方机构"),
    "buyer_organization_id": ("buyer_organization_id", "买方机构"),
    "buyer_name": ("buyer_name", "买方名称"),
    "region_code": ("region_code", "登记地", "行政区划代码"),
    "programme": ("programme", "专项"),
}
REQUIRED = ("registration_number", "registered_on", "contract_type", "contract_amount",
            "technology_transaction_amount", "seller_organization_id", "region_code")
TYPES = {label: key for key, label in CONTRACT_TYPES.items()}
BATCH = 200


def iso_date(text):
    """``2018-05-04`` from 2018-05-04, 2018/5/4, 2018年5月4日 or Excel's "2018-05-04 00:00:00"."""
    return tabular.iso_date(text, "registered_on")


def to_item(cells):
    """The API form of one row (the service checks the rest, field by field)."""
    programme = tabular.whole_number(cells, "programme")
    registration_number = tabular.digits(cells["registration_number"], 16)
    return {
        "registration_number": registration_number, "registered_on": iso_date(cells["registered_on"]),
        "contract_type": TYPES.get(cells["contract_type"], cells["contract_type"]),
        "title": cells.get("title", ""), "contract_amount": cells["contract_amount"],
        "technology_transaction_amount": cells["technology_transaction_amount"],
        "seller_organization_id": cells["seller_organization_id"],
        "buyer_organization_id": cells.get("buyer_organization_id") or None, "buyer_name": cells.get("buyer_name", ""),
        "region_code": cells["region_code"], "programme": programme,
    }


def run(path, url, token, out=sys.stderr):
    """Import ``path``; returns counts by outcome and writes ``<path>.rejected.csv`` when rows were rejected."""
    return tabular.send(path, tabular.read_rows(path, COLUMNS, REQUIRED), to_item,
                        f"{url.rstrip('/')}/api/v1/contracts/history", token, BATCH, out)


def main(argv=None):
    return tabular.cli("ttp-transactions-import", __doc__, "http://127.0.0.1:8102", run, argv)


if __name__ == "__main__":
    sys.exit(main())
