"""Schema evolution check (DESIGN.md §3): a new revision must be compatible both ways.

Rather than re-implementing Avro's resolution rules, the check proves compatibility with
data: sample records written with one revision are read with the other (old -> new, so new
consumers read old events; new -> old, so old consumers read new events), and the fields both
revisions share must come back unchanged.

One thing data cannot show with fastavro: it decodes with the *writer's* logical types, so a
changed decimal scale or timestamp-millis -> micros reads back "fine" here but silently changes
values for other Avro readers. Logical-type annotations of shared fields are therefore compared
directly.
"""
from __future__ import annotations

import copy
import io
import json
import random
from pathlib import Path
from typing import Any

import fastavro
from fastavro.schema import to_parsing_canonical_form
from fastavro.utils import generate_many

SAMPLES = 20
SEED = 2016  # the plan's year; any fixed seed keeps the samples reproducible


def check_compatible(old_schema: dict, new_schema: dict, samples: int = SAMPLES) -> list[str]:
    """Problems found between two revisions of one event schema; empty when compatible both ways."""
    try:
        old = fastavro.parse_schema(copy.deepcopy(old_schema))
        new = fastavro.parse_schema(copy.deepcopy(new_schema))
    except Exception as exc:
        return [f"schema does not parse: {type(exc).__name__}: {exc}"]
    if not all(isinstance(s, dict) and s.get("type") == "record" for s in (old, new)):
        return ["event schemas must be Avro records"]
    if old["name"] != new["name"]:  # readers resolve records by name; nothing else matters then
        return [f"record name changed: {old['name']} -> {new['name']}"]
    problems = _logical_type_changes(old_schema, new_schema)
    problems += _read_across(old, new, _samples(old_schema, samples), "old -> new")
    problems += _read_across(new, old, _samples(new_schema, samples), "new -> old")
    return problems


def _logical_type_changes(old_schema: dict, new_schema: dict) -> list[str]:
    old_fields = {f["name"]: f["type"] for f in old_schema.get("fields", [])}
    new_fields = {f["name"]: f["type"] for f in new_schema.get("fields", [])}
    return [
        f"logical type of field {name} changed: {sorted(_logical_types(old_fields[name]))} -> "
        f"{sorted(_logical_types(new_fields[name]))}"
        for name in old_fields
        if name in new_fields and _logical_types(old_fields[name]) != _logical_types(new_fields[name])
    ]


def _logical_types(schema: Any) -> set[tuple]:
    """Every logical-type annotation inside a (raw) type, as ``(logicalType, precision, scale, size)``."""
    found: set[tuple] = set()
    if isinstance(schema, list):
        for branch in schema:
            found |= _logical_types(branch)
    elif isinstance(schema, dict):
        if "logicalType" in schema:
            found.add(tuple(str(schema.get(k)) for k in ("logicalType", "precision", "scale", "size")))
        for key in ("type", "items", "values", "fields"):
            if key in schema:
                found |= _logical_types(schema[key])
    return found


def _samples(schema: dict, count: int) -> list[Any]:
    """Random records for ``schema`` plus one with every optional (nullable) value filled in."""
    state = random.getstate()
    random.seed(SEED)
    try:
        records = list(generate_many(copy.deepcopy(schema), count))
        records += list(generate_many(_without_nulls(schema), 1))
    finally:
        random.setstate(state)
    return records


def _without_nulls(schema: Any) -> Any:
    """A copy of ``schema`` whose unions lose their ``null`` branch (defaults dropped), so generated
    records fill every optional field; such records are still valid for the original schema."""
    if isinstance(schema, list):
        branches = [_without_nulls(s) for s in schema if s != "null"]
        return branches or ["null"]
    if isinstance(schema, dict):
        return {k: _without_nulls(v) for k, v in schema.items() if k != "default"}
    return schema


def _read_across(writer: Any, reader: Any, records: list[Any], direction: str) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()  # report each kind of failure once per direction
    shared = {f["name"] for f in writer["fields"]} & {f["name"] for f in reader["fields"]}
    for record in records:
        buf = io.BytesIO()
        try:
            fastavro.schemaless_writer(buf, writer, record)
            written = fastavro.schemaless_reader(io.BytesIO(buf.getvalue()), writer)
            read = fastavro.schemaless_reader(io.BytesIO(buf.getvalue()), writer, reader)
        except Exception as exc:
            kind, problem = type(exc).__name__, f"{direction}: {type(exc).__name__}: {exc}"
        else:
            changed = sorted(name for name in shared if written.get(name) != read.get(name))
            kind, problem = "changed", f"{direction}: value of field(s) {', '.join(changed)} changed"
            if not changed:
                continue
        if kind not in seen:
            seen.add(kind)
            problems.append(problem if len(problem) <= 300 else problem[:297] + "...")
    return problems


# --------------------------------------------------------------------------- frozen revisions
#
# Every published revision of a schema is kept in ``schemas/revisions/<event name>/r<N>.avsc``.
# Consumers load them all, so a payload written with an older revision (during a rollout, or
# republished from an outbox by ``make replay``) still decodes: its fingerprint names the
# writer's revision, and Avro resolution reads it into the current one.


def revisions_dir(schemas_dir, event_name):
    return Path(schemas_dir) / "revisions" / event_name


def frozen_revisions(schemas_dir, event_name):
    """``[(path, schema dict)]`` of the frozen revisions, oldest first."""
    paths_ = sorted(revisions_dir(schemas_dir, event_name).glob("r*.avsc"), key=lambda p: int(p.stem[1:]))
    return [(p, json.loads(p.read_text(encoding="utf-8"))) for p in paths_]


def canonical(schema):
    return to_parsing_canonical_form(fastavro.parse_schema(schema))


def freeze(schemas_dir):
    """Add the current schema as a new revision wherever it differs from the newest frozen one."""
    added = []
    for path in sorted(Path(schemas_dir).glob("*.avsc")):
        name = path.name[: -len(".avsc")]
        current = json.loads(path.read_text(encoding="utf-8"))
        frozen = frozen_revisions(schemas_dir, name)
        if frozen and canonical(frozen[-1][1]) == canonical(current):
            continue
        if frozen:
            problems = check_compatible(frozen[-1][1], current)
            if problems:
                raise SystemExit(f"{name}: not compatible with {frozen[-1][0].name}: " + "; ".join(problems))
        target = revisions_dir(schemas_dir, name) / f"r{len(frozen) + 1}.avsc"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        added.append(target)
    return added


def main(argv=None):
    """``ttp-schemas freeze``: record the current schemas as revisions (``make docs`` runs it)."""
    import argparse

    from ttp_common import paths

    parser = argparse.ArgumentParser(prog="ttp-schemas", description=main.__doc__)
    parser.add_argument("command", choices=["freeze"])
    parser.add_argument("--schemas", default=str(paths.SCHEMAS_DIR))
    args = parser.parse_args(argv)
    for target in freeze(args.schemas):
        print(f"froze {target}")
