"""The three libraries: ttp-common (what the services run), ttp-tools (commands) and ttp-testing (the pytest
plugin), and the rule that keeps the plugin from breaking the root conftest's monkey-patching."""
import importlib.metadata
import re
import subprocess
import sys
import textwrap
from pathlib import Path

LIBS = Path(__file__).resolve().parents[1]
REPO = LIBS.parent


def test_the_runtime_library_does_not_import_the_tools_or_the_test_helpers():
    for path in [*(LIBS / "ttp_common").rglob("*.py"),
                 *(p for p in (REPO / "services").rglob("*.py") if "tests" not in p.parts)]:
        imports = re.findall(r"^\s*(?:from|import) (ttp_tools|ttp_testing)\b", path.read_text(encoding="utf-8"), re.M)
        assert not imports, path


def test_the_commands_come_from_ttp_tools():
    scripts = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="console_scripts")
               if ep.name.startswith("ttp-") and ep.dist.name in ("ttp-common", "ttp-tools")}
    assert scripts == {"ttp-stack": "ttp_tools.stack:main", "ttp-asyncapi": "ttp_tools.asyncapi:main",
                       "ttp-schemas": "ttp_tools.compat:main", "ttp-dlq": "ttp_tools.dlq:main",
                       "ttp-token": "ttp_tools.token:main"}


def test_the_plugin_is_registered_and_imports_nothing_but_pytest_at_load():
    """Entry-point plugins load before the root conftest.py, whose first statement monkey-patches eventlet:
    a plugin that imported pymongo, kafka or any socket user first would break it (STACK-NOTES 1)."""
    [plugin] = [ep for ep in importlib.metadata.entry_points(group="pytest11") if ep.dist.name == "ttp-testing"]
    assert plugin.value == "ttp_testing.plugin"
    probe = textwrap.dedent("""
        import sys, pytest
        before = set(sys.modules)
        import ttp_testing, ttp_testing.plugin
        print(sorted({m.split(".")[0] for m in set(sys.modules) - before}))
    """)
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "['ttp_testing', 'ttp_tools']"


def test_a_conftest_importing_pymongo_before_the_monkey_patch_stops_the_session(tmp_path):
    (tmp_path / "conftest.py").write_text("import pymongo\nimport eventlet\n\neventlet.monkey_patch()\n")
    (tmp_path / "test_x.py").write_text("def test_x():\n    pass\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode != 0 and "pymongo was imported before eventlet.monkey_patch()" in run.stdout + run.stderr
    (tmp_path / "conftest.py").write_text("import eventlet\n\neventlet.monkey_patch()\nimport pymongo\n")
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
