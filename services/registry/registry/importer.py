"""Bulk import of historical achievement records from CSV or Excel (批量导入).

    ttp-registry-import FILE.csv|FILE.xlsx --url http://127.0.0.1:8101 --token "$(make -s token ROLE=institution ORG=…)"

Columns may be named in English or Chinese (the header row of the sheets institutions keep);
list cells use ";" or "；". Every row needs an ``import_key`` (登记编号/原始编号) that identifies
it in the source: the service derives the achievement id from it, so importing the same file
again creates nothing twice. Rows are validated one by one (a row without a key is rejected on its
own); rejected rows, and the rows of a batch the service refuses as a whole, are written with their
reasons to ``FILE.rejected.csv``. Imported achievements start as drafts.
"""
import sys

from ttp_common import tabular
from ttp_common.achievement_rows import BATCH, COLUMNS, REQUIRED, TYPES, YES, to_form  # noqa: F401 (this module's interface)
from ttp_common.tabular import RowError, split  # noqa: F401  (RowError: part of this module's interface)


def read_rows(path):
    """``(row number, {field: text})`` for every data row of a CSV or XLSX file."""
    return tabular.read_rows(path, COLUMNS, REQUIRED)


def run(path, url, token, out=sys.stderr):
    """Import ``path``; returns counts by outcome and writes ``<path>.rejected.csv`` when rows were rejected."""
    return tabular.send(path, read_rows(path), lambda cells: {"import_key": cells["import_key"], "form": to_form(cells)},
                        f"{url.rstrip('/')}/api/v1/achievements/import", token, BATCH, out)


def main(argv=None):
    return tabular.cli("ttp-registry-import", __doc__, "http://127.0.0.1:8101", run, argv)


if __name__ == "__main__":
    sys.exit(main())
