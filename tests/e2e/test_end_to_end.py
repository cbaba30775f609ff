"""End to end across two real service processes (`nameko run`), through the real servers.

registry --(outbox → Kafka, Avro + CloudEvents)--> metrics --(HTTP)--> the test.
Each run uses its own databases, topic prefix and ports, so it never sees other runs' data.
"""
import io
import json

import fastavro
import pytest
import requests
from cloudevents.v1 import kafka as ce_kafka

from ttp_common.paths import SCHEMAS_DIR
from ttp_testing import events_deduplicated, header, nameko_run, produce_raw, read_topic, tokens, unique, wait_for
from ttp_testing.plans import plans_dir

pytestmark = pytest.mark.integration

PREFIX = f"{unique('e2e')}."
TOPIC = f"{PREFIX}ttp.registry.organization"
EVENT = "registry.organization.registered.v1"
SERVICES = ("registry", "metrics")


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    # what happens today counts in a plan in force today (the packaged 2016-2020 plan has ended)
    env = {"METRICS_PLANS_DIR": str(plans_dir(in_force=True))}
    with nameko_run(SERVICES, tmp_path_factory.mktemp("e2e-logs"), prefix=PREFIX, env=env) as running:
        yield running.urls


def register(urls, name, credit_code, kind="service_institution", region="510700", correlation_id=None):
    token = tokens.admin("e2e-admin")
    headers = {"Authorization": f"Bearer {token}"}
    if correlation_id:
        headers["X-Correlation-Id"] = correlation_id
    response = requests.post(f"{urls['registry']}/api/v1/organizations", timeout=10, headers=headers,
                             json={"name": name, "credit_code": credit_code, "kind": kind, "region_code": region})
    assert response.status_code == 201, response.text
    if correlation_id:
        assert response.headers["X-Correlation-Id"] == correlation_id
    return response.json()["id"]


def counters(urls):
    return requests.get(f"{urls['metrics']}/api/v1/progress", timeout=5).json()["counters"]


def deduplicated(urls):
    """Redelivered events the metrics projection has skipped, from its /metrics."""
    return events_deduplicated(requests.get(f"{urls['metrics']}/metrics", timeout=5).text, "metrics", "project_event")


def target(urls, key):
    targets = requests.get(f"{urls['metrics']}/api/v1/progress", timeout=5).json()["targets"]
    return next(t for t in targets if t["key"] == key)


def test_registration_and_accreditation_reach_metrics_and_the_raw_event_is_self_describing(platform):
    org_id = register(platform, "绵阳科技城技术转移中心", "91510700MA6CUPTE11", correlation_id="e2e-req-0001")
    wait_for(lambda: counters(platform).get("organizations_registered|region=510700") == 1,
             message="metrics to count the registration")
    assert "service_institutions" not in counters(platform)  # registered is not yet accredited (认定)

    reviewer = tokens.reviewer("510700", "mianyang-reviewer")
    response = requests.post(f"{platform['registry']}/api/v1/organizations/{org_id}/accreditation", json={},
                             headers={"Authorization": f"Bearer {reviewer}"}, timeout=10)
    assert response.status_code == 200, response.text
    wait_for(lambda: counters(platform).get("service_institutions") == 1, message="metrics to count the accreditation")
    assert target(platform, "service_institutions")["value"] == "1"
    assert counters(platform)["organizations_registered|region=510700"] == 1
    scrape = requests.get(f"{platform['metrics']}/metrics", timeout=5).text
    assert 'ttp_plan_target_value{target="service_institutions",unit="count"} 1.0' in scrape

    # A subscriber needs only a CloudEvents SDK and the published .avsc file.
    [record] = read_topic(TOPIC, lambda r: r.key == org_id.encode() and header(r, "ce_type").endswith("registered.v1"))
    message = ce_kafka.KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value)
    event = ce_kafka.from_binary(message, data_unmarshaller=lambda body: body)
    assert event["type"] == f"cn.gov.sc.ttp.{EVENT}"
    assert event["subject"] == org_id
    assert event["actor"] == "e2e-admin"
    assert event["correlationid"] == "e2e-req-0001"  # the caller's request id travels with the event
    with open(SCHEMAS_DIR / f"{EVENT}.avsc", encoding="utf-8") as f:
        schema = fastavro.parse_schema(json.load(f))
    payload = event.get_data()
    assert payload[:2] == b"\xc3\x01"
    data = fastavro.schemaless_reader(io.BytesIO(payload[10:]), schema)
    assert data == {"organization_id": org_id, "name": "绵阳科技城技术转移中心", "credit_code": "91510700MA6CUPTE11",
                    "kind": "service_institution", "region_code": "510700", "supervising_department": None,
                    "state_established": None}  # not stated (only universities and institutes state it)


def test_redelivery_changes_nothing_and_garbage_is_dead_lettered(platform):
    first = register(platform, "德阳技术转移服务机构", "91510600MA62L2XK3G", region="510600")
    wait_for(lambda: counters(platform).get("organizations_registered|region=510600") == 1,
             message="the first event")
    [record] = read_topic(TOPIC, lambda r: r.key == first.encode())
    skipped = deduplicated(platform)

    produce_raw(TOPIC, record.value, key=record.key, headers=record.headers)  # the same ce_id again
    produce_raw(TOPIC, b"not an event", key=b"garbage")
    register(platform, "德阳第二机构", "91510600MA62L2XM2F", region="510600")

    wait_for(lambda: counters(platform).get("organizations_registered|region=510600") == 2,
             message="the event after the duplicate and the garbage")
    # the copy has the first organization's key, the second its own (maybe another partition): wait for its skip
    wait_for(lambda: deduplicated(platform) == skipped + 1, message="the duplicate skipped")
    assert counters(platform)["organizations_registered|region=510600"] == 2  # not 3
    [dead] = read_topic(f"{TOPIC}.dlq", lambda r: r.key == b"garbage")
    assert header(dead, "dlq_reason") == "undecodable"
    assert header(dead, "dlq_handler") == "metrics.project_event"
