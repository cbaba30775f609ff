"""Bootstrap for subscribers that start late (issue 20 item 4), against the real broker and services: the registry
makes organizations and achievements (several events per key, an event published twice), the delivery service's
state keeper folds them into the compacted ``<topic>.state`` topics, and the example subscriber
(``examples/subscriber/consume.py``, a separate process) ends with the same states whether it followed every event
from the start or started late from the state topics (``--from-state``); also when events keep arriving while the
late one is loading the states."""
import importlib.util
import json
import random
import subprocess
import sys
import threading
import time

import pytest
from cryptography.fernet import Fernet
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType

from ttp_common.paths import REPO_ROOT
from ttp_common.reference import uscc_check_character
from ttp_testing import BOOTSTRAP, redeliver, read_topic, service_api_fixture, unique, wait_for

pytestmark = pytest.mark.integration

PREFIX = f"{unique()}."
TOPICS = [f"{PREFIX}ttp.registry.organization", f"{PREFIX}ttp.registry.achievement"]
CONSUMER = REPO_ROOT / "examples" / "subscriber" / "consume.py"

registry = service_api_fixture("registry", KAFKA_TOPIC_PREFIX=PREFIX, LOG_LEVEL="WARNING")
keeper = service_api_fixture("delivery", KAFKA_TOPIC_PREFIX=PREFIX, LOG_LEVEL="WARNING",
                             DELIVERY_SECRETS_KEY=Fernet.generate_key().decode())


def example():
    spec = importlib.util.spec_from_file_location("example_consume", CONSUMER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- a short scenario: organizations registered, accredited, corrected; achievements through their states -------
def organization(api, region="510700"):
    first17 = f"91{region[:4]}00MA{random.randrange(10 ** 7):07d}"
    response = api.post("/api/v1/organizations", {
        "name": f"技术转移中心{random.randrange(10 ** 6)}", "credit_code": first17 + uscc_check_character(first17),
        "kind": "service_institution", "region_code": region}, token=api.token("admin", sub="scenario-admin"))
    assert response.status_code == 201, response.text
    org_id = response.json()["id"]
    reviewer = api.token("reviewer", sub="scenario-reviewer", region=region)
    response = api.post(f"/api/v1/organizations/{org_id}/accreditation", {"basis": "川科发〔2017〕1号"}, token=reviewer)
    assert response.status_code == 200, response.text
    response = api.request("PATCH", f"/api/v1/organizations/{org_id}", token=reviewer,
                           json={"supervising_department": "四川省科学技术厅"})
    assert response.status_code == 200, response.text
    return org_id


def achievement(api, org_id, steps=("submit", "register", "publish"), region="510700"):
    owner = api.token("institution", org=org_id)
    reviewer = api.token("reviewer", region="510000")
    form = {"title": f"钒钛磁铁矿综合利用技术{random.randrange(10 ** 6)}", "type": "applied",
            "summary": "攀西钒钛资源综合利用的成果转化。", "keywords": ["钒钛"], "industry": "新材料", "programme": 14,
            "trl": 6, "region_code": region, "organization_ids": [org_id],
            "contributors": [{"name": "李四", "share": "100"}], "funding": {"fiscal": False}}
    response = api.post("/api/v1/achievements", form, token=owner)
    assert response.status_code == 201, response.text
    achievement_id = response.json()["id"]
    for action in steps:
        body = {"reason": "成果已转让，停止公开"} if action == "withdraw" else {}
        token = owner if action in ("submit", "withdraw") else reviewer
        response = api.post(f"/api/v1/achievements/{achievement_id}/{action}", body, token=token)
        assert response.status_code == 200, (action, response.text)
    return achievement_id


def withdraw(api, org_id, achievement_id):
    response = api.post(f"/api/v1/achievements/{achievement_id}/withdraw", {"reason": "成果已转让，停止公开"},
                        token=api.token("institution", org=org_id))
    assert response.status_code == 200, response.text


def burst(api, organizations=2, achievements=2):
    made = []
    for _ in range(organizations):
        org_id = organization(api)
        made.append((org_id, [achievement(api, org_id) for _ in range(achievements)]))
    return made


# -- reading the topics -----------------------------------------------------------------------------------------
def last_offsets(topics, quiet=3.0):
    """The offset of the last record of every partition of ``topics``, read until ``quiet`` seconds bring none."""
    reader = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=None, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(reader.partitions_for_topic(t) or ())]
        reader.assign(partitions)
        reader.seek_to_beginning(*partitions)
        last, quiet_since = {}, time.monotonic()
        while time.monotonic() - quiet_since < quiet:
            for tp, records in reader.poll(timeout_ms=500).items():
                last[tp.topic, tp.partition] = records[-1].offset
                quiet_since = time.monotonic()
        return last
    finally:
        reader.close()


