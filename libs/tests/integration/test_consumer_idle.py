"""An idle consumer fetches a few times a second, not a hundred, and still picks up a new record promptly.

Against the real local broker (Tansu), which holds every fetch for its full wait: the fetch requests the
consumer sends are counted on its own Kafka client while they go to the broker."""
import sys
import time
import uuid
from pathlib import Path

import pytest

from ttp_common.consumer import KafkaEventConsumer, consume
from ttp_testing import publish_event, unique, wait_for

sys.path.insert(0, str(Path(__file__).parent))
from _services import started  # noqa: E402

pytestmark = pytest.mark.integration

EVENT = "registry.organization.registered.v1"
PREFIX = f"{unique()}."
ARRIVED = {}


class Idle:
    name = "idle"

    @consume(EVENT)
    def on_registered(self, event):
        ARRIVED[event.data["organization_id"]] = time.monotonic()


def publish():
    org_id = uuid.uuid4().hex
    publish_event(PREFIX, EVENT, {"organization_id": org_id, "name": "idle", "credit_code": "91350100M000100Y43",
                                  "kind": "enterprise", "region_code": "510100"}, org_id)
    return org_id, time.monotonic()


def fetches_during(entrypoint, seconds):
    client = entrypoint._consumer._client
    sent = []
    real_send = client.send

    def counting_send(node_id, request, **kwargs):
        if type(request).__name__.startswith("FetchRequest"):
            sent.append(request)
        return real_send(node_id, request, **kwargs)

    client.send = counting_send
    try:
        time.sleep(seconds)
    finally:
        del client.send
    return sent


def test_an_idle_consumer_backs_off_and_a_new_record_still_arrives_within_the_longest_wait():
    with started(Idle, unique("test_consumer_idle_"), PREFIX) as container:
        entrypoint = next(e for e in container.entrypoints if isinstance(e, KafkaEventConsumer))
        warm, _ = publish()
        wait_for(lambda: warm in ARRIVED, timeout=60, message="the first record (group join)")
        wait = entrypoint.fetch_wait
        assert wait.shortest_ms < wait.longest_ms  # the defaults: 10 and 500 ms (settings.py)
        assert wait.ms == wait.shortest_ms

        time.sleep(3.0)  # idle: the wait doubles to its bound
        sent = fetches_during(entrypoint, 3.0)
        assert wait.ms == wait.longest_ms
        assert sent and {request.max_wait_time for request in sent} == {wait.longest_ms}
        most = int(2 * 3000 / wait.longest_ms) + 1  # twice the fetches of the longest wait: 13 (a fixed 10 ms: 100+)
        assert len(sent) <= most, f"{len(sent)} fetches in 3 s while idle"

        org_id, published = publish()
        wait_for(lambda: org_id in ARRIVED, timeout=10, interval=0.005, message="the record after idling")
        assert ARRIVED[org_id] - published < wait.longest_ms / 1000 + 1.0  # at most one long wait plus the handling
        assert wait.ms == wait.shortest_ms  # records flow again: short waits
