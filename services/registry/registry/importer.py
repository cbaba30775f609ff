"""Bulk import of historical achievement records from CSV or Excel (批量导入).

    ttp-registry-import FILE.csv|FILE.xlsx --url http://127.0.0.1:8101 --token "$(make -s token ROLE=institution ORG=…)"

Columns may be named in English or Chinese (the header row of the sheets institutions keep);
list cells use ";" or "；". Every row needs an ``import_key`` (登记编号/原始编号) that identifies
it in the source: the service derives the achievement id from it, so importing the same file
again creates nothing twice. Rows are validated one by one (a row without a key is rejected on its
own); rejected rows, and the rows of a batch the service refuses as a whole, are written with their
reasons to ``FILE.rejected.csv``. Imported achievements start as drafts.
"""
import argparse
import csv
import re
import sys
from pathlib import Path

import requests
from tqdm import tqdm

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


class RowError(ValueError):
    pass


def split(cell):
    return [part.strip() for part in re.split(r"[;；]", cell or "") if part.strip()]


def read_rows(path):
    """``(row number, {field: text})`` for every data row of a CSV or XLSX file."""
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
    for field, names in COLUMNS.items():
        for i, name in enumerate(header):
            if name in names:
                index[field] = i
    missing = [f for f in ("import_key", "title") if f not in index]
    if missing:
        raise SystemExit(f"{path}: no column for {', '.join(missing)} (header: {header})")
    return [(n, {f: (row[i].strip() if i < len(row) else "") for f, i in index.items()})
            for n, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]


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


def run(path, url, token, out=sys.stderr):
    """Import ``path``; returns counts by outcome and writes ``<path>.rejected.csv`` when rows were rejected."""
    rows = read_rows(path)
    counts = {"created": 0, "exists": 0, "rejected": 0}
    rejected = []
    pending = []

    def send():
        response = requests.post(f"{url.rstrip('/')}/api/v1/achievements/import", json={"rows": [r for _, r in pending]},
                                 headers={"Authorization": f"Bearer {token}"}, timeout=60)
        if response.status_code != 200:  # the whole batch: report its rows, go on with the next
            reason = f"batch refused: HTTP {response.status_code} {response.text[:300]}"
            counts["rejected"] += len(pending)
            rejected.extend((number, reason) for number, _ in pending)
            pending.clear()
            return
        for (number, _), result in zip(pending, response.json()["results"]):
            counts[result["status"]] += 1
            if result["status"] == "rejected":
                rejected.append((number, "; ".join(f"{e['path']}: {e['message']}" for e in result["errors"])))
        pending.clear()

    with tqdm(total=len(rows), unit="row", file=out, desc=Path(path).name) as bar:
        for number, cells in rows:
            try:
                pending.append((number, {"import_key": cells["import_key"], "form": to_form(cells)}))
            except RowError as exc:
                counts["rejected"] += 1
                rejected.append((number, str(exc)))
            if len(pending) == BATCH:
                send()
            bar.update(1)
        if pending:
            send()
    if rejected:
        with open(f"{path}.rejected.csv", "w", newline="", encoding="utf-8-sig") as f:
            writer = csv.writer(f)
            writer.writerow(["row", "reasons"])
            writer.writerows(sorted(rejected))
    return counts


def main(argv=None):
    parser = argparse.ArgumentParser(prog="ttp-registry-import", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file")
    parser.add_argument("--url", default="http://127.0.0.1:8101")
    parser.add_argument("--token", required=True)
    args = parser.parse_args(argv)
    counts = run(args.file, args.url, args.token)
    print(f"created {counts['created']}, already there {counts['exists']}, rejected {counts['rejected']}"
          + (f" (see {args.file}.rejected.csv)" if counts["rejected"] else ""))
    return 1 if counts["rejected"] else 0


if __name__ == "__main__":
    sys.exit(main())
