"""IP analysis and review (知识产权分析评议): the rules, and the workflow against the real local servers with the
talent service's expert pool over RPC (talent as a real ``nameko run`` process; both on a RabbitMQ virtual host
of their own): request, panel (never an expert of the requesting organization or of a holder of the rights
named), opinion, each an event on Kafka; who may do what."""
import itertools
import uuid

import pytest

from registry import ip_reviews
from ttp_common import panels
from ttp_common.reference import uscc_check_character
from ttp_common.refusals import Conflict, Invalid, TransitionRefused
from ttp_testing import assert_error, header, read_topic
from ttp_testing.services import ServiceApi, nameko_run, running_service

REVIEWS = "/api/v1/ip-reviews"
_serial = itertools.count(1)


def test_the_panel_never_draws_an_expert_of_an_excluded_organization():
    pool = [{"id": f"p-{i}", "organization_id": org} for i, org in enumerate(["a", "a", "b", "c", "d", "e", None])]
    for seed in range(20):
        panel = panels.draw_panel(pool, ["a", "b"], 4, f"r-{seed}")
        assert len(panel) == 4 and not {p["organization_id"] for p in panel} & {"a", "b"}
    assert panels.draw_panel(pool, "a", 3, "r-1") == panels.draw_panel(pool[::-1], ["a"], 3, "r-1")
    with pytest.raises(Conflict):
        panels.draw_panel(pool, ["a", "b", "c"], 4, "r-1")


def test_who_is_excluded_the_steps_and_the_signatures():
    assert ip_reviews.excluded_organizations("org-r", ["org-h", "org-r"]) == ["org-h", "org-r"]
    ip_reviews.check_step("panel", "requested")
    with pytest.raises(TransitionRefused):
        ip_reviews.check_step("opinion", "requested")
    ip_reviews.check_signatures(["p-1", "p-2"], {"p-1", "p-2", "p-3"}, 3)
    with pytest.raises(Invalid) as refused:
        ip_reviews.check_signatures(["p-1", "p-9"], {"p-1", "p-2", "p-3"}, 3)
    assert refused.value.field == "signed_by.1"
    with pytest.raises(Invalid) as refused:
        ip_reviews.check_signatures(["p-1"], {"p-1", "p-2", "p-3"}, 3)  # not a majority
    assert refused.value.field == "signed_by"


@pytest.fixture
def services(rabbit_config, tmp_path):
    """(registry, talent), on one virtual host of their own."""
    amqp = rabbit_config["AMQP_URI"]
    with nameko_run(["talent"], tmp_path, env={"AMQP_URI": amqp, "LOG_LEVEL": "WARNING"}) as platform, \
            running_service("registry", AMQP_URI=amqp) as registry:
        yield registry, ServiceApi(platform.urls["talent"], {"KAFKA_TOPIC_PREFIX": platform.prefix}, None,
                                   name="talent")


def organization(api, region="510100"):
    first17 = f"91{region}MA{next(_serial):07d}"[:17]
    response = api.post("/api/v1/organizations", {
        "name": "四川省知识产权服务促进中心", "credit_code": first17 + uscc_check_character(first17), "kind": "institute",
        "region_code": region}, token=api.token("admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def expert(talent, org, field):
    response = talent.post("/api/v1/people", {"name": "评议专家", "kinds": ["expert"], "organization_id": org,
                                              "fields": [field], "title": "研究员"}, token=talent.admin())
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.integration
def test_a_review_is_requested_paneled_without_conflicted_experts_and_concluded_with_events(services):
    api, talent = services
    field = f"集成电路-{uuid.uuid4().hex[:8]}"
    requester, holder = organization(api), organization(api)
    right = api.post("/api/v1/ip-rights", {
        "kind": "ic_layout", "number": "BS.12500123.4", "title": "一种低功耗射频前端布图设计",
        "holder_organization_ids": [holder], "status": "in_force", "filed_on": "2012-03-01",
        "granted_on": "2012-09-01"}, token=api.token("admin"))
    assert right.status_code == 201, right.text
    conflicted = {expert(talent, requester, field), expert(talent, holder, field)}
    free = {expert(talent, f"org-{uuid.uuid4().hex[:8]}", field) for _ in range(3)}

    staff = api.token("institution", org=requester)
    body = {"subject_kind": "major_project", "subject": "成都高新区集成电路产业化重大项目", "reference": "2026ZD001",
            "requesting_organization_id": requester, "ip_right_ids": [right.json()["id"]], "expert_field": field,
            "panel_size": 3}
    assert_error(api.post(REVIEWS, {**body, "ip_right_ids": ["no-such-right"]}, token=staff), 422, "unknown_link")
    assert api.post(REVIEWS, body, token=api.token("institution", org="another-org")).status_code == 403
    response = api.post(REVIEWS, body, token=staff)
    assert response.status_code == 201, response.text
    review = response.json()
    assert review["status"] == "requested"
    one = f"{REVIEWS}/{review['id']}"
    assert api.get(one, token=api.token("institution", org="another-org")).status_code == 404

    assert api.post(f"{one}/panel", token=api.token("reviewer", region="510700")).status_code == 403
    response = api.post(f"{one}/panel", token=api.token("reviewer", region="510100"))
    assert response.status_code == 200, response.text
    review = response.json()
    panel = {p["id"] for p in review["panel"]}
    assert panel == free and not panel & conflicted
    assert set(review["excluded_organization_ids"]) == {requester, holder}
    assert api.post(f"{one}/panel", token=api.token("reviewer", region="510100")).status_code == 409

    opinion = {"conclusion": "supported_with_conditions", "opinion": "项目核心布图设计权属清晰，建议补充专利布局后实施。",
               "signed_by": sorted(panel)[:1]}
    assert api.post(f"{one}/opinion", opinion, token=api.token("reviewer", region="510100")).status_code == 400
    response = api.post(f"{one}/opinion", {**opinion, "signed_by": sorted(panel)[:2]},
                        token=api.token("reviewer", region="510100"))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "concluded" and api.get(one, token=staff).json()["conclusion"] == \
        "supported_with_conditions"

    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.registry.ip_review",
                         lambda r: header(r, "ce_subject") == review["id"], count=3)
    assert [header(r, "ce_type").rsplit(".", 2)[-2] for r in records] == ["requested", "panel_drawn", "concluded"]
    drawn, concluded = api.decode(records[1])[1], api.decode(records[2])[1]
    assert set(drawn["expert_ids"]) == free and concluded["conclusion"] == "supported_with_conditions"
    assert "opinion" not in concluded
