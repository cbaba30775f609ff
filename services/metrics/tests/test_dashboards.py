"""deploy/grafana: the committed dashboards are the generator's output, and every panel's query
is valid PromQL that returns data from a real Prometheus scraping real running services
(registry and metrics under `nameko run`), after events moved through them."""
import datetime as dt
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pymongo
import pytest
import requests
import yaml
from nameko.testing.utils import find_free_port

from ttp_common import envelope
from ttp_common.auth import mint_token
from ttp_common.events import codec
from ttp_common.paths import REPO_ROOT
from ttp_common.testing import BOOTSTRAP, MONGO_URI, produce_raw, unique, wait_for

GRAFANA_DIR = REPO_ROOT / "deploy" / "grafana"
PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"
SECRET = "dashboards-secret-of-at-least-32-bytes"
CLASSES = {"registry": "registry.service:RegistryService", "metrics": "metrics.service:MetricsService"}


def generator():
    spec = importlib.util.spec_from_file_location("ttp_grafana_generate", GRAFANA_DIR / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def committed():
    return {path.name: path.read_text("utf-8") for path in sorted((GRAFANA_DIR / "dashboards").glob("*.json"))}


def test_the_committed_dashboards_are_the_generators_output():
    assert committed() == generator().generate(), "run .venv/bin/python deploy/grafana/generate.py"


def test_dashboards_have_chinese_titles_and_use_the_provisioned_datasource():
    titles = {json.loads(text)["title"] for text in committed().values()}
    assert "四川省科技成果转移转化规划目标进度" in titles and len(titles) == 4
    provisioned = yaml.safe_load((GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yaml").read_text("utf-8"))
    uid = provisioned["datasources"][0]["uid"]
    for text in committed().values():
        for p in json.loads(text)["panels"]:
            for target in p.get("targets") or []:
                assert target["datasource"]["uid"] == uid


# -- against a real Prometheus ------------------------------------------------------------


def start_service(service, port, db, prefix, log_dir):
    env = dict(os.environ)
    env.update({f"{service.upper()}_PORT": str(port), f"{service.upper()}_MONGO_DB": db, "MONGO_URI": MONGO_URI,
                "KAFKA_BOOTSTRAP": BOOTSTRAP, "KAFKA_TOPIC_PREFIX": prefix, "TTP_JWT_SECRET": SECRET,
                "OUTBOX_POLL_SECONDS": "0.5"})
    nameko = Path(sys.executable).parent / "nameko"
    return subprocess.Popen(
        [str(nameko), "run", "--config", str(REPO_ROOT / "services" / service / "config.yaml"), CLASSES[service]],
        cwd=REPO_ROOT / "services" / service, env=env, stdout=open(log_dir / f"{service}.log", "wb"),
        stderr=subprocess.STDOUT)


def prometheus_config(ports, path):
    """deploy/prometheus/prometheus.yml, pointed at the test's services and scraping every second."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text("utf-8"))
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config["rule_files"] = [str(PROMETHEUS_DIR / "rules.yml")]
    jobs = []
    for job in config["scrape_configs"]:
        service = job["static_configs"][0]["labels"]["service"]
        if service in ports:
            job["static_configs"][0]["targets"] = [f"127.0.0.1:{ports[service]}"]
            jobs.append(job)
    config["scrape_configs"] = jobs
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus not installed: apt-get install -y prometheus")
        pytest.skip("prometheus not installed (apt-get install -y prometheus)")
    tmp = tmp_path_factory.mktemp("dashboards")
    prefix = f"{unique('dash')}."
    ports = {name: find_free_port() for name in CLASSES}
    dbs = {name: unique(f"test_dash_{name}_") for name in CLASSES}
    procs = {name: start_service(name, ports[name], dbs[name], prefix, tmp) for name in CLASSES}
    prometheus_config(ports, tmp / "prometheus.yml")
    prom_port = find_free_port()
    procs["prometheus"] = subprocess.Popen(
        [binary, f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{prom_port}"],
        stdout=open(tmp / "prometheus.log", "wb"), stderr=subprocess.STDOUT)
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    urls["prometheus"] = f"http://127.0.0.1:{prom_port}"
    try:
        for name, url in urls.items():
            path = "/-/ready" if name == "prometheus" else "/health"

            def up(url=url, name=name, path=path):
                assert procs[name].poll() is None, (tmp / f"{name}.log").read_text()[-3000:]
                try:
                    return requests.get(url + path, timeout=2).status_code == 200
                except requests.ConnectionError:
                    return False
            wait_for(up, timeout=60, message=f"{name} to be ready")
        yield {"urls": urls, "prefix": prefix}
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        client = pymongo.MongoClient(MONGO_URI)
        for db in dbs.values():
            client.drop_database(db)
        client.close()


def publish(prefix, name, data, subject):
    message = envelope.build_message(codec(), name, data, source="/ttp/test", subject=subject, topic_prefix=prefix)
    produce_raw(message.topic, message.value, key=message.key, headers=message.headers)
    return message


def drive(stack):
    """What a day of the platform does: registrations and an accreditation through the registry's API,
    other services' events through the backbone, one duplicate and one undecodable record."""
    urls, prefix = stack["urls"], stack["prefix"]
    admin = {"Authorization": f"Bearer {mint_token('dash-admin', 'admin', secret=SECRET)}"}
    response = requests.post(f"{urls['registry']}/api/v1/organizations", headers=admin, timeout=10, json={
        "name": "绵阳科技城技术转移中心", "credit_code": "91510700MA6CUPTE11", "kind": "service_institution",
        "region_code": "510700"})
    assert response.status_code == 201, response.text
    org_id = response.json()["id"]
    response = requests.post(f"{urls['registry']}/api/v1/organizations/{org_id}/accreditation", json={},
                             headers=admin, timeout=10)
    assert response.status_code == 200, response.text
    at = dt.datetime(2018, 5, 4, tzinfo=dt.timezone.utc)
    publish(prefix, "finance.transformation_project.approved.v1", {
        "project_id": "p1", "title": "项目", "category": "major", "programme": 2, "region_code": "510100",
        "organization_id": org_id, "responsible_department": "科技厅", "budget": Decimal("100.00"),
        "achievement_ids": [], "approved_at": at}, "p1")
    contract = publish(prefix, "transactions.contract.registered.v1", {
        "contract_id": "c1", "registration_number": "5101002018000001", "contract_type": "licence",
        "contract_amount": Decimal("500000.00"), "technology_transaction_amount": Decimal("400000.00"),
        "seller_organization_id": org_id, "region_code": "510100", "registered_at": at, "programme": 2}, "c1")
    produce_raw(contract.topic, contract.value, key=contract.key, headers=contract.headers)  # redelivered
    publish(prefix, "registry.annual_report.missing.v1", {
        "report_id": "u1:2018", "organization_id": "u1", "region_code": "510100", "supervising_department": "教育厅",
        "year": 2018}, "u1:2018")
    produce_raw(f"{prefix}ttp.talent.person", b"not an event", key=b"garbage")
    wait_for(lambda: requests.get(f"{urls['metrics']}/api/v1/pipeline", timeout=5).json()["events_applied"] >= 5,
             timeout=30, message="metrics to project the events")
    requests.get(f"{urls['metrics']}/api/v1/progress", timeout=5)
    requests.get(f"{urls['registry']}/api/v1/organizations/{org_id}", timeout=5)


def concrete(expr):
    """A panel's query as Grafana would send it with the default variable values."""
    return expr.replace("$__rate_interval", "1m").replace("$service", ".*")


@pytest.mark.integration
def test_every_panel_query_returns_data_from_a_real_prometheus(stack):
    drive(stack)
    queries = [q for text in committed().values() for q in generator().panel_queries(text)]
    assert len(queries) > 30

    def run(expr):
        response = requests.get(f"{stack['urls']['prometheus']}/api/v1/query",
                                params={"query": concrete(expr)}, timeout=10)
        return response.json()

    def failing():
        missing = []
        for dashboard_title, panel_title, expr in queries:
            body = run(expr)
            if body.get("status") != "success" or not body["data"]["result"]:
                missing.append((dashboard_title, panel_title, expr, body.get("error")))
        return missing

    def all_have_data():
        return not failing()

    try:
        wait_for(all_have_data, timeout=60, interval=1, message="every panel to have data")
    except AssertionError:
        pytest.fail("panels without data:\n" + "\n".join(map(str, failing())))
    for _, _, expr in queries:  # and the syntax is valid as written (variables aside)
        assert run(expr.replace("$__rate_interval", "5m").replace("$service", "x"))["status"] == "success"

    alerts = requests.get(f"{stack['urls']['prometheus']}/api/v1/rules", timeout=10).json()
    assert alerts["status"] == "success"
    names = {rule["name"] for group in alerts["data"]["groups"] for rule in group["rules"]}
    assert {"TTPTargetBehindPace", "TTPTaskOverdue", "target:ttp_target_pace:ratio"} <= names
