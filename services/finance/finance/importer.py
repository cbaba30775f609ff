"""Import of transformation projects approved before the platform (历史科技成果转化项目) from CSV or Excel.

    ttp-finance-import FILE.csv|FILE.xlsx --url http://127.0.0.1:8103 --token "$(make -s token ROLE=reviewer)"

Columns may be named in English or Chinese (the department's ledger: 立项编号, 立项日期, 项目名称, 项目类别, 专项,
行政区划代码, 承担单位, 责任部门, 项目预算); categories in Chinese (重大, 推广) or English (major, promoted); dates as
2018-05-04, 2018/5/4 or 2018年5月4日. Each row keeps its original project number, from which the service derives the
project's id, so importing the same file again creates nothing twice (``finance.history``). Rejected rows are
written with their reasons to ``FILE.rejected.csv``.
"""
import sys

from ttp_common import tabular

COLUMNS = {  # field -> accepted headers
    "project_number": ("project_number", "立项编号", "项目编号"),
    "approved_on": ("approved_on", "立项日期", "批准日期"),
    "title": ("title", "项目名称"),
    "category": ("category", "项目类别"),
    "programme": ("programme", "专项"),
    "region_code": ("region_code", "行政区划代码", "实施地"),
    "organization_id": ("organization_id", "承担单位"),
    "responsible_department": ("responsible_department", "责任部门", "主管部门"),
    "budget": ("budget", "项目预算", "预算"),
}
REQUIRED = tuple(COLUMNS)
CATEGORIES = {"重大": "major", "重大科技成果转化项目": "major", "推广": "promoted",
              "推广应用先进成熟适用技术成果": "promoted", "推广应用先进适用技术项目": "promoted"}
BATCH = 200


def to_item(cells):
    """The API form of one row (the service checks the rest, field by field)."""
    return {
        "project_number": cells["project_number"], "approved_on": tabular.iso_date(cells["approved_on"], "approved_on"),
        "title": cells["title"], "category": CATEGORIES.get(cells["category"], cells["category"]),
        "programme": tabular.whole_number(cells, "programme"), "region_code": cells["region_code"],
        "organization_id": cells["organization_id"], "responsible_department": cells["responsible_department"],
        "budget": cells["budget"],
    }


def run(path, url, token, out=sys.stderr):
    """Import ``path``; returns counts by outcome and writes ``<path>.rejected.csv`` when rows were rejected."""
    return tabular.send(path, tabular.read_rows(path, COLUMNS, REQUIRED), to_item,
                        f"{url.rstrip('/')}/api/v1/transformation-projects/history", token, BATCH, out)


def main(argv=None):
    return tabular.cli("ttp-finance-import", __doc__, "http://127.0.0.1:8103", run, argv)


if __name__ == "__main__":
    sys.exit(main())
