"""The columns of an achievement import file (CSV or Excel, 批量导入) and what a row becomes in the registry's
import request: shared by the registry's CLI ``ttp-registry-import`` and the portal's upload page, so that a file
reads the same through either. Columns may be named in English or Chinese (the header row of the sheets
institutions keep, the first Chinese name being the template's); list cells use ";" or "；"."""
import re

from .tabular import RowError, split

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
BATCH = 100
REQUIRED = ("import_key", "title")  # a file without these columns is refused as a whole


def to_form(cells):
    """The API form of one row; ``RowError`` for cells that cannot be read (the API checks the rest)."""
    def number(field):
        text = cells.get(field, "")
        if not text:
            return None
        try:
            value = float(text)  # Excel hands whole numbers over as "6.0"
        except ValueError:
            raise RowError(f"{field}: not a number: {text!r}") from None
        if not value.is_integer():  # also inf (1e400) and nan
            raise RowError(f"{field}: not a whole number: {text!r}")
        return int(value)

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
