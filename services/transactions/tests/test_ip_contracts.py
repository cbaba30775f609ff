"""A technology contract names the IP it transfers (知识产权转移): the registry's IP rights (``ip_right_ids``) held by
the seller and not lapsed in transactions' replica, and how they pass (``transfer_mode``); a contract from an IP
listing carries the listing's. The registration's event and the certificate name them."""
import datetime as dt
import io
import types
from decimal import Decimal

import pypdf
import pytest

from .test_ip_listings import SELLER, lapse, recorded_ip_right
from transactions import certificates, contracts
from transactions.documents import Contract
from ttp_testing import header, read_topic, wait_for

BUYER = "org-ip-buyer"


def listing(rights, mode, licence_kind=None):
    return types.SimpleNamespace(ip_right_ids=rights, transfer_mode=mode, licence_kind=licence_kind)


def test_the_rights_and_mode_come_from_the_listing_or_the_contract_type():
    assert contracts.ip_rights_of("transfer", None, [], None) == (([], None), None)
    assert contracts.ip_rights_of("transfer", None, ["p"], None) == ((["p"], "assignment"), None)
    assert contracts.ip_rights_of("licence", None, ["p"], None) == ((["p"], "licence"), None)
    assert contracts.ip_rights_of("development", None, ["p"], "licence") == ((["p"], "licence"), None)
    assert contracts.ip_rights_of("development", None, ["p"], None)[1][0] == "transfer_mode"  # required then
    assert contracts.ip_rights_of("transfer", None, ["p"], "licence")[1][0] == "transfer_mode"
    assert contracts.ip_rights_of("transfer", None, [], "assignment")[1][0] == "transfer_mode"  # names none
    # from an IP listing: its rights by default, a part of them when named, never another
    listed = listing(["p1", "p2"], "licence")
    assert contracts.ip_rights_of("licence", listed, [], None) == ((["p1", "p2"], "licence"), None)
    assert contracts.ip_rights_of("licence", listed, ["p2"], None) == ((["p2"], "licence"), None)
    assert contracts.ip_rights_of("licence", listed, ["p2", "p9"], None)[1][0] == "ip_right_ids.1"
    assert contracts.ip_rights_of("licence", listed, [], "assignment")[1][0] == "transfer_mode"
    assert contracts.ip_rights_of("transfer", listed, [], None)[1][0] == "transfer_mode"  # a licence listing
    assert contracts.ip_rights_of("licence", listing([], None), [], None) == (([], None), None)


def test_a_licence_contract_states_the_licence_kind_an_ip_listing_gives():
    assert contracts.licence_kind_of(None, "licence", "sole") == ("sole", None)
    assert contracts.licence_kind_of(None, "licence", None)[1][0] == "licence_kind"
    assert contracts.licence_kind_of(None, "assignment", "sole")[1][0] == "licence_kind"
    assert contracts.licence_kind_of(None, None, None) == (None, None)
    listed = listing(["p1"], "licence", "exclusive")
    assert contracts.licence_kind_of(listed, "licence", None) == ("exclusive", None)
    assert contracts.licence_kind_of(listed, "licence", "exclusive") == ("exclusive", None)
    assert contracts.licence_kind_of(listed, "licence", "non_exclusive")[1][0] == "licence_kind"


def test_the_certificate_lists_the_rights_by_kind_and_number():
    contract = Contract(id="c1", status="registered", contract_type="licence", title="导热膜专利许可",
                        contract_amount=Decimal(1000), technology_transaction_amount=Decimal(1000),
                        seller_organization_id=SELLER, buyer_name="某企业", region_code="510100",
                        registration_number="5101002026000001", submitted_by="x", submitted_at=dt.datetime.now(),
                        registered_at=dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc),
                        ip_right_ids=["p1"], transfer_mode="licence", licence_kind="sole")
    pdf = certificates.certificate(contract, {}, [("invention_patent", "201810000001.2")])
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "发明专利 201810000001.2" in text and "知识产权转移方式" in text and "排他许可" in text


