"""The subscriber kit's example consumer decodes real events of a running service.

The registry runs against the local servers; an organization is registered and accredited
through its HTTP API; `examples/subscriber/consume.py` runs as a separate process (plain
kafka-python + fastavro, nothing of ours) and prints what it decoded.
"""
import json
import random
import subprocess
import sys

import pytest

from ttp_common.paths import REPO_ROOT
from ttp_common.reference import uscc_check_character
from ttp_testing import BOOTSTRAP, produce_raw, read_topic, service_api_fixture, unique

pytestmark = pytest.mark.integration

CONSUMER = REPO_ROOT / "examples" / "subscriber" / "consume.py"


registry = service_api_fixture("registry")


def run_consumer(topic, *extra):
    proc = subprocess.run(
        [sys.executable, str(CONSUMER), "--bootstrap", BOOTSTRAP, "--topic", topic,
         "--schemas", str(REPO_ROOT / "schemas"), "--group", unique("example-subscriber."),
         "--idle-timeout", "8", *extra],
        capture_output=True, text=True, timeout=90, cwd=REPO_ROOT / "examples" / "subscriber",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()], proc.stderr


def test_example_consumer_decodes_registered_and_accredited_events_in_order(registry):
    first17 = f"91510700MA{random.randrange(10**7):07d}"
    credit_code = first17 + uscc_check_character(first17)
    response = registry.post("/api/v1/organizations", {
        "name": "绵阳科技城技术转移中心", "credit_code": credit_code, "kind": "service_institution",
        "region_code": "510700"}, token=registry.token("admin", sub="example-admin"))
    assert response.status_code == 201, response.text
    org_id = response.json()["id"]
    reviewer = registry.token("reviewer", sub="mianyang-reviewer", region="510700")
    response = registry.post(f"/api/v1/organizations/{org_id}/accreditation", {"basis": "川科发〔2017〕1号"},
                             token=reviewer)
    assert response.status_code == 200, response.text
    topic = registry.config["KAFKA_TOPIC_PREFIX"] + "ttp.registry.organization"
    [last] = read_topic(topic, lambda r: r.key == org_id.encode() and b"accredited" in dict(r.headers)["ce_type"])

    # A redelivery of the same event (same ce_id), then garbage: printed once, garbage skipped.
    produce_raw(topic, last.value, key=last.key, headers=last.headers)
    produce_raw(topic, b"not an event", key=b"garbage")

    events, stderr = run_consumer(topic, "--api-version", "2.5")

    assert [e["event"] for e in events] == ["registry.organization.registered.v1",
                                            "registry.organization.accredited.v1"]  # one key: in order
    registered, accredited = events
    assert registered["type"] == "cn.gov.sc.ttp.registry.organization.registered.v1"
    assert registered["source"] and registered["subject"] == org_id and registered["time"]
    assert registered["extensions"]["actor"] == "example-admin"
    assert registered["data"] == {"organization_id": org_id, "name": "绵阳科技城技术转移中心",
                                  "credit_code": credit_code, "kind": "service_institution",
                                  "region_code": "510700", "supervising_department": None,
                                  "state_established": None}
    assert accredited["extensions"]["actor"] == "mianyang-reviewer"
    assert accredited["data"]["basis"] == "川科发〔2017〕1号" and accredited["data"]["region_code"] == "510700"
    assert accredited["data"]["accredited_at"].startswith("20")  # a timestamp, ISO 8601
    assert accredited["offset"] > registered["offset"] and accredited["partition"] == registered["partition"]
    assert "not a TTP CloudEvent" in stderr or "unknown payload framing" in stderr  # the garbage, skipped
