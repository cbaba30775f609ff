"""A queue page as an Excel file (openpyxl): one sheet, the Chinese headers in bold and frozen, the filters the page
had written above them, columns wide enough for Chinese text."""
import io
import re
from urllib.parse import quote

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from werkzeug.wrappers import Response

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UNSAFE = re.compile(r"^[=+\-@\t\r]")  # a cell a spreadsheet would run as a formula


def cell(value):
    """Text that would start a formula is kept as text (CSV/formula injection from data typed by others)."""
    if isinstance(value, str) and _UNSAFE.match(value):
        return "'" + value
    return value


def workbook(title, filters, header, rows):
    """The file's bytes: ``title`` and the ``filters`` ([(label, value)]) above the ``header`` and the ``rows``."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["筛选条件", "；".join(f"{name}：{value}" for name, value in filters) or "无"])
    sheet.append(header)
    for column in range(1, len(header) + 1):
        sheet.cell(row=3, column=column).font = Font(bold=True)
    sheet.freeze_panes = "A4"
    for row in rows:
        sheet.append([cell(value) for value in row])
    for column, name in enumerate(header, start=1):
        longest = max([len(str(name))] + [len(str(row[column - 1] or "")) for row in rows])
        sheet.column_dimensions[get_column_letter(column)].width = min(60, 4 + 2 * longest)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def response(data, filename):
    """The download (the name in UTF-8 per RFC 6266, an ASCII fallback beside it)."""
    return Response(data, content_type=MEDIA_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
