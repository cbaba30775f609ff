"""The public namespace `ttp.` carries CloudEvents only, and the subscriber guide lists exactly its topics.

A private Tansu broker goes through what `make up` does to Kafka (the launcher's produce/consume probe,
then the creation of every event topic and its dead-letter topic), one event is published as a service
publishes it, and a subscriber to the pattern `ttp\\..*` reads everything from the start: each record is a
CloudEvent in the Kafka binary binding (the `cloudevents` SDK reads it) whose payload the published schemas
decode, the event is among them, and the probe's topic exists but is outside the pattern.
"""
import re
import socket
import subprocess
import time
import uuid

import pytest
from cloudevents.v1.kafka import KafkaMessage, from_binary
from kafka import KafkaConsumer

from ttp_common import kafka
from ttp_common.avro import SchemaRepository, event_topic
from ttp_common.events import codec
from ttp_common.paths import REPO_ROOT
from ttp_testing import event_message, produce_raw, unique
from ttp_tools import servers

pytestmark = pytest.mark.integration

GUIDES = [REPO_ROOT / "docs" / "subscribers" / "README.md", REPO_ROOT / "docs" / "subscribers" / "README.zh-CN.md"]


@pytest.fixture(scope="module")
def broker(tmp_path_factory):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"tcp://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("tansu") / "tansu.log").open("w")
    proc = subprocess.Popen([servers.tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
                             "--storage-engine", "memory://tansu/"], stdout=log, stderr=subprocess.STDOUT)
    bootstrap = f"127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if servers.kafka_round_trip(bootstrap):  # the launcher's own probe (as `ttp-stack infra-up`)
                break
        except Exception:
            pass
        assert proc.poll() is None and time.monotonic() < deadline, "the private broker did not start"
        time.sleep(0.5)
    yield bootstrap
    proc.terminate()
    proc.wait(10)
    log.close()


def test_a_subscriber_to_the_public_namespace_receives_cloudevents_only(broker, monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP", broker)
    servers.create_topics()
    org_id = uuid.uuid4().hex
    message = event_message("", "registry.organization.registered.v1",
                            {"organization_id": org_id, "name": "成都某某科技有限公司", "credit_code": "91350100M000100Y43",
                             "kind": "enterprise", "region_code": "510100"}, org_id)
    produce_raw(message.topic, message.value, key=message.key, headers=list(message.headers), bootstrap=broker)

    consumer = KafkaConsumer(bootstrap_servers=broker, api_version=kafka.API_VERSION, group_id=unique("subscriber-"),
                             auto_offset_reset="earliest", enable_auto_commit=False, fetch_max_wait_ms=10,
                             consumer_timeout_ms=8000)
    consumer.subscribe(pattern=r"ttp\..*")
    try:
        records = list(consumer)
        topics = consumer.topics()
    finally:
        consumer.close()

    assert records, "the subscriber received nothing"
    received = []
    for record in records:
        event = from_binary(KafkaMessage(headers=dict(record.headers), key=record.key, value=record.value),
                            data_unmarshaller=lambda value: value)
        assert event["specversion"] == "1.0" and event["type"].startswith("cn.gov.sc.ttp.")
        name, data = codec().decode(record.value)
        received.append((record.topic, name, data["organization_id"]))
    assert received == [("ttp.registry.organization", "registry.organization.registered.v1", org_id)]
    assert servers.HEALTH_TOPIC in topics and not re.match(r"ttp\.", servers.HEALTH_TOPIC)


@pytest.mark.parametrize("guide", GUIDES, ids=["en", "zh-CN"])
def test_the_subscriber_guide_lists_exactly_the_public_topics(guide):
    text = guide.read_text("utf-8")
    section = text[text.index("<!-- public topics -->"):text.index("<!-- /public topics -->")]
    listed = re.findall(r"^\| `(ttp\.[a-z_.]+)`", section, re.M)
    assert sorted(listed) == listed and len(set(listed)) == len(listed)
    assert set(listed) == {event_topic(name) for name in SchemaRepository().names()}
