"""The delivery handlers on the fake unit of work (an in-memory MongoDB, no servers): what a consumed event
becomes, and what the subscription API changes."""
import datetime as dt
import json

import pytest
from cryptography.fernet import Fernet

from delivery import handlers, sealing
from delivery.documents import Delivery, Subscription
from delivery.subscriptions import SubscriptionIn
from ttp_common import envelope, refusals
from ttp_common.auth import Principal, Roles
from ttp_testing.fakes import FakeUnitOfWork

from ._subscribing import STAGE_ADVANCED

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone.utc)
BOX = sealing.Box([Fernet.generate_key().decode()])
CLIENT = Principal(sub="city-system", role=Roles.CLIENT)


@pytest.fixture
def uow():
    return FakeUnitOfWork(Subscription, Delivery, service="delivery")


def subscribe(uow, owner="city-system", **body):
    body = SubscriptionIn(**{"url": "https://hooks.example.org/ttp", "event_types": [STAGE_ADVANCED], **body})
    return handlers.create(uow, body, owner, BOX, False, CLIENT, NOW)


def event(subject="p-1", region_code="510104", organization_id="org-1", event_id="e-1"):
    data = {"project_id": subject, "organization_id": organization_id, "region_code": region_code,
            "from_stage": "a", "stage": "b", "advanced_at": NOW}
    return envelope.ReceivedEvent(id=event_id, type=f"cn.gov.sc.ttp.{STAGE_ADVANCED[:-3]}.v1", source="/ttp/finance",
                                  subject=subject, time=NOW, event_name=STAGE_ADVANCED, data=data,
                                  extensions={"actor": "clerk-1"}, topic="ttp.finance.transformation_project",
                                  partition=0, offset=7, key=subject.encode(), headers=[])


def test_a_subscription_keeps_its_secret_sealed_and_answers_it_once(uow):
    subscription, secret = subscribe(uow)
    stored = uow.get(Subscription, subscription.id)
    assert secret.startswith("whsec_") and secret not in json.dumps(stored.to_mongo().to_dict(), default=str)
    assert BOX.open(stored.secret_sealed) == secret
    assert "secret" not in stored.view() and secret not in json.dumps(stored.view(), default=str)


def test_an_event_becomes_one_delivery_per_matching_subscription_in_json(uow):
    chengdu, _ = subscribe(uow, regions=["510100"])
    elsewhere, _ = subscribe(uow, regions=["510300"])
    everything, _ = subscribe(uow, owner="another-system")
    matched = handlers.fan_out(uow, event())
    assert sorted(matched) == sorted([chengdu.id, everything.id])
    rows = uow.find(Delivery, {}, sort=[("seq", 1)])
    assert [r.subscription_id for r in rows] == matched and rows[0].seq < rows[1].seq
    assert {r.aggregate for r in rows} == {"ttp.finance.transformation_project|p-1"}
    assert json.loads(rows[0].data)["advanced_at"] == "2026-12-03T12:00:00Z"
    assert rows[0].attributes["id"] == "e-1" and rows[0].attributes["actor"] == "clerk-1"
    assert rows[0].status == "pending" and elsewhere.id not in matched


def test_redelivery_puts_parked_deliveries_back_and_refuses_others(uow):
    subscription, _ = subscribe(uow)
    handlers.fan_out(uow, event(event_id="e-1"))
    handlers.fan_out(uow, event(event_id="e-2"))
    first, second = uow.find(Delivery, {}, sort=[("seq", 1)])
    uow.update(Delivery, {"_id": first.id}, {"$set": {"status": "parked", "attempts": 15}})
    with pytest.raises(refusals.Conflict):
        handlers.redeliver(uow, subscription.id, "city-system", [second.id], NOW)  # not parked
    with pytest.raises(refusals.NotFound):
        handlers.redeliver(uow, subscription.id, "another-system", [], NOW)  # not theirs
    assert handlers.redeliver(uow, subscription.id, "city-system", [], NOW) == 1
    again = uow.get(Delivery, first.id)
    assert (again.status, again.attempts) == ("pending", 0)


def test_deleting_a_subscription_removes_its_deliveries_and_only_its_owner_or_an_admin_may(uow):
    subscription, _ = subscribe(uow)
    handlers.fan_out(uow, event())
    with pytest.raises(refusals.NotFound):
        handlers.delete(uow, subscription.id, "another-system")
    handlers.delete(uow, subscription.id, None)  # an administrator
    assert uow.count(Subscription) == 0 and uow.count(Delivery) == 0
