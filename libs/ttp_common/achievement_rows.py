"""The columns of an achievement import file (CSV or Excel, 批量导入) and what a row becomes in the registry's
import request: shared by the registry's CLI ``ttp-registry-import`` and the portal's upload page, so that a file
reads the same through either. Columns may be named in English or Chinese (the header row of the sheets
institutions keep, the first Chinese name being the template's); list cells use ";" or "；"."""
import re

from .tabular import RowError, digits, iso_date, split, whole_number

COLUMNS = {  # field -> accepted headers
    "import_key": ("import_key", "登记编号", "原始编号"),
    "title": ("title", "成果名称"),
    "type": ("type", "成果类型"),
    "summary": ("summary", "成果简介"),
    "keywords": ("keywords", "关键词"),
    "industry": ("industry", "所属行业"),
    "programme": ("programme", "专项"),
    "trl": ("trl", "技术成熟度"),
    "region_code": ("region_code", "行政区划代码"),
    "organization_ids": ("organization_ids", "完成单位"),
    "contributors": ("contributors", "完成人"),
    "fiscal": ("fiscal", "财政资助"),
    "plan_project_id": ("plan_project_id", "计划项目"),
    "dual_use": ("dual_use", "军民两用"),
    "patents": ("patents", "专利"),
}
TYPES = {"应用技术": "applied", "基础理论": "basic", "软科学": "soft_science"}
YES = {"是", "yes", "true", "1", "y"}
BATCH = 500  # rows per import request: one transaction of the registry (IMPORT_CHUNK_ROWS)
REQUIRED = ("import_key", "title")  # a file without these columns is refused as a whole
# An achievement registered in an earlier system (已登记科技成果): its original number and date (reviewers' files;
# not in the institutions' template). A file with them needs no import_key: the number is the row's key.
REGISTERED_COLUMNS = {
    "registration_number": ("registration_number", "登记号", "成果登记号"),
    "registered_on": ("registered_on", "登记日期"),
}


def to_item(cells):
    """The import request's row for ``cells``: a draft, or a registered achievement when the row has a
    registration number or date; ``RowError`` for cells that cannot be read."""
    item = {"import_key": cells.get("import_key", ""), "form": to_form(cells)}
    number, day = cells.get("registration_number", ""), cells.get("registered_on", "")
    if number or day:
        item["registration_number"] = digits(number, 12) or None
        item["registered_on"] = iso_date(day, "registered_on") if day else None
        item["import_key"] = item["import_key"] or item["registration_number"] or ""
    return item


def to_form(cells):
    """The API form of one row; ``RowError`` for cells that cannot be read (the API checks the rest)."""
    def number(field):
        return whole_number(cells, field)

    contributors = []
    for part in split(cells.get("contributors")):
        name, _, share = part.partition(":") if ":" in part else part.partition("：")
        contributors.append({"name": name.strip(), "share": share.strip() or "100"})
    patents = []
    for part in split(cells.get("patents")):
        pieces = [p.strip() for p in re.split(r"[:：]", part)]
        if len(pieces) != 3:
            raise RowError(f"patents: expected number:kind:status, got {part!r}")
        patents.append(dict(zip(("number", "kind", "status"), pieces)))
    return {
        "title": cells.get("title", ""), "type": TYPES.get(cells.get("type", ""), cells.get("type", "")),
        "summary": cells.get("summary", ""), "keywords": split(cells.get("keywords")),
        "industry": cells.get("industry", ""), "programme": number("programme"), "trl": number("trl"),
        "region_code": cells.get("region_code", ""), "organization_ids": split(cells.get("organization_ids")),
        "contributors": contributors,
        "funding": {"fiscal": cells.get("fiscal", "").lower() in YES,
                    "plan_project_id": cells.get("plan_project_id") or None},
        "patents": patents, "dual_use": cells.get("dual_use", "").lower() in YES,
    }


def template_headers():
    """The header row of the import template: each column's first Chinese name."""
    return [next((n for n in names if not n.isascii()), names[0]) for names in COLUMNS.values()]
