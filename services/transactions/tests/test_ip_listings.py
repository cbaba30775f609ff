"""IP rights on the market (知识产权挂牌交易): a listing names the registry's IP rights it trades and how they
pass (assignment 转让 or licence 许可), checked against this service's replica of the registry's IP events; and
an auction of such a listing carries them; a market-based valuation (知识产权市场化评估) takes an IP right as
its subject."""
import datetime as dt
import uuid

import pytest

from transactions import listings, valuation
from ttp_common.refusals import Unprocessable
from ttp_testing import header, read_topic, wait_for

SELLER = "org-ip-seller"


def test_the_transfer_mode_follows_the_listing_mode_unless_stated():
    assert listings.transfer_mode_of("transfer", [], None) == (None, None)
    assert listings.transfer_mode_of("transfer", ["p"], None) == ("assignment", None)
    assert listings.transfer_mode_of("licence", ["p"], None) == ("licence", None)
    assert listings.transfer_mode_of("equity", ["p"], "licence") == ("licence", None)
    assert listings.transfer_mode_of("licence", ["p"], "assignment")[1][0] == "transfer_mode"
    assert listings.transfer_mode_of("transfer", [], "assignment")[1][0] == "transfer_mode"  # no right named


def test_a_licence_of_ip_rights_states_its_kind_and_nothing_else_does():
    assert listings.check_licence_kind("licence", "exclusive") is None
    assert listings.check_licence_kind("assignment", None) is None and listings.check_licence_kind(None, None) is None
    assert listings.check_licence_kind("licence", None)[0] == "licence_kind"
    assert listings.check_licence_kind("assignment", "sole")[0] == "licence_kind"
    assert listings.check_licence_kind(None, "non_exclusive")[0] == "licence_kind"


def test_ip_rights_must_be_known_held_by_the_seller_and_not_lapsed():
    replicas = {"p1": ("in_force", ("org-a",)), "p2": ("pending", ("org-a", "org-b")), "p3": ("lapsed", ("org-a",)),
                "p4": ("in_force", ("org-b",))}
    listings.check_ip_rights(["p1", "p2"], replicas, "org-a")
    with pytest.raises(Unprocessable) as refused:
        listings.check_ip_rights(["p1", "p3", "p4", "p9"], replicas, "org-a")
    assert refused.value.code == "unknown_link"
    assert [f["path"] for f in refused.value.fields] == ["ip_right_ids.1", "ip_right_ids.2", "ip_right_ids.3"]


def recorded_ip_right(api, registry, holder=SELLER, status="in_force", number="201810000001.2"):
    """Publish registry.ip_right.recorded.v1 and wait until the replica has it."""
    right_id = uuid.uuid4().hex
    registry.publish("registry.ip_right.recorded.v1", {
        "ip_right_id": right_id, "kind": "invention_patent", "number": number, "title": "一种石墨烯导热膜的制备方法",
        "holder_organization_ids": [holder], "status": status, "filed_on": dt.date(2018, 1, 2),
        "granted_on": dt.date(2020, 3, 4) if status == "in_force" else None, "lapsed_on": None, "expires_on": None,
        "achievement_ids": []}, right_id)
    wait_for(lambda: api.db.ip_rights.find_one({"_id": right_id}), timeout=30, message="the IP right replica")
    return right_id


@pytest.mark.integration
def test_a_listing_names_ip_rights_of_its_seller_with_the_transfer_mode(api, registry):
    achievement = registry.published_achievement(org=SELLER)
    patent = recorded_ip_right(api, registry)
    application = recorded_ip_right(api, registry, status="pending", number="202010000001.3")
    body = {"achievement_id": achievement["achievement_id"], "mode": "licence", "asking_price": "500000.00",
            "ip_right_ids": [patent, application]}
    response = api.post("/api/v1/listings", body, token=api.institution(SELLER))
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "licence_kind"  # required
    body["licence_kind"] = "exclusive"
    response = api.post("/api/v1/listings", body, token=api.institution(SELLER))
    assert response.status_code == 201, response.text
    listing = response.json()
    assert listing["ip_right_ids"] == [patent, application] and listing["transfer_mode"] == "licence"
    assert api.get(f"/api/v1/listings/{listing['id']}").json()["transfer_mode"] == "licence"
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.listing",
                          lambda r: header(r, "ce_subject") == listing["id"])
    data = api.decode(record)[1]
    assert data["ip_right_ids"] == [patent, application] and data["transfer_mode"] == "licence"
    assert listing["licence_kind"] == data["licence_kind"] == "exclusive"

    response = api.post("/api/v1/listings", {**body, "transfer_mode": "assignment"}, token=api.institution(SELLER))
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "transfer_mode"

    ends_at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()
    response = api.post("/api/v1/auctions", {"listing_id": listing["id"], "start_price": "100000.00",
                                             "increment": "1000.00", "ends_at": ends_at, "extension_seconds": 0},
                        token=api.institution(SELLER))
    assert response.status_code == 201, response.text
    auction = response.json()
    assert auction["ip_right_ids"] == [patent, application] and auction["transfer_mode"] == "licence"
    assert auction["licence_kind"] == "exclusive"
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.auction",
                          lambda r: header(r, "ce_subject") == auction["id"])
    assert api.decode(record)[1]["ip_right_ids"] == [patent, application]
    assert api.decode(record)[1]["licence_kind"] == "exclusive"


