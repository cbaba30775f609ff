"""What the delivery tests do as a subscribing system: a client token, a subscription, events published."""
import datetime as dt
import itertools

from ttp_testing import publish_event

STAGE_ADVANCED = "finance.transformation_project.stage_advanced.v1"
_serial = itertools.count(1)


def client(api, name="city-system", scope="delivery:subscriptions:write"):
    return api.token("client", name, scope=scope, client_id=name)


def subscribe(api, receiver, token=None, **body):
    body = {"url": receiver.url, "event_types": [STAGE_ADVANCED], **body}
    response = api.post("/api/v1/subscriptions", body, token=token or client(api))
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return response.json()


def stage_advanced(api, project_id, step, region_code="510104", organization_id="org-1"):
    """A finance event of ``project_id`` (its ``step`` in ``stage``), as the finance service would publish it."""
    data = {"project_id": project_id, "organization_id": organization_id, "region_code": region_code,
            "from_stage": f"step-{step - 1}", "stage": f"step-{step}",
            "advanced_at": dt.datetime.now(dt.timezone.utc).replace(microsecond=0)}
    return publish_event(api, STAGE_ADVANCED, data, project_id)


def stages_by_project(receiver):
    seen = {}
    for data in receiver.data():
        seen.setdefault(data["project_id"], []).append(data["stage"])
    return seen
