"""Webhook delivery against real receivers (HTTP servers started by the test), the delivery service running against
the real broker and database, events published on Kafka as their owning services would."""
import logging
import time

import pytest
import requests

from delivery import signing
from ttp_testing import assert_error, metric_sample, wait_for

from ._subscribing import STAGE_ADVANCED, client, stage_advanced, stages_by_project, subscribe

pytestmark = pytest.mark.integration


def test_every_matching_event_is_delivered_once_in_order_signed(api, receivers):
    receiver = receivers()
    subscription = subscribe(api, receiver, regions=["510100"])
    for step in range(1, 6):  # two projects' events interleaved, and one of another city
        stage_advanced(api, "p-a", step)
        stage_advanced(api, "p-b", step, region_code="510105")
    stage_advanced(api, "p-elsewhere", 1, region_code="510300")
    wait_for(lambda: len(receiver.accepted) >= 10, timeout=40, message="ten deliveries")
    time.sleep(1.5)  # time for a duplicate, were there one
    assert stages_by_project(receiver) == {"p-a": [f"step-{n}" for n in range(1, 6)],
                                          "p-b": [f"step-{n}" for n in range(1, 6)]}
    assert len(set(receiver.ids())) == 10 and receiver.refused == []
    headers, _ = receiver.accepted[0]
    assert headers["ce-type"] == f"cn.gov.sc.ttp.{STAGE_ADVANCED.rsplit('.', 1)[0]}.v1"
    assert headers["ce-subject"] in ("p-a", "p-b") and headers["content-type"] == "application/json"
    view = api.get(f"/api/v1/subscriptions/{subscription['id']}", token=client(api)).json()
    assert view["deliveries"] == {"pending": 0, "delivered": 10, "parked": 0} and "secret" not in view
    metrics = api.get("/metrics").text
    assert metric_sample(metrics, "ttp_delivery_attempts_total", subscription=subscription["id"],
                         outcome="delivered") == 10
    wait_for(lambda: metric_sample(api.get("/metrics").text, "ttp_delivery_pending",
                                   subscription=subscription["id"]) == 0, message="lag 0")


def test_a_receiver_down_for_a_while_gets_everything_after_in_order(api, receivers):
    receiver = receivers(started=False)
    subscription = subscribe(api, receiver)
    for step in range(1, 4):
        stage_advanced(api, "p-down", step)
    deliveries = f"/api/v1/subscriptions/{subscription['id']}/deliveries"

    def retried():
        items = api.get(deliveries, token=client(api)).json()["items"]
        return len(items) == 3 and items[0]["attempts"] >= 3 and items[0]["last_error"]
    wait_for(retried, timeout=40, message="failed attempts while the receiver is down")
    # the gauge is set by the dispatcher's passes: the third event may be one pass behind the deliveries list
    wait_for(lambda: metric_sample(api.get("/metrics").text, "ttp_delivery_pending",
                                   subscription=subscription["id"]) == 3,
             timeout=20, message="ttp_delivery_pending to count the three waiting")
    assert metric_sample(api.get("/metrics").text, "ttp_delivery_oldest_pending_age_seconds",
                         subscription=subscription["id"]) > 0
    assert receiver.accepted == []
    receiver.start()
    stage_advanced(api, "p-down", 4)
    wait_for(lambda: len(receiver.accepted) >= 4, timeout=30, message="everything after the receiver is back")
    assert stages_by_project(receiver) == {"p-down": ["step-1", "step-2", "step-3", "step-4"]}


def test_a_slow_receiver_does_not_hold_up_the_others(api, receivers):
    slow, fast = receivers(), receivers()
    slow.delay = 2.0
    subscribe(api, slow)
    subscribe(api, fast)
    started = time.monotonic()
    for step in range(1, 6):
        stage_advanced(api, f"p-speed-{step}", 1)
    wait_for(lambda: len(fast.accepted) == 5, timeout=30, message="the fast receiver's five")
    fast_done = time.monotonic() - started
    assert len(slow.accepted) <= 3, f"the slow receiver took {len(slow.accepted)} in {fast_done:.1f} s"
    wait_for(lambda: len(slow.accepted) == 5, timeout=40, message="the slow receiver's five, in time")


def test_a_forged_or_replayed_delivery_is_detected_by_the_receiver(api, receivers):
    receiver = receivers()
    subscribe(api, receiver)
    stage_advanced(api, "p-forged", 1)
    wait_for(lambda: receiver.accepted, timeout=30, message="a genuine delivery")
    headers, body = receiver.accepted[0]
    forwarded = {k: v for k, v in headers.items() if k.startswith("ce-") or k.startswith("ttp-")
                 or k == "content-type"}
    tampered = body.replace(b"step-1", b"step-9")
    assert requests.post(receiver.url, data=tampered, headers=forwarded, timeout=5).status_code == 401
    resigned = {**forwarded, **signing.headers("whsec_guessed", int(time.time()), tampered)}
    assert requests.post(receiver.url, data=tampered, headers=resigned, timeout=5).status_code == 401
    stale = int(time.time()) - signing.TOLERANCE_SECONDS - 60  # a capture replayed later, with its own signature
    replay = {**forwarded, **signing.headers(receiver.secret, stale, body)}
    assert requests.post(receiver.url, data=body, headers=replay, timeout=5).status_code == 401
    assert len(receiver.accepted) == 1 and len(receiver.refused) == 3