def keeper_caught_up(topics):
    """Wait until the state topics hold every event of ``topics`` (the highest source offset per partition)."""
    wanted = last_offsets(topics)
    module = example()

    def caught_up():
        _, through = module.read_states(topics, bootstrap_servers=BOOTSTRAP)
        return through == wanted
    wait_for(caught_up, timeout=90, interval=1.0, message="the state keeper to fold every event")
    return wanted


def subscriber(tmp_path, name, *extra, idle=6):
    out = tmp_path / f"{name}.json"
    command = [sys.executable, str(CONSUMER), "--bootstrap", BOOTSTRAP, "--schemas", str(REPO_ROOT / "schemas"),
               "--group", unique(f"late-subscriber.{name}."), "--idle-timeout", str(idle), "--api-version", "2.5",
               "--state-out", str(out), *extra]
    for topic in TOPICS:
        command += ["--topic", topic]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=REPO_ROOT / "examples" / "subscriber"), out


def finished(proc_out, timeout=180):
    proc, out = proc_out
    stdout, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, stderr[-3000:]
    lines = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return json.loads(out.read_text(encoding="utf-8")), lines


def test_a_subscriber_started_late_ends_with_the_states_of_one_that_followed_from_the_start(registry, keeper,
                                                                                             tmp_path):
    made = burst(registry)
    (org_id, (first, _)), _ = made
    withdraw(registry, org_id, first)  # a fourth event on one achievement
    [published] = read_topic(TOPICS[1], lambda r: r.key == first.encode() and b"published" in dict(r.headers)["ce_type"])
    redeliver(published)  # the relay published it twice: folded once by both
    wanted = keeper_caught_up(TOPICS)

    from_start = finished(subscriber(tmp_path, "from-start"))
    late = finished(subscriber(tmp_path, "late", "--from-state"))

    assert late[0] == from_start[0]
    states = from_start[0]
    assert len(states) == 2 + 4  # two organizations, four achievements
    organization_state = states[f"{TOPICS[0]}|{org_id}"]
    assert organization_state["type"] == "registry.organization.corrected.v1" and organization_state["events"] == 3
    assert organization_state["data"]["supervising_department"] == "四川省科学技术厅"
    achievement_state = states[f"{TOPICS[1]}|{first}"]
    assert achievement_state["type"] == "registry.achievement.withdrawn.v1" and achievement_state["events"] == 4
    assert achievement_state["source"]["offset"] <= wanted[TOPICS[1], achievement_state["source"]["partition"]]
    # the late one loaded states and handled no event again; the other handled every event once
    assert [line for line in late[1] if "state" not in line] == []
    assert len([line for line in late[1] if "state" in line]) == 6
    assert len(from_start[1]) == 2 * 3 + 4 * 3 + 1

    # the keeper's consumer group shows its lag like every consumer's: nothing left once caught up
    def keeper_lag():
        text = keeper.get("/metrics").text
        return [line for line in text.splitlines() if line.startswith("ttp_consumer_lag{")
                and "keep_state" in line and f'topic="{TOPICS[1]}"' in line]
    lines = wait_for(keeper_lag, timeout=30, interval=1.0, message="the keeper's lag in /metrics")
    assert all(line.endswith(" 0.0") for line in lines), lines

    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP, api_version=(2, 1))
    try:
        [described] = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, TOPICS[1] + ".state")])
        configs = {entry[0]: entry[1] for entry in described.resources[0][4]}
        assert configs["cleanup.policy"] == "compact"
    finally:
        admin.close()


def test_events_arriving_while_a_late_subscriber_loads_the_states_are_neither_lost_nor_doubled(registry, keeper,
                                                                                               tmp_path):
    made = burst(registry, organizations=1, achievements=1)
    keeper_caught_up(TOPICS)
    failures = []

    def more():
        try:
            for org_id, achievement_ids in made:
                for achievement_id in achievement_ids:
                    withdraw(registry, org_id, achievement_id)  # events on keys the states hold
            for _ in range(8):  # and new keys, over some seconds: before, while and after the late one loads
                burst(registry, organizations=1, achievements=1)
                time.sleep(0.7)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(exc)

    writer = threading.Thread(target=more)
    writer.start()
    time.sleep(1.0)
    late = subscriber(tmp_path, "late-during", "--from-state", idle=15)
    writer.join(timeout=120)
    assert not failures, failures
    late_states, late_lines = finished(late)
    keeper_caught_up(TOPICS)
    from_start, _ = finished(subscriber(tmp_path, "from-start-after"))

    assert late_states == from_start
    assert len(from_start) >= 2 + 8 * 2  # every state from the start of the module's topics
    handled = [line["id"] for line in late_lines if "state" not in line]
    assert handled and len(handled) == len(set(handled))  # it followed events after the states, none twice
    assert len([line for line in late_lines if "state" in line]) >= 2  # and it had loaded states first
