"""deploy/alertmanager and docs/runbooks: the configuration is valid (`amtool check-config`), every alert of
deploy/prometheus/rules.yml links a runbook with its four parts, and a real Alertmanager (Debian's
`prometheus-alertmanager`) with the committed routes and inhibitions (timings shortened, receiver URLs moved
to the test's port) delivers to the example webhook receiver: critical alerts to the on-call receiver,
plan alerts to the plan office, warnings to operations, and a service's lag alerts not at all while that
service cannot reach Kafka."""
import json
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
import yaml

sys.path.insert(0, str(Path(__file__).parent))
from _deploy import REPO  # noqa: E402

ALERTMANAGER_DIR = REPO / "deploy" / "alertmanager"
RULES = REPO / "deploy" / "prometheus" / "rules.yml"
RUNBOOK_PARTS = ("## What it means", "## Look first", "## Fix", "## Confirm")


def tool(name):
    path = shutil.which(name)
    assert path, f"{name} is missing: run `make system-deps` (Debian's prometheus-alertmanager)"
    return path


def alerts():
    groups = yaml.safe_load(RULES.read_text("utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"] if "alert" in rule]


def test_amtool_accepts_the_configuration():
    result = subprocess.run([tool("amtool"), "check-config", "alertmanager.yml"], cwd=ALERTMANAGER_DIR,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "SUCCESS" in result.stdout, result.stdout + result.stderr


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule["alert"])
def test_every_alert_links_its_runbook(rule):
    url = rule["annotations"]["runbook_url"]
    assert url == f"docs/runbooks/{rule['alert']}.md"
    text = (REPO / url).read_text("utf-8")
    assert text.startswith(f"# {rule['alert']} ({rule['labels']['severity']})\n")
    positions = [text.find(part) for part in RUNBOOK_PARTS]
    assert -1 not in positions and positions == sorted(positions), f"{url} needs {RUNBOOK_PARTS} in order"


def test_the_routes_send_each_alert_to_its_receiver():
    """amtool's routing of the committed tree, without a running Alertmanager."""
    def route(**labels):
        result = subprocess.run([tool("amtool"), "config", "routes", "test", "--config.file", "alertmanager.yml",
                                 *[f"{k}={v}" for k, v in labels.items()]], cwd=ALERTMANAGER_DIR,
                                capture_output=True, text=True, timeout=60)
        return result.stdout.strip()
    assert route(alertname="TTPServiceDown", severity="critical", service="finance") == "on-call"
    assert route(alertname="TTPConsumerLag", severity="warning", service="talent") == "operations"
    assert route(alertname="TTPTargetBehindPace", severity="warning", service="metrics") == "plan-office"
    assert route(alertname="TTPTaskOverdue", severity="warning", service="metrics") == "plan-office"


