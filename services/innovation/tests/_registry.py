"""What the registry would announce, published straight onto Kafka for the service under test, and the
records the service itself published."""
import datetime as dt
import uuid

from ttp_testing import header, publish_event, read_topic, wait_for


def new_id(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def organization(api, kind="enterprise", region="510100"):
    """A new organization of ``kind``, announced by the registry; waits until the replica has it."""
    org = new_id("org")
    publish_event(api, "registry.organization.registered.v1", {
        "organization_id": org, "name": "成都某科技有限公司", "credit_code": "91510100MA61234567",
        "kind": kind, "region_code": region, "supervising_department": None, "state_established": None}, org)
    wait_for(lambda: api.db.organizations.find_one({"_id": org}), message=f"the replica knows {org}")
    return org


def registered_achievement(api, owner):
    achievement = new_id("a")
    publish_event(api, "registry.achievement.registered.v1", {
        "achievement_id": achievement, "organization_id": owner, "region_code": "510100",
        "registration_number": "510202610001", "type": "applied",
        "registered_at": dt.datetime.now(dt.timezone.utc)}, achievement)
    wait_for(lambda: api.db.achievements.find_one({"_id": achievement}), message=f"the replica knows {achievement}")
    return achievement


def events_of(api, aggregate, subject, count):
    """The (event name, data) of the service's events on ``ttp.innovation.<aggregate>`` about ``subject``."""
    topic = api.config["KAFKA_TOPIC_PREFIX"] + f"ttp.innovation.{aggregate}"
    return [api.decode(r) for r in read_topic(topic, lambda r: header(r, "ce_subject") == subject, count=count)]
