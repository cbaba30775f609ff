"""Two instances of the delivery service on one database and consumer group (as on Kubernetes): both consume, only
the holder of the dispatch lease sends, so each event reaches the webhook once; the other takes over when it stops."""
import time

import pytest

from nameko.containers import ServiceContainer
from nameko.testing.utils import find_free_port

from ttp_testing import service_api_fixture, service_class, service_config, wait_for

from ._subscribing import stage_advanced, stages_by_project, subscribe
from .conftest import FAST

pytestmark = pytest.mark.integration

api = service_api_fixture("delivery", DELIVERY_MAX_ATTEMPTS=1000, **FAST)


def test_two_instances_deliver_each_event_once_and_one_takes_over(api, receivers):
    receiver = receivers()
    subscribe(api, receiver)
    shared = {key: api.config[key] for key in ("MONGO_DB", "KAFKA_TOPIC_PREFIX", "OIDC_ISSUER")}
    second = ServiceContainer(service_class("delivery"),
                              service_config("delivery", find_free_port(), **shared, DELIVERY_MAX_ATTEMPTS=1000, **FAST))
    second.start()  # not running_service: that would drop the shared database when it stops
    try:
        for step in range(1, 7):
            stage_advanced(api, f"p-twice-{step % 3}", step)
        wait_for(lambda: len(receiver.accepted) >= 6, timeout=40, message="six deliveries")
        time.sleep(2)
        assert len(receiver.ids()) == len(set(receiver.ids())) == 6
        holders = {lease["owner"] for lease in api.db["dispatch_lease"].find()}
        assert len(holders) == 1
    finally:
        second.stop()
    # the second instance stopped (and released the lease if it held it): the first delivers what comes next
    stage_advanced(api, "p-after", 1)
    wait_for(lambda: len(receiver.accepted) >= 7, timeout=40, message="a delivery after one instance left")
    assert stages_by_project(receiver)["p-after"] == ["step-1"]
