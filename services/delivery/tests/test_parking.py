"""Parking after repeated failures, the redelivery API, and forgetting made deliveries (a service with few
attempts per delivery and a retention of seconds)."""
import pytest

from ttp_testing import assert_error, metric_sample, service_api_fixture, wait_for

from ._subscribing import client, stage_advanced, stages_by_project, subscribe
from .conftest import FAST

pytestmark = pytest.mark.integration

api = service_api_fixture("delivery", DELIVERY_MAX_ATTEMPTS=3, DELIVERY_RETENTION_DAYS=3 / 86400, **FAST)


def test_a_delivery_is_parked_after_its_attempts_and_redelivered_in_order_on_request(api, receivers):
    receiver = receivers()
    receiver.status = 500
    subscription = subscribe(api, receiver)
    one = f"/api/v1/subscriptions/{subscription['id']}"
    for step in (1, 2):
        stage_advanced(api, "p-parked", step)

    def parked():
        return api.get(f"{one}/deliveries?status=parked", token=client(api)).json()["items"]
    wait_for(lambda: len(parked()) == 1, timeout=30, message="the first delivery parked")
    first = parked()[0]
    assert first["attempts"] == 3 and first["last_status_code"] == 500
    assert len(receiver.refused) == 3  # the second event waits behind the parked first: never tried
    text = api.get("/metrics").text
    assert metric_sample(text, "ttp_delivery_attempts_total", subscription=subscription["id"], outcome="parked") == 1
    wait_for(lambda: metric_sample(api.get("/metrics").text, "ttp_delivery_parked",
                                   subscription=subscription["id"]) == 1, message="the parked gauge")

    assert_error(api.post(f"{one}/redelivery", {"delivery_ids": ["not-parked"]}, token=client(api)), 409, "conflict")
    receiver.status = None
    answer = api.post(f"{one}/redelivery", token=client(api))
    assert answer.status_code == 200 and answer.json()["requeued"] == 1
    wait_for(lambda: len(receiver.accepted) == 2, timeout=30, message="both events after the redelivery")
    assert stages_by_project(receiver) == {"p-parked": ["step-1", "step-2"]}
    assert parked() == []
    # made deliveries are forgotten after DELIVERY_RETENTION_DAYS (3 s here); the parked one was kept meanwhile
    wait_for(lambda: api.db["deliveries"].count_documents({}) == 0, timeout=20, message="delivered rows pruned")
