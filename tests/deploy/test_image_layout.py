"""Each service's image (deploy/Dockerfile with the service's build arguments) run here without Docker:
the final stage's COPY instructions are replayed into a temporary root, and the service is started with
the image's ENV, WORKDIR and CMD against the local servers; then the image's HEALTHCHECK command must
succeed.

This proves the image carries every file the service needs at run time (schemas, package
data such as the metrics plans) and that its configuration comes from the environment. It
does not prove the pip install of the build stage (no Docker engine runs here).
"""
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
import warnings
from pathlib import Path

import pymongo
import pytest
from nameko.testing.utils import find_free_port

from ttp_testing import AMQP_URI, BOOTSTRAP, MONGO_URI, unique, wait_for

sys.path.insert(0, str(Path(__file__).parent))
from _deploy import DEPLOYED, ISSUER, REPO, image_steps  # noqa: E402

pytestmark = pytest.mark.integration


def final_stage(service):
    parser, steps = image_steps(service)
    last_from = max(i for i, (name, _) in enumerate(steps) if name == "FROM")
    return parser.envs, steps[last_from:]


def replay_copies(steps, root):
    for name, value in steps:
        if name == "COPY" and not value.startswith("--from="):
            source, target = value.split()
            destination = root / target.lstrip("/")
            if (REPO / source).is_dir():
                shutil.copytree(REPO / source, destination, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(REPO / source, destination)


class ImageRun:
    """One service started the way its image starts it, from a copy of the image's files."""

    def __init__(self, service, root):
        self.service, self.root = service, root
        env_of_image, self.steps = final_stage(service)
        replay_copies(self.steps, root)
        upper = service.upper()
        env = dict(os.environ)
        for key, value in env_of_image.items():
            env[key] = value.replace("/app", str(root / "app")) if value.startswith("/app") else value
        env["PATH"] = f"{Path(sys.executable).parent}:{os.environ['PATH']}"  # the image's /opt/venv is this venv
        env.update({f"{upper}_PORT": str(find_free_port()), "HTTP_HOST": "127.0.0.1",  # variables it reads
                    f"{upper}_MONGO_DB": unique(f"test_image_{service}_"), "MONGO_URI": MONGO_URI,
                    "AMQP_URI": AMQP_URI, "KAFKA_BOOTSTRAP": BOOTSTRAP, "KAFKA_TOPIC_PREFIX": f"{unique()}.",
                    "OIDC_ISSUER": "http://127.0.0.1:9"})  # no secret: tokens are verified against an issuer
        if service == ISSUER:  # its keys in a directory of their own, as a volume or a mounted secret
            env.update({"IDENTITY_KEY_DIR": str(root / "keys"), "IDENTITY_SEED_FILE": ""})
        self.env, self.db = env, env[f"{upper}_MONGO_DB"]
        self.workdir = root / [v for n, v in self.steps if n == "WORKDIR"][-1].lstrip("/")
        [cmd] = [json.loads(v) for n, v in self.steps if n == "CMD"]
        self.log = root / "service.log"
        self.proc = subprocess.Popen([c.replace("/app", str(root / "app")) for c in cmd], cwd=self.workdir, env=env,
                                     stdout=open(self.log, "wb"), stderr=subprocess.STDOUT)

    def healthcheck_passes(self):
        assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
        [healthcheck] = [v for n, v in self.steps if n == "HEALTHCHECK"]
        check = json.loads(healthcheck[healthcheck.index("CMD") + 3:].strip())
        return subprocess.run(check, env=self.env, capture_output=True, timeout=10).returncode == 0

    def stop(self, deadline):
        # Graceful first (an idle HTTP-only nameko service can take a minute: STACK-NOTES 7).
        try:
            self.proc.wait(timeout=max(deadline - time.time(), 0.1))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stopped_after = time.time() - self.terminated_at


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    started = {name: ImageRun(name, tmp_path_factory.mktemp(f"image-{name}")) for name in DEPLOYED}
    try:
        yield started
    finally:
        for run in started.values():
            run.terminated_at = time.time()
            run.proc.terminate()
        deadline = time.time() + 60
        for run in started.values():
            run.stop(deadline)
        # A killed service may leave a transaction open that holds its database for a while.
        client = pymongo.MongoClient(MONGO_URI, timeoutMS=10000)
        for run in started.values():
            try:
                client.drop_database(run.db)
            except pymongo.errors.PyMongoError as exc:
                warnings.warn(f"test database {run.db} left behind ({run.service} stopped after "
                              f"{run.stopped_after:.1f} s, exit {run.proc.returncode}): {exc}")
        client.close()


@pytest.mark.parametrize("service", DEPLOYED)
def test_the_image_command_passes_its_healthcheck_with_only_the_image_files(runs, service):
    run = runs[service]
    wait_for(run.healthcheck_passes, timeout=90, interval=0.5, message=f"{service}'s HEALTHCHECK to pass")
    # ...and it runs the copied package, not the checkout's editable install
    where = subprocess.run([sys.executable, "-c", f"import {service}; print({service}.__file__)"], env=run.env,
                           cwd=run.workdir, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(run.root)), where.stdout


def test_the_issuer_image_signs_with_a_key_of_its_key_directory_only(runs):
    run = runs[ISSUER]
    wait_for(run.healthcheck_passes, timeout=90, interval=0.5, message=f"{ISSUER}'s HEALTHCHECK to pass")
    port = run.env[f"{ISSUER.upper()}_PORT"]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/.well-known/jwks.json", timeout=10) as response:
        [key] = json.load(response)["keys"]
    assert key["alg"] == "ES256" and "d" not in key  # public only
    assert [p.name for p in (run.root / "keys").glob("*.jwk.json")] == [f"{key['kid']}.jwk.json"]