def contract_body(**fields):
    return {"contract_type": "transfer", "title": "导热膜专利转让", "contract_amount": "600000.00",
            "technology_transaction_amount": "600000.00", "seller_organization_id": SELLER,
            "buyer_organization_id": BUYER, "region_code": "510100", **fields}


@pytest.mark.integration
def test_a_contract_names_the_sellers_rights_and_its_events_carry_them(api, registry):
    patent = recorded_ip_right(api, registry)
    foreign = recorded_ip_right(api, registry, holder="org-someone-else")
    lapsing = recorded_ip_right(api, registry)
    lapse(api, registry, lapsing)
    wait_for(lambda: (api.db.ip_rights.find_one({"_id": lapsing}) or {}).get("status") == "lapsed", timeout=30,
             message="the lapse in the replica")
    token = api.institution(SELLER)
    before = api.db.contracts.count_documents({})
    response = api.post("/api/v1/contracts", contract_body(ip_right_ids=[patent, foreign, lapsing, "no-such-right"]),
                        token=token)
    assert response.status_code == 422 and response.json()["code"] == "unknown_link", response.text
    assert [f["path"] for f in response.json()["fields"]] == ["ip_right_ids.1", "ip_right_ids.2", "ip_right_ids.3"]
    assert api.db.contracts.count_documents({}) == before
    response = api.post("/api/v1/contracts", contract_body(ip_right_ids=[patent], transfer_mode="licence"),
                        token=token)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "transfer_mode"

    response = api.post("/api/v1/contracts", contract_body(ip_right_ids=[patent]), token=token)
    assert response.status_code == 201, response.text
    contract = response.json()
    assert contract["ip_right_ids"] == [patent] and contract["transfer_mode"] == "assignment"
    assert contract["licence_kind"] is None
    response = api.post("/api/v1/contracts", contract_body(ip_right_ids=[patent], licence_kind="sole"), token=token)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "licence_kind"
    registered = api.post(f"/api/v1/contracts/{contract['id']}/register", token=api.token("registrar", region="510100"))
    assert registered.status_code == 200, registered.text
    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.contract",
                         lambda r: header(r, "ce_subject") == contract["id"], count=2)
    for record in records:
        data = api.decode(record)[1]
        assert data["ip_right_ids"] == [patent] and data["transfer_mode"] == "assignment"


@pytest.mark.integration
def test_a_contract_from_an_ip_listing_carries_its_rights_and_mode(api, registry):
    achievement = registry.published_achievement(org=SELLER)
    patent = recorded_ip_right(api, registry)
    token = api.institution(SELLER)
    listed = api.post("/api/v1/listings", {"achievement_id": achievement["achievement_id"], "mode": "licence",
                                           "asking_price": "500000.00", "ip_right_ids": [patent],
                                           "licence_kind": "non_exclusive"}, token=token)
    assert listed.status_code == 201, listed.text
    response = api.post("/api/v1/contracts", contract_body(contract_type="licence", listing_id=listed.json()["id"]),
                        token=token)
    assert response.status_code == 201, response.text
    assert response.json()["ip_right_ids"] == [patent] and response.json()["transfer_mode"] == "licence"
    assert response.json()["licence_kind"] == "non_exclusive"
    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.transactions.contract",
                          lambda r: header(r, "ce_subject") == response.json()["id"])
    assert api.decode(record)[1]["licence_kind"] == "non_exclusive"
    response = api.post("/api/v1/contracts", contract_body(contract_type="licence", listing_id=listed.json()["id"],
                                                           licence_kind="exclusive"), token=token)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "licence_kind"
    response = api.post("/api/v1/contracts", contract_body(contract_type="licence", listing_id=listed.json()["id"],
                                                           ip_right_ids=[recorded_ip_right(api, registry)]),
                        token=token)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "ip_right_ids.0"