def test_a_client_sees_and_manages_only_its_own_subscriptions(api, receivers):
    receiver = receivers()
    mine = subscribe(api, receiver, token=client(api, "system-a"))
    assert mine["owner"] == "system-a" and mine["secret"].startswith("whsec_")
    stored = api.db["subscriptions"].find_one({"_id": mine["id"]})
    assert mine["secret"] not in str(stored)  # sealed at rest
    other = client(api, "system-b")
    one = f"/api/v1/subscriptions/{mine['id']}"
    assert_error(api.get(one, token=other), 404, "not_found")
    assert_error(api.request("DELETE", one, token=other), 404, "not_found")
    assert_error(api.post(f"{one}/redelivery", {}, token=other), 404, "not_found")
    assert all(s["id"] != mine["id"] for s in api.get("/api/v1/subscriptions", token=other).json()["items"])
    reader = client(api, "system-a", scope="delivery:subscriptions:read")
    assert api.get(one, token=reader).status_code == 200
    assert_error(api.request("DELETE", one, token=reader), 403, "forbidden")
    assert_error(api.get(one, token=api.institution("org-1")), 403, "forbidden")
    assert_error(api.get(one), 401, "unauthenticated")
    admin_sees = {s["id"] for s in api.get("/api/v1/subscriptions?limit=100", token=api.admin()).json()["items"]}
    assert mine["id"] in admin_sees
    assert api.request("DELETE", one, token=client(api, "system-a")).status_code == 200
    assert_error(api.get(one, token=client(api, "system-a")), 404, "not_found")


def test_bad_subscriptions_are_400_naming_the_field_and_store_nothing(api):
    before = api.db["subscriptions"].count_documents({})
    token = client(api)
    for body, field in (({"url": "http://127.0.0.1/x", "event_types": ["registry.nothing.v1"]}, "event_types"),
                        ({"url": "ftp://example.org/x", "event_types": [STAGE_ADVANCED]}, "url"),
                        ({"url": "http://127.0.0.1/x", "event_types": [STAGE_ADVANCED], "regions": ["999999"]},
                         "regions.0")):
        response = api.post("/api/v1/subscriptions", body, token=token)
        assert_error(response, 400, "validation_failed")
        assert any(f["path"] == field for f in response.json()["fields"]), response.text
    assert api.db["subscriptions"].count_documents({}) == before


def test_a_failing_delivery_holds_its_aggregate_only(api, receivers):
    receiver = receivers()
    receiver.refuse_subjects = {"p-held"}
    subscribe(api, receiver)
    for step in (1, 2, 3):
        stage_advanced(api, "p-held", step)
        stage_advanced(api, "p-free", step)
    wait_for(lambda: len(receiver.accepted) >= 3, timeout=30, message="the other aggregate's three")
    time.sleep(1)
    assert stages_by_project(receiver) == {"p-free": ["step-1", "step-2", "step-3"]}
    assert {h["ce-subject"] for h, _ in receiver.refused} == {"p-held"}
    assert all(b'"step-1"' in body for _, body in receiver.refused)  # only its first was tried: the rest wait
    receiver.refuse_subjects = set()
    wait_for(lambda: len(receiver.accepted) >= 6, timeout=30, message="the held aggregate, once it is taken")
    assert stages_by_project(receiver)["p-held"] == ["step-1", "step-2", "step-3"]


def test_the_logs_name_the_event_and_never_the_secret(api, receivers, caplog):
    receiver = receivers()
    receiver.status = 500
    subscription = subscribe(api, receiver)
    with caplog.at_level(logging.INFO, logger="delivery.dispatcher"):
        message = stage_advanced(api, "p-logged", 1)
        wait_for(lambda: receiver.refused, timeout=30, message="a refused attempt")
        receiver.status = None
        wait_for(lambda: receiver.accepted, timeout=30, message="the delivery")
        time.sleep(0.3)
    event_id = dict(message.headers)["ce_id"].decode()
    records = [r for r in caplog.records if getattr(r, "subscription", None) == subscription["id"]]
    assert {r.levelname for r in records} >= {"WARNING", "INFO"}
    assert all(r.event_id == event_id for r in records)
    assert subscription["secret"] not in caplog.text
    assert all(subscription["secret"] not in str(vars(r)) for r in caplog.records)


def test_after_a_secret_rotation_the_previous_secret_still_verifies_for_the_overlap(api, receivers):
    receiver = receivers()
    subscription = subscribe(api, receiver)
    old = receiver.secret
    one = f"/api/v1/subscriptions/{subscription['id']}"
    rotated = api.post(f"{one}/secret-rotation", token=client(api))
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != old and rotated.json()["previous_secret_valid_until"]
    assert "secret" not in api.get(one, token=client(api)).json()
    assert_error(api.post(f"{one}/secret-rotation", token=client(api, "system-b")), 404, "not_found")
    stage_advanced(api, "p-rotated", 1)  # the receiver still holds the old secret
    wait_for(lambda: receiver.accepted, timeout=30, message="a delivery verified with the previous secret")
    receiver.secret = new
    stage_advanced(api, "p-rotated", 2)
    wait_for(lambda: len(receiver.accepted) == 2, timeout=30, message="a delivery verified with the new secret")
    assert receiver.refused == []