@pytest.mark.integration
def test_an_unknown_lapsed_or_foreign_ip_right_is_422_unknown_link(api, registry):
    achievement = registry.published_achievement(org=SELLER)
    foreign = recorded_ip_right(api, registry, holder="org-someone-else")
    lapsing = recorded_ip_right(api, registry)
    registry.publish("registry.ip_right.status_changed.v1", {
        "ip_right_id": lapsing, "kind": "invention_patent", "number": "201810000001.2",
        "holder_organization_ids": [SELLER], "previous_status": "in_force", "status": "lapsed",
        "effective_on": dt.date(2024, 1, 1)}, lapsing)
    wait_for(lambda: (api.db.ip_rights.find_one({"_id": lapsing}) or {}).get("status") == "lapsed", timeout=30,
             message="the lapse in the replica")
    before = api.db.listings.count_documents({})
    response = api.post("/api/v1/listings", {
        "achievement_id": achievement["achievement_id"], "mode": "transfer", "asking_price": "500000.00",
        "ip_right_ids": [foreign, lapsing, "no-such-right"]}, token=api.institution(SELLER))
    assert response.status_code == 422 and response.json()["code"] == "unknown_link", response.text
    messages = {f["path"]: f["message"] for f in response.json()["fields"]}
    assert "not held" in messages["ip_right_ids.0"] and "lapsed" in messages["ip_right_ids.1"]
    assert "not known here yet" in messages["ip_right_ids.2"]
    assert api.db.listings.count_documents({}) == before


def test_a_valuation_has_one_subject_an_achievement_or_an_ip_right():
    def body(**subject):
        return valuation.ValuationIn.model_validate({"method": "cost", "cost": {
            "replacement_cost": "1000000.00", "elapsed_years": "4", "remaining_years": "6"}, **subject})
    assert valuation.check_subject(body(achievement_id="a-1")) is None
    assert valuation.check_subject(body(ip_right_id="p-1")) is None
    assert valuation.check_subject(body())[0] == "achievement_id"
    assert valuation.check_subject(body(ip_right_id="p-1", achievement_id="a-1"))[0] == "ip_right_id"
    assert valuation.check_subject(body(ip_right_id="p-1", patent_number="ZL1"))[0] == "ip_right_id"


@pytest.mark.integration
def test_an_ip_right_is_valued_by_the_same_approaches(api, registry):
    right_id = recorded_ip_right(api, registry)
    token = api.institution("org-ip-valuer")
    response = api.post("/api/v1/valuations", {"ip_right_id": right_id, "method": "cost", "cost": {
        "replacement_cost": "1000000.00", "profit_rate": "0.15", "elapsed_years": "4", "remaining_years": "6"}},
        token=token)
    assert response.status_code == 201, response.text
    assert response.json()["value"] == "690000.00" and response.json()["ip_right_id"] == right_id
    assert response.json()["achievement_id"] is None
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.valuation",
                          lambda r: header(r, "ce_subject") == response.json()["id"])
    data = api.decode(record)[1]
    assert data["ip_right_id"] == right_id and data["achievement_id"] == ""
    response = api.post("/api/v1/valuations", {"ip_right_id": "no-such-right", "method": "income", "income": {
        "projected_revenues": ["1000000.00"], "royalty_rate": "0.05", "discount_rate": "0.10"}}, token=token)
    assert response.status_code == 422 and response.json()["fields"][0]["path"] == "ip_right_id"
    response = api.post("/api/v1/valuations", {"ip_right_id": right_id, "method": "market", "market": {}},
                        token=token)
    assert response.status_code == 409 and response.json()["code"] == "no_comparables"  # give the contracts


def lapse(api, registry, right_id):
    registry.publish("registry.ip_right.status_changed.v1", {
        "ip_right_id": right_id, "kind": "invention_patent", "number": "201810000001.2",
        "holder_organization_ids": [SELLER], "previous_status": "in_force", "status": "lapsed",
        "effective_on": dt.date(2024, 1, 1)}, right_id)


@pytest.mark.integration
def test_a_lapse_closes_the_listings_naming_the_right_and_cancels_their_running_auction(api, registry):
    achievement = registry.published_achievement(org=SELLER)
    right_id, other = recorded_ip_right(api, registry), recorded_ip_right(api, registry)
    token = api.institution(SELLER)
    named = api.post("/api/v1/listings", {"achievement_id": achievement["achievement_id"], "mode": "transfer",
                                          "asking_price": "800000.00", "ip_right_ids": [right_id]}, token=token).json()
    unrelated = api.post("/api/v1/listings", {"achievement_id": achievement["achievement_id"], "mode": "transfer",
                                              "asking_price": "800000.00", "ip_right_ids": [other]}, token=token).json()
    ends_at = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)).isoformat()
    auction = api.post("/api/v1/auctions", {"listing_id": named["id"], "start_price": "100000.00",
                                            "increment": "1000.00", "ends_at": ends_at, "extension_seconds": 0},
                       token=token).json()
    lapse(api, registry, right_id)
    wait_for(lambda: (api.db.listings.find_one({"_id": named["id"]}) or {}).get("status") == "closed", timeout=30,
             message="the lapse to close the listing")
    assert api.get(f"/api/v1/listings/{named['id']}", token=token).json()["close_reason"] == "ip_right_lapsed"
    assert api.get(f"/api/v1/auctions/{auction['id']}").json()["status"] == "cancelled"
    assert api.get(f"/api/v1/listings/{unrelated['id']}").json()["status"] == "open"
