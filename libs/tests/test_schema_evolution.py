"""Schema evolution (DESIGN.md §3): every published revision of every event schema is compatible
both ways with the next one, proven by data (ttp_tools.compat). The repository's git history is
the record of published revisions; the working-tree file is the newest (maybe unpublished) one.
"""
import copy
import json
import subprocess
import warnings
from pathlib import Path

import pytest

from ttp_common import paths
from ttp_common.avro import EVENT_NAME_RE, record_full_name
from ttp_tools.compat import check_compatible

SCHEMA_FILES = sorted(paths.SCHEMAS_DIR.glob("*.avsc"))


def git(*args: str, root: Path = paths.REPO_ROOT) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True,
                          text=True, encoding="utf-8", timeout=60).stdout


def revisions(path: Path, root: Path = paths.REPO_ROOT) -> list[tuple[str, dict]]:
    """(label, schema) of each distinct revision, oldest first: git history, then the working copy."""
    found: list[tuple[str, dict]] = []
    try:
        # "--name-only" gives the file's path at each commit, so moves are followed too; a file
        # under another name is another event (git may take a new event's schema for a copy).
        log = git("log", "--format=commit %H", "--name-only", "--follow", "--",
                  path.relative_to(root).as_posix(), root=root)
        commits: list[tuple[str, str]] = []
        sha = None
        for line in log.splitlines():
            if line.startswith("commit "):
                sha = line.split()[1]
            elif line.strip() and sha:
                if Path(line.strip()).name == path.name:
                    commits.append((sha, line.strip()))
                sha = None
        for sha, old_path in reversed(commits):
            found.append((f"{sha[:10]}:{old_path}", json.loads(git("show", f"{sha}:{old_path}", root=root))))
    except (OSError, ValueError, subprocess.SubprocessError) as exc:
        warnings.warn(f"no git history for {path.name} ({exc}); checking the working copy only")
    working = json.loads(path.read_text(encoding="utf-8"))
    found.append(("working tree", working))
    distinct = []
    for label, schema in found:
        if not distinct or distinct[-1][1] != schema:
            distinct.append((label, schema))
    return distinct


def test_there_are_schemas():
    assert SCHEMA_FILES


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_each_revision_is_compatible_both_ways_with_the_previous(path):
    history = revisions(path)
    assert check_compatible(history[-1][1], history[-1][1]) == []  # parses and reads back its own data
    for (old_label, old), (new_label, new) in zip(history, history[1:]):
        assert check_compatible(old, new) == [], f"{path.name}: {old_label} -> {new_label}"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_follows_the_conventions(path):
    name = path.name[: -len(".avsc")]
    assert EVENT_NAME_RE.fullmatch(name), f"{path.name}: expected <service>.<aggregate>.<event>.v<N>.avsc"
    service, aggregate = name.split(".")[:2]
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["type"] == "record"
    assert schema["namespace"] == f"cn.gov.sc.ttp.{service}.{aggregate}"
    assert f"{schema['namespace']}.{schema['name']}" == record_full_name(name)
    assert schema.get("doc"), "the record needs a doc"
    for field in schema["fields"]:
        assert field.get("doc"), f"field {field['name']} needs a doc"
        assert "enum" not in json.dumps(field["type"]), f"{field['name']}: use a documented string, not an enum"


def test_revisions_come_from_git_history_then_the_working_copy(tmp_path):
    try:
        git("init", "-q", root=tmp_path)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("git is not available")
    path = tmp_path / "schemas" / "test.thing.happened.v1.avsc"
    path.parent.mkdir()
    commit = ["-c", "user.name=test", "-c", "user.email=test@example.invalid", "commit", "-q", "-m"]
    path.write_text(json.dumps(BASE))
    git("add", ".", root=tmp_path)
    git(*commit, "revision 1", root=tmp_path)
    revision2 = changed(lambda f: f.append({"name": "extra", "type": ["null", "string"], "default": None}))
    path.write_text(json.dumps(revision2))
    git(*commit, "revision 2", "-a", root=tmp_path)
    git(*commit, "unrelated", "--allow-empty", root=tmp_path)
    revision3 = changed(lambda f: f.append({"name": "extra", "type": "string"}))  # retyped, no default
    path.write_text(json.dumps(revision3))

    history = revisions(path, root=tmp_path)
    assert [schema for _, schema in history] == [BASE, revision2, revision3]
    assert history[-1][0] == "working tree"
    assert check_compatible(history[0][1], history[1][1]) == []
    assert check_compatible(history[1][1], history[2][1])


def test_a_file_outside_git_still_gets_its_working_copy_checked(tmp_path):
    path = tmp_path / "test.thing.happened.v1.avsc"
    path.write_text(json.dumps(BASE))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert revisions(path, root=tmp_path) == [("working tree", BASE)]


