"""deploy/prometheus: the scrape config and rule files are valid and the rules do what their
unit tests say, checked with promtool from Debian's `prometheus` package."""
import os
import shutil
import subprocess

import pytest

from ttp_common.paths import REPO_ROOT

PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"


def promtool():
    path = shutil.which("promtool")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("promtool not installed: apt-get install -y prometheus")
        pytest.skip("promtool not installed (apt-get install -y prometheus)")
    return path


def run(*args):
    result = subprocess.run([promtool(), *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_scrape_config_scrapes_all_five_services():
    assert "SUCCESS" in run("check", "config", "prometheus.yml")
    text = (PROMETHEUS_DIR / "prometheus.yml").read_text("utf-8")
    for service, port in (("registry", 8101), ("transactions", 8102), ("finance", 8103), ("talent", 8104),
                          ("metrics", 8105)):
        assert f"job_name: ttp-{service}" in text and f"127.0.0.1:{port}" in text


def test_the_rules_are_valid():
    assert "SUCCESS" in run("check", "rules", "rules.yml")


def test_the_rules_pass_their_unit_tests():
    assert "SUCCESS" in run("test", "rules", "rules.test.yml")


@pytest.mark.parametrize("alert", ["TTPServiceDown", "TTPHighHTTPErrorRatio", "TTPConsumerLag", "TTPEventsDeadLettered",
                                   "TTPTaskOverdue", "TTPTargetBehindPace"])
def test_every_alert_the_issue_asks_for_exists_and_is_unit_tested(alert):
    assert f"alert: {alert}\n" in (PROMETHEUS_DIR / "rules.yml").read_text("utf-8")
    assert f"alertname: {alert}\n" in (PROMETHEUS_DIR / "rules.test.yml").read_text("utf-8")
