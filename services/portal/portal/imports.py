"""Bulk import by file upload (批量导入): an uploaded CSV or Excel file read as the registry's CLI reads it
(``ttp_common.achievement_rows``), sent to the registry's import endpoint in batches with the person's token, and
its answer as a row-by-row report in Chinese (the file's row number, the column, the message). The registry
decides what is valid; this reads the file and translates the answer."""
import csv
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ttp_common import achievement_rows, labels, tabular

from . import institution_forms

SUFFIXES = (".csv", ".xlsx")
MAX_ROWS = 1000  # a file of more rows is refused before anything is sent
_HEADERS = dict(zip(achievement_rows.COLUMNS, achievement_rows.template_headers()))
_CELL_MESSAGES = [("not a number", "不是数字"), ("not a whole number", "不是整数"),
                  ("expected number:kind:status", "专利应写作 专利号:类型:状态，多项以分号分隔")]


class FileRefused(ValueError):
    """A file that cannot be imported as a whole (its kind, its columns, its size): the message is Chinese."""


@dataclass
class Report:
    rows: list = field(default_factory=list)  # [{"row", "outcome", "field", "message", "id"}]
    counts: dict = field(default_factory=lambda: dict.fromkeys(labels.IMPORT_OUTCOMES, 0))


def read_upload(filename, content):
    """``[(row number, cells)]`` of an uploaded file; ``FileRefused`` for a file that is not one."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise FileRefused("请上传 CSV 或 Excel（.xlsx）文件。")
    if not content:
        raise FileRefused("上传的文件是空的。")
    with tempfile.TemporaryDirectory(prefix="ttp-portal-import-") as scratch:
        path = Path(scratch) / f"upload{suffix}"
        path.write_bytes(content)
        try:
            rows = tabular.read_rows(path, achievement_rows.COLUMNS, achievement_rows.REQUIRED)
        except tabular.MissingColumns as exc:
            names = "、".join(_HEADERS[f] for f in exc.missing)
            raise FileRefused(f"文件缺少必需的列：{names}。请使用导入模板的表头。") from None
        except Exception:  # a file that is no CSV/XLSX inside (its bytes, its encoding)
            raise FileRefused("无法读取这个文件，请确认它是 UTF-8 编码的 CSV 或 Excel（.xlsx）文件。") from None
    if not rows:
        raise FileRefused("文件中没有数据行。")
    if len(rows) > MAX_ROWS:
        raise FileRefused(f"一次最多导入 {MAX_ROWS} 行，请分成几个文件。")
    return rows


def items_of(rows, report):
    """The import items of the rows that can be read (``(row number, item)``); the others go into ``report``."""
    items = []
    for number, cells in rows:
        try:
            items.append((number, {"import_key": cells.get("import_key", ""), "form": achievement_rows.to_form(cells)}))
        except tabular.RowError as exc:
            column, _, detail = str(exc).partition(":")
            add(report, number, "rejected", column_label(column.strip()), _cell_message(detail))
    return items


def _cell_message(detail):
    for english, text in _CELL_MESSAGES:
        if english in detail:
            return text
    return detail.strip()


def column_label(path):
    """The column an API path is about, as the template names it (``contributors.0.share`` is 完成人)."""
    name = str(path or "").split(".")[0]
    if name == "funding":
        name = "fiscal" if "fiscal" in str(path) else "plan_project_id"
    return _HEADERS.get(name, name)


def add(report, number, outcome, column="", message="", achievement_id=None):
    report.counts[outcome] += 1
    report.rows.append({"row": number, "outcome": outcome, "field": column, "message": message, "id": achievement_id})


def record_results(report, sent, results):
    """The registry's answer for the ``sent`` items (in order), row by row."""
    for (number, _), result in zip(sent, results):
        status = result.get("status", "rejected")
        errors = result.get("errors") or []
        if status == "rejected" and errors:
            for i, error in enumerate(errors):
                report.rows.append({"row": number, "outcome": status, "field": column_label(error.get("path")),
                                    "message": institution_forms.chinese(error.get("message", "")), "id": None})
            report.counts[status] += 1
        else:
            add(report, number, status if status in report.counts else "rejected",
                achievement_id=result.get("id") or result.get("achievement_id"))


def refuse_batch(report, sent, message):
    for number, _ in sent:
        add(report, number, "rejected", "", message)


def batches(items, size=achievement_rows.BATCH):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def template_csv():
    """The import template: the Chinese header row and one example row (UTF-8 with a BOM, as Excel opens it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(achievement_rows.template_headers())
    example = {"import_key": "2025-001", "title": "（示例）高原光伏储能协同控制技术", "type": "应用技术",
               "summary": "高海拔地区光伏与储能协同控制，已在甘孜州示范运行。", "keywords": "光伏；储能", "industry": "新能源",
               "programme": "6", "trl": "7", "region_code": "510100", "organization_ids": "（本单位编号）",
               "contributors": "张三:60；李四:40", "fiscal": "否", "plan_project_id": "", "dual_use": "否", "patents": ""}
    writer.writerow([example.get(name, "") for name in achievement_rows.COLUMNS])
    return "\ufeff" + out.getvalue()