# -- a real Alertmanager and the example receiver -------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def receiver():
    """The example receiver, its stdout lines collected."""
    proc = subprocess.Popen([sys.executable, str(ALERTMANAGER_DIR / "webhook_receiver.py"), "--port", "0"],
                            stdout=subprocess.PIPE, text=True)
    lines = []
    first = json.loads(proc.stdout.readline())
    threading.Thread(target=lambda: [lines.append(json.loads(line)) for line in proc.stdout], daemon=True).start()
    yield first["listening"], lines
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def alertmanager(receiver, tmp_path_factory):
    url, _ = receiver
    config = yaml.safe_load((ALERTMANAGER_DIR / "alertmanager.yml").read_text("utf-8"))

    def shorten(route):
        route.update({k: "1s" for k in ("group_wait", "group_interval") if k in route})
        for child in route.get("routes", []):
            shorten(child)
    shorten(config["route"])
    for r in config["receivers"]:
        for hook in r["webhook_configs"]:
            hook["url"] = url + "/" + hook["url"].rsplit("/", 1)[1]
    work = tmp_path_factory.mktemp("alertmanager")
    (work / "alertmanager.yml").write_text(yaml.safe_dump(config), "utf-8")
    port = free_port()
    proc = subprocess.Popen([tool("prometheus-alertmanager"), f"--config.file={work / 'alertmanager.yml'}",
                             f"--storage.path={work / 'data'}", f"--web.listen-address=127.0.0.1:{port}",
                             "--cluster.listen-address=", "--log.level=warn"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/-/ready", timeout=1).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        assert time.monotonic() < deadline and proc.poll() is None, "Alertmanager did not start"
        time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(10)


def test_the_receiver_prints_concurrent_notifications_as_whole_lines(receiver):
    """Alertmanager posts groups in parallel; each must come out as one JSON line (two interleaved prints
    once made ``{..}{..}`` on one line and stopped the collector of this module's other tests)."""
    url, lines = receiver
    before = len(lines)
    payload = {"status": "firing", "groupLabels": {"alertname": "Parallel"},
               "alerts": [{"labels": {"alertname": "Parallel", "service": f"s{i}"}, "status": "firing"}
                          for i in range(30)]}
    with ThreadPoolExecutor(16) as pool:
        codes = list(pool.map(lambda _: requests.post(f"{url}/operations", json=payload, timeout=10).status_code,
                              range(64)))
    assert codes == [200] * 64
    deadline = time.monotonic() + 10
    while len(lines) < before + 64 and time.monotonic() < deadline:
        time.sleep(0.1)
    parallel = [line for line in lines[before:] if line["group"] == {"alertname": "Parallel"}]
    assert len(parallel) == 64 and all(len(line["alerts"]) == 30 for line in parallel)


def fire(base, *labelsets, resolved=False):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    body = [{"labels": labels, "annotations": {"runbook_url": f"docs/runbooks/{labels['alertname']}.md"},
             "startsAt": now, **({"endsAt": now} if resolved else {})} for labels in labelsets]
    assert requests.post(f"{base}/api/v2/alerts", json=body, timeout=5).status_code == 200


def delivered(lines, service, timeout=60):
    """Notifications received for ``service`` (waits until there is at least one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [line for line in lines if any(a["service"] == service for a in line["alerts"])]
        if found:
            return found
        time.sleep(0.2)
    return []


def test_a_broker_outage_pages_on_call_and_silences_the_lag_alerts_it_causes(alertmanager, receiver):
    _, lines = receiver
    down = {"alertname": "TTPDependencyDown", "severity": "critical", "service": "talent", "dependency": "kafka"}
    lag = {"alertname": "TTPConsumerLag", "severity": "warning", "service": "talent", "group": "ttp.talent.x"}
    unknown = {"alertname": "TTPConsumerLagUnknown", "severity": "warning", "service": "talent",
               "group": "ttp.talent.x"}
    other = {"alertname": "TTPConsumerLag", "severity": "warning", "service": "finance", "group": "ttp.finance.y"}
    fire(alertmanager, down)
    time.sleep(1)  # the source is known before its targets arrive
    fire(alertmanager, lag, unknown, other)
    [page] = delivered(lines, "talent")
    assert page["receiver"] == "on-call" and [a["alertname"] for a in page["alerts"]] == ["TTPDependencyDown"]
    assert page["alerts"][0]["runbook_url"] == "docs/runbooks/TTPDependencyDown.md"
    [warning] = delivered(lines, "finance")  # another service's lag is not silenced by talent's outage
    assert warning["receiver"] == "operations" and warning["alerts"][0]["alertname"] == "TTPConsumerLag"
    time.sleep(3)  # several group intervals: the inhibited alerts stay undelivered
    talent = [a for line in lines for a in line["alerts"] if a["service"] == "talent"]
    assert {a["alertname"] for a in talent} == {"TTPDependencyDown"}

    # the broker is back: the outage resolves, and the lag, if it remains, is delivered now
    fire(alertmanager, down, resolved=True)
    fire(alertmanager, lag)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
            a["alertname"] == "TTPConsumerLag" for line in lines for a in line["alerts"] if a["service"] == "talent"):
        time.sleep(0.2)
    lag_lines = [line for line in lines if any(a["alertname"] == "TTPConsumerLag" and a["service"] == "talent"
                                               for a in line["alerts"])]
    assert lag_lines and lag_lines[0]["receiver"] == "operations"


def test_plan_alerts_go_to_the_plan_office(alertmanager, receiver):
    _, lines = receiver
    fire(alertmanager, {"alertname": "TTPTaskOverdue", "severity": "warning", "service": "metrics", "task": "6"})
    [line] = delivered(lines, "metrics")
    assert line["receiver"] == "plan-office" and line["alerts"][0]["alertname"] == "TTPTaskOverdue"


@pytest.mark.parametrize("rule", alerts(), ids=lambda rule: rule["alert"])
def test_every_alert_has_a_rules_unit_test_that_fires_on_its_cause_and_resolves_after_it(rule):
    """deploy/prometheus/rules.test.yml (run by `promtool test rules` in services/metrics/tests) has, for the
    alert, a test in which it fires and, at a later evaluation of the same test, no longer does."""
    tests = yaml.safe_load((REPO / "deploy" / "prometheus" / "rules.test.yml").read_text("utf-8"))["tests"]
    for test in tests:
        evals = sorted((e for e in test.get("alert_rule_test", []) if e["alertname"] == rule["alert"]),
                       key=lambda e: int(e["eval_time"].rstrip("m")))
        fired = [i for i, e in enumerate(evals) if e["exp_alerts"]]
        if fired and any(not e["exp_alerts"] for e in evals[fired[0] + 1:]):
            return
    pytest.fail(f"no rules unit test in which {rule['alert']} fires and then resolves")
