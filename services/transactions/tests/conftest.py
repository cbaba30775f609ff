"""Fixtures for the transactions service's tests: one real service container per module, talked to
over HTTP, and the registry's events published onto the test's own topics."""
import datetime as dt
import uuid

import pytest

from ttp_common import events
from ttp_common.testing import produce_raw, running_service, wait_for


@pytest.fixture(scope="module")
def api():
    from transactions.service import TransactionsService

    with running_service(TransactionsService) as api:
        yield api


class Registry:
    """Stands in for the registry service: publishes its events onto the test's topics."""

    def __init__(self, api):
        self.api = api

    def publish(self, event_name, data, subject):
        return publish_registry_event(self.api, event_name, data, subject)

    def published_achievement(self, **kwargs):
        return published_achievement(self.api, **kwargs)


@pytest.fixture(scope="module")
def registry(api):
    return Registry(api)


def publish_registry_event(api, event_name, data, subject):
    """Publish a registry event as the registry would (CloudEvents + Avro) on the test's prefixed topic."""
    message = events.build(events.codec(), event_name, data, source="/ttp/registry", subject=subject,
                           actor=events.Actor(sub="registrar", role="reviewer"),
                           topic_prefix=api.config["KAFKA_TOPIC_PREFIX"])
    produce_raw(message.topic, message.value, key=message.key, headers=list(message.headers))
    return message


def published_achievement(api, org="org-seller", **overrides):
    """Publish ``registry.achievement.published.v1`` and wait until the service's replica has it."""
    achievement_id = overrides.pop("achievement_id", uuid.uuid4().hex)
    data = {"achievement_id": achievement_id, "registration_number": "510100202610001",
            "title": "石墨烯导热膜中试技术", "type": "applied", "summary": "面向电子散热的石墨烯导热膜规模化制备工艺。",
            "keywords": ["石墨烯", "导热膜"], "industry": "新材料", "programme": 3, "trl": 6, "region_code": "510100",
            "organization_ids": [org], "dual_use": False, "patent_numbers": ["ZL201810000001.2"],
            "published_at": dt.datetime.now(dt.timezone.utc), **overrides}
    publish_registry_event(api, "registry.achievement.published.v1", data, achievement_id)
    wait_for(lambda: (api.db.achievements.find_one({"_id": achievement_id}) or {}).get("status") == "published",
             timeout=30, message="the achievement replica")
    return data
