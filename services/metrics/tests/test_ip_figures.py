"""The IP services in the metrics service: the fold of the registry's IP events into figures (unit, on the fake
unit of work, in any order and twice) and, against the real servers, the gauges they show once the events are
on Kafka."""
import datetime as dt

import pytest

from metrics import ip
from metrics.handlers import ip as handlers
from ttp_testing import publish_event, wait_for

from .test_innovation import sample


def recorded(right_id, kind="invention_patent", status="pending"):
    return {"ip_right_id": right_id, "kind": kind, "number": "201710601862.3", "title": "一种提钒方法",
            "holder_organization_ids": ["org-a"], "status": status, "filed_on": dt.date(2017, 7, 20),
            "granted_on": dt.date(2019, 1, 1) if status == "in_force" else None, "lapsed_on": None,
            "expires_on": None, "achievement_ids": []}


def changed(right_id, status, kind="invention_patent", previous="pending"):
    return {"ip_right_id": right_id, "kind": kind, "number": "201710601862.3", "holder_organization_ids": ["org-a"],
            "previous_status": previous, "status": status, "effective_on": dt.date(2020, 1, 1)}


def concluded(review_id, conclusion):
    return {"ip_review_id": review_id, "requesting_organization_id": "org-r", "region_code": "510100",
            "conclusion": conclusion, "signed_by_expert_ids": ["p-1", "p-2"],
            "concluded_at": dt.datetime.now(dt.timezone.utc)}


def test_rights_count_in_their_latest_state_whatever_the_order_and_reviews_by_conclusion(uow):
    events = [(ip.STATUS_CHANGED, changed("r-1", "lapsed", previous="in_force")),  # before its recording
              (ip.RECORDED, recorded("r-1")), (ip.STATUS_CHANGED, changed("r-1", "in_force")),
              (ip.RECORDED, recorded("r-2")), (ip.RECORDED, recorded("r-3", status="in_force")),
              (ip.RECORDED, recorded("s-1", kind="software_copyright", status="in_force")),
              (ip.REVIEW_CONCLUDED, concluded("v-1", "supported")),
              (ip.REVIEW_CONCLUDED, concluded("v-2", "supported"))]
    for name, data in events + events:
        handlers.project(uow, name, data)
    docs = {d["_id"]: d for d in uow.db[ip.IP].find({})}
    assert ip.right_figures(docs["ip_right|invention_patent"]) == (
        "invention_patent", {"pending": 1, "in_force": 1, "lapsed": 1})
    assert ip.right_figures(docs["ip_right|software_copyright"])[1]["in_force"] == 1
    assert ip.review_figures(docs["ip_review|supported"]) == ("supported", 2)


@pytest.mark.integration
def test_the_ip_gauges_show_the_events_on_kafka(api):
    publish_event(api, ip.RECORDED, recorded("g-r-1", kind="ic_layout", status="in_force"), "g-r-1")
    publish_event(api, ip.RECORDED, recorded("g-r-2", kind="ic_layout"), "g-r-2")
    publish_event(api, ip.STATUS_CHANGED, changed("g-r-2", "lapsed", kind="ic_layout"), "g-r-2")
    publish_event(api, ip.REVIEW_CONCLUDED, concluded("g-v-1", "not_supported"), "g-v-1")
    # three keys, so maybe three partitions folded in any order: wait until each key's last event shows
    text = wait_for(lambda: (lambda t: t if sample(t, "ttp_ip_rights", kind="ic_layout", status="lapsed") == 1
                             and sample(t, "ttp_ip_rights", kind="ic_layout", status="in_force") == 1
                             and sample(t, "ttp_ip_reviews_concluded", conclusion="not_supported") == 1 else None)(
        api.get("/metrics").text), message="the IP gauges to move")
    assert sample(text, "ttp_ip_rights", kind="ic_layout", status="pending") == 0