# --------------------------------------------------------------------------- the checker itself

BASE = {
    "type": "record", "name": "ThingHappenedV1", "namespace": "cn.gov.sc.ttp.test.thing",
    "fields": [
        {"name": "thing_id", "type": "string"},
        {"name": "count", "type": "int"},
        {"name": "note", "type": ["null", "string"], "default": None},
        {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 20, "scale": 2}},
    ],
}


def changed(change):
    schema = copy.deepcopy(BASE)
    change(schema["fields"])
    return schema


def test_identical_schemas_are_compatible():
    assert check_compatible(BASE, copy.deepcopy(BASE)) == []


def test_adding_a_field_with_a_default_is_compatible():
    new = changed(lambda f: f.append({"name": "region_code", "type": ["null", "string"], "default": None}))
    assert check_compatible(BASE, new) == []
    new = changed(lambda f: f.append({"name": "level", "type": "int", "default": 1, "doc": "docs may change"}))
    assert check_compatible(BASE, new) == []


def test_adding_a_field_without_default_fails():
    problems = check_compatible(BASE, changed(lambda f: f.append({"name": "region_code", "type": "string"})))
    assert problems and all(p.startswith("old -> new") for p in problems)
    assert "region_code" in problems[0]


def test_removing_a_field_without_default_fails():
    problems = check_compatible(BASE, changed(lambda f: f.pop(1)))
    assert problems and all(p.startswith("new -> old") for p in problems)
    assert "count" in problems[0]


def test_retyping_a_field_fails():
    problems = check_compatible(BASE, changed(lambda f: f[0].update(type="int")))
    assert any(p.startswith("old -> new") for p in problems)
    assert any(p.startswith("new -> old") for p in problems)


def test_widening_a_type_fails_the_way_back():
    problems = check_compatible(BASE, changed(lambda f: f[1].update(type="long")))
    assert problems and all(p.startswith("new -> old") for p in problems)


def test_changing_a_logical_type_fails():
    assert check_compatible(BASE, changed(lambda f: f[3]["type"].update(scale=3)))


def test_renaming_the_record_fails():
    assert check_compatible(BASE, {**BASE, "name": "ThingHappenedV2"}) == [
        "record name changed: cn.gov.sc.ttp.test.thing.ThingHappenedV1 -> cn.gov.sc.ttp.test.thing.ThingHappenedV2"]


def test_unparsable_schema_is_reported():
    assert check_compatible(BASE, changed(lambda f: f.append({"name": "x", "type": "nonsense"})))


# --------------------------------------------------------------------------- frozen revisions


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_the_current_schema_is_frozen_as_the_newest_revision(path):
    from ttp_tools.compat import canonical, frozen_revisions

    name = path.name[: -len(".avsc")]
    frozen = frozen_revisions(paths.SCHEMAS_DIR, name)
    assert frozen, f"{name} has no schemas/revisions/{name}/r1.avsc: run `make docs`"
    current = json.loads(path.read_text(encoding="utf-8"))
    assert canonical(frozen[-1][1]) == canonical(current), \
        f"{path.name} differs from its newest frozen revision {frozen[-1][0].name}: run `make docs`"


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_frozen_revisions_are_compatible_both_ways_in_sequence(path):
    from ttp_tools.compat import frozen_revisions

    frozen = frozen_revisions(paths.SCHEMAS_DIR, path.name[: -len(".avsc")])
    for (old_path, old), (new_path, new) in zip(frozen, frozen[1:]):
        assert check_compatible(old, new) == [], f"{old_path.name} -> {new_path.name}"


def test_freeze_adds_a_revision_only_when_the_schema_changed(tmp_path):
    from ttp_tools.compat import freeze, frozen_revisions

    schema = {"type": "record", "name": "ThingHappenedV1", "namespace": "cn.gov.sc.ttp.x.thing", "doc": "d",
              "fields": [{"name": "thing_id", "type": "string", "doc": "d"}]}
    (tmp_path / "x.thing.happened.v1.avsc").write_text(json.dumps(schema))
    assert [p.name for p in freeze(tmp_path)] == ["r1.avsc"]
    assert freeze(tmp_path) == []
    schema["fields"].append({"name": "note", "type": ["null", "string"], "default": None, "doc": "d"})
    (tmp_path / "x.thing.happened.v1.avsc").write_text(json.dumps(schema))
    assert [p.name for p in freeze(tmp_path)] == ["r2.avsc"]
    assert len(frozen_revisions(tmp_path, "x.thing.happened.v1")) == 2
    schema["fields"].append({"name": "required_now", "type": "string", "doc": "d"})  # incompatible
    (tmp_path / "x.thing.happened.v1.avsc").write_text(json.dumps(schema))
    with pytest.raises(SystemExit):
        freeze(tmp_path)
