"""Fixtures for the transactions service's tests: one real service container per module, talked to
over HTTP, and the registry's events published onto the test's own topics."""
import datetime as dt
import uuid

import pytest

from ttp_common import events
from ttp_testing import publish_event, service_api_fixture, wait_for

api = service_api_fixture("transactions")
# RPC tests: on a RabbitMQ virtual host of its own, so that no other instance of the service answers.
rpc_api = service_api_fixture("transactions", own_vhost=True)


class Registry:
    """Stands in for the registry service: publishes its events onto the test's topics."""

    def __init__(self, api):
        self.api = api

    def publish(self, event_name, data, subject):
        return publish_event(self.api, event_name, data, subject, actor=events.Actor(sub="registrar", role="reviewer"))

    def published_achievement(self, org="org-seller", **overrides):
        """Publish ``registry.achievement.published.v1`` and wait until the service's replica has it."""
        achievement_id = overrides.pop("achievement_id", uuid.uuid4().hex)
        data = {"achievement_id": achievement_id, "registration_number": "510100202610001",
                "title": "石墨烯导热膜中试技术", "type": "applied", "summary": "面向电子散热的石墨烯导热膜规模化制备工艺。",
                "keywords": ["石墨烯", "导热膜"], "industry": "新材料", "programme": 3, "trl": 6,
                "region_code": "510100", "organization_ids": [org], "dual_use": False,
                "patent_numbers": ["ZL201810000001.2"], "published_at": dt.datetime.now(dt.timezone.utc), **overrides}
        self.publish("registry.achievement.published.v1", data, achievement_id)
        wait_for(lambda: (self.api.db.achievements.find_one({"_id": achievement_id}) or {}).get("status")
                 == "published", timeout=30, message="the achievement replica")
        return data


@pytest.fixture(scope="module")
def registry(api):
    return Registry(api)
