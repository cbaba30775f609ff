"""Bulk import of historical achievement records from CSV or Excel (批量导入).

    ttp-registry-import FILE.csv|FILE.xlsx --url http://127.0.0.1:8101 --token "$(make -s token ROLE=institution ORG=…)"

Columns may be named in English or Chinese (the header row of the sheets institutions keep);
list cells use ";" or "；". Every row needs an ``import_key`` (登记编号/原始编号) that identifies
it in the source: the service derives the achievement id from it, so importing the same file
again creates nothing twice. Rows are validated one by one (a row without a key is rejected on its
own); rejected rows, and the rows of a batch the service refuses as a whole, are written with their
reasons to ``FILE.rejected.csv``. Imported achievements start as drafts.

Achievements registered in an earlier system (已登记科技成果), a reviewer's file (``--token "$(make -s token
ROLE=reviewer)"``), have a 登记号 (registration_number, 12 digits) and 登记日期 (registered_on: 2018-05-04, 2018/5/4
or 2018年5月4日) column: they are loaded as registered under their original number, once per number (the number
is the row's key when the file has no import_key). Sample: ``examples/history/achievements.csv``. Accreditations
have their own command, ``ttp-registry-import-accreditations``.
"""
import sys

from ttp_common import tabular
from ttp_common.achievement_rows import (  # noqa: F401 (this module's interface)
    BATCH, COLUMNS, REGISTERED_COLUMNS, REQUIRED, TYPES, YES, to_form, to_item)
from ttp_common.tabular import RowError, split  # noqa: F401  (RowError: part of this module's interface)


def read_rows(path):
    """``(row number, {field: text})`` for every data row of a CSV or XLSX file: drafts need an import_key column,
    registered achievements a registration number column instead."""
    try:
        return tabular.read_rows(path, {**COLUMNS, **REGISTERED_COLUMNS}, REQUIRED)
    except SystemExit:
        return tabular.read_rows(path, {**COLUMNS, **REGISTERED_COLUMNS}, ("registration_number", "title"))


def run(path, url, token, out=sys.stderr):
    """Import ``path``; returns counts by outcome and writes ``<path>.rejected.csv`` when rows were rejected."""
    return tabular.send(path, read_rows(path), to_item,
                        f"{url.rstrip('/')}/api/v1/achievements/import", token, BATCH, out)


def main(argv=None):
    return tabular.cli("ttp-registry-import", __doc__, "http://127.0.0.1:8101", run, argv)


if __name__ == "__main__":
    sys.exit(main())
