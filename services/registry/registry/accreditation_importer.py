"""Import of accreditations made before the platform (历史认定) from CSV or Excel.

    ttp-registry-import-accreditations FILE.csv|FILE.xlsx --url http://127.0.0.1:8101 --token "$(make -s token ROLE=reviewer)"

Columns may be named in English or Chinese (the department's ledger: 统一社会信用代码, 技术转移机构, 认定日期, 认定文号,
撤销日期, 撤销原因); dates as 2018-05-04, 2018/5/4 or 2018年5月4日. The organization must be registered on the
platform first (by its credit code); 技术转移机构 names the unit of a university or institute, empty for a service
institution. The same organization, unit and date load once, so importing the same file again creates nothing
twice (``registry.history``). Rejected rows are written with their reasons to ``FILE.rejected.csv``.
"""
import sys

from ttp_common import tabular

COLUMNS = {  # field -> accepted headers
    "credit_code": ("credit_code", "统一社会信用代码", "信用代码"),
    "unit": ("unit", "技术转移机构", "机构名称"),
    "accredited_on": ("accredited_on", "认定日期"),
    "basis": ("basis", "认定文号", "认定依据"),
    "revoked_on": ("revoked_on", "撤销日期"),
    "revocation_reason": ("revocation_reason", "撤销原因"),
}
REQUIRED = ("credit_code", "accredited_on", "basis")
BATCH = 200


def to_item(cells):
    """The API form of one row (the service checks the rest, field by field)."""
    revoked = cells.get("revoked_on", "")
    return {"credit_code": cells["credit_code"], "unit": cells.get("unit") or None,
            "accredited_on": tabular.iso_date(cells["accredited_on"], "accredited_on"), "basis": cells["basis"],
            "revoked_on": tabular.iso_date(revoked, "revoked_on") if revoked else None,
            "revocation_reason": cells.get("revocation_reason") or None}


def run(path, url, token, out=sys.stderr):
    """Import ``path``; returns counts by outcome and writes ``<path>.rejected.csv`` when rows were rejected."""
    return tabular.send(path, tabular.read_rows(path, COLUMNS, REQUIRED), to_item,
                        f"{url.rstrip('/')}/api/v1/accreditations/history", token, BATCH, out)


def main(argv=None):
    return tabular.cli("ttp-registry-import-accreditations", __doc__, "http://127.0.0.1:8101", run, argv)


if __name__ == "__main__":
    sys.exit(main())
