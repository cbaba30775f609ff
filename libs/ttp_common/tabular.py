"""Files of historical records (CSV or Excel) sent row by row to a service's import endpoint: the plumbing the
importers (``ttp-registry-import``, ``ttp-transactions-import``) share. Headers may be English or Chinese (the
sheets offices keep); rows are validated one by one; rejected rows, and the rows of a batch the service refuses
as a whole, are written with their reasons to ``FILE.rejected.csv``; a progress bar shows the rows sent.
"""
import csv
import re
import sys
from pathlib import Path

import requests


class RowError(ValueError):
    """A cell that cannot be read: the row is rejected with this reason, the others go on."""


class MissingColumns(SystemExit):
    """A file without a column for a required field (the CLI stops with its message; ``missing``: the fields)."""

    def __init__(self, message, missing):
        super().__init__(message)
        self.missing = missing


DATE = re.compile(r"^\s*([0-9]{4})\s*[-/年.]\s*([0-9]{1,2})\s*[-/月.]\s*([0-9]{1,2})\s*日?(?:[ T]00:00(?::00)?)?\s*$")


def iso_date(text, field):
    """``2018-05-04`` from 2018-05-04, 2018/5/4, 2018年5月4日 or Excel's "2018-05-04 00:00:00"; ``RowError`` naming
    ``field`` otherwise (the service checks that the day exists)."""
    match = DATE.match(text or "")
    if not match:
        raise RowError(f"{field}: not a date: {text!r}")
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}-{int(day):02d}"


def whole_number(cells, field):
    """The whole number in ``cells[field]`` (Excel hands whole numbers over as "6.0"), None when empty;
    ``RowError`` naming ``field`` otherwise."""
    text = cells.get(field, "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise RowError(f"{field}: not a number: {text!r}") from None
    if not value.is_integer():  # also inf (1e400) and nan
        raise RowError(f"{field}: not a whole number: {text!r}")
    return int(value)


def digits(text, width):
    """A number of ``width`` digits as Excel may hand it over ("5107002018000045.0" from a number cell)."""
    text = (text or "").strip()
    return text[:-2] if re.fullmatch(rf"[0-9]{{{width}}}\.0", text) else text


def split(cell):
    """A list cell: items separated by ";" or "；"."""
    return [part.strip() for part in re.split(r"[;；]", cell or "") if part.strip()]


def read_rows(path, columns, required):
    """``(row number, {field: text})`` for every data row of a CSV or XLSX file; ``columns``: field -> accepted
    headers; a file without a column for each ``required`` field stops with a message."""
    path = Path(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    if not rows:
        return []
    header = [h.strip() for h in rows[0]]
    index = {}
    for field, names in columns.items():
        for i, name in enumerate(header):
            if name in names:
                index[field] = i
    missing = [f for f in required if f not in index]
    if missing:
        raise MissingColumns(f"{path}: no column for {', '.join(missing)} (header: {header})", missing)
    return [(n, {f: (row[i].strip() if i < len(row) else "") for f, i in index.items()})
            for n, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]


def send(path, rows, to_item, url, token, batch, out=sys.stderr):
    """POST ``{"rows": [to_item(cells), ...]}`` to ``url`` in batches of ``batch``; returns counts by outcome
    (the service answers ``{"results": [{"status": ..., "errors": [...]}, ...]}`` in row order) and writes
    ``<path>.rejected.csv`` when rows were rejected. ``to_item`` raises ``RowError`` for a row it cannot read."""
    from tqdm import tqdm

    counts = {"created": 0, "exists": 0, "rejected": 0}
    rejected, pending = [], []

    def post():
        response = requests.post(url, json={"rows": [item for _, item in pending]},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=60)
        if response.status_code != 200:  # the whole batch: report its rows, go on with the next
            reason = f"batch refused: HTTP {response.status_code} {response.text[:300]}"
            counts["rejected"] += len(pending)
            rejected.extend((number, reason) for number, _ in pending)
        else:
            for (number, _), result in zip(pending, response.json()["results"]):
                counts[result["status"]] += 1
                if result["status"] == "rejected":
                    rejected.append((number, "; ".join(f"{e['path']}: {e['message']}" for e in result["errors"])))
        pending.clear()

    with tqdm(total=len(rows), unit="row", file=out, desc=Path(path).name) as bar:
        for number, cells in rows:
            try:
                pending.append((number, to_item(cells)))
            except RowError as exc:
                counts["rejected"] += 1
                rejected.append((number, str(exc)))
            if len(pending) == batch:
                post()
            bar.update(1)
        if pending:
            post()
    if rejected:
        with open(f"{path}.rejected.csv", "w", newline="", encoding="utf-8-sig") as f:
            writer = csv.writer(f)
            writer.writerow(["row", "reasons"])
            writer.writerows(sorted(rejected))
    return counts


def cli(prog, description, default_url, run, argv=None):
    """An importer's command line: ``prog FILE [--url URL] --token TOKEN``; ``run(file, url, token)`` returns the
    counts; exit status 1 when rows were rejected."""
    import argparse

    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--url", default=default_url)
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    counts = run(args.file, args.url, args.token)
    print(f"created {counts['created']}, already there {counts['exists']}, rejected {counts['rejected']}"
          + (f" (see {args.file}.rejected.csv)" if counts["rejected"] else ""))
    return 1 if counts["rejected"] else 0
