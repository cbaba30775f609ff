"""Technology contract registration (技术合同认定登记: submit → review → register or return → resubmit)
against the real local servers (one service container for the module). What every service answers alike
(health, metrics, OpenAPI, 401/415/404) is in tests/platform/test_contract.py."""
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

from ttp_testing import assert_error, header, read_topic

pytestmark = pytest.mark.integration

PATH = "/api/v1/contracts"
TOPIC = "ttp.transactions.contract"
REGISTERED = "transactions.contract.registered.v1"
SELLER, BUYER = "org-seller-1", "org-buyer-1"


def contract(**overrides):
    return {"contract_type": "licence", "title": "石墨烯导热膜技术许可", "contract_amount": "1200000.50",
            "technology_transaction_amount": "1000000.25", "seller_organization_id": SELLER,
            "buyer_organization_id": BUYER, "region_code": "510700", "broker_person_ids": ["person-broker-1"],
            **overrides}


def submit(api, **overrides):
    response = api.post(PATH, contract(**overrides), token=api.institution(SELLER))
    assert response.status_code == 201, response.text
    return response.json()


# -- its OpenAPI document (what every service's holds: tests/platform/test_contract.py) -----------

def test_openapi_document_describes_every_flow(api):
    spec = api.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/listings", "/api/v1/demands", "/api/v1/demands/{demand_id}/matches", "/api/v1/matches",
                 "/api/v1/auctions", "/api/v1/auctions/{auction_id}/bids", "/api/v1/contracts",
                 "/api/v1/contracts/{contract_id}/register", "/api/v1/valuations", "/api/v1/consultations"):
        assert path in spec["paths"], path
    schema = spec["components"]["schemas"]["ContractIn"]
    assert set(schema["required"]) == {"contract_type", "contract_amount", "technology_transaction_amount",
                                       "seller_organization_id", "region_code"}
    assert {"AuctionIn", "BidIn", "ValuationIn", "ListingIn", "DemandIn", "Error"} <= set(spec["components"]["schemas"])
    assert "security" not in spec["paths"]["/api/v1/auctions"]["get"]  # public
    assert spec["paths"]["/api/v1/matches"]["get"]["security"]


# -- submitting: who may ----------------------------------------------------------------

def test_an_organization_that_is_not_a_party_is_403(api):
    before = api.counts("contracts")
    assert_error(api.post(PATH, contract(), token=api.institution("org-stranger")), 403, "forbidden")
    assert api.counts("contracts") == before


def test_a_reviewer_does_not_submit(api):
    before = api.counts("contracts")
    assert_error(api.post(PATH, contract(), token=api.token("reviewer", region="510700")), 403, "forbidden")
    assert api.counts("contracts") == before


# -- submitting: what is accepted ---------------------------------------------------------

@pytest.mark.parametrize("change, path", [
    ({"contract_amount": "100.00", "technology_transaction_amount": "100.01"}, "technology_transaction_amount"),
    ({"contract_amount": "100.001"}, "contract_amount"),
    ({"contract_amount": "-5.00"}, "contract_amount"),
    ({"contract_amount": "12abc"}, "contract_amount"),
    ({"technology_transaction_amount": 0.125}, "technology_transaction_amount"),
    ({"contract_amount": "0"}, "contract_amount"),
    ({"contract_type": "sale"}, "contract_type"),
    ({"region_code": "110100"}, "region_code"),
    ({"seller_organization_id": ""}, "seller_organization_id"),
    ({"broker_person_ids": ["p1", "p1"]}, "broker_person_ids"),
    ({"listing_id": "no-such-listing"}, "listing_id"),
    ({"auction_id": "no-such-auction"}, "auction_id"),
    ({"achievement_id": "never-published"}, "achievement_id"),
    pytest.param({"buyer_organization_id": None}, "buyer_organization_id", id="no-buyer"),
    pytest.param({"buyer_organization_id": SELLER}, "buyer_organization_id", id="seller-is-buyer"),
])
def test_invalid_contracts_are_400_with_the_field_path(api, change, path):
    before = api.counts("contracts")
    body = assert_error(api.post(PATH, contract(**change), token=api.institution(SELLER)), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [path]
    assert api.counts("contracts") == before


def test_a_where_operator_is_400(api):
    before = api.counts("contracts")
    body = assert_error(api.post(PATH, {"$where": "1 == 1", **contract()}, token=api.institution(SELLER)),
                        400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["$where"]
    assert api.counts("contracts") == before


def test_submitting_stores_a_submitted_contract_and_publishes_submitted(api):
    created = submit(api)
    assert created["status"] == "submitted" and created["registration_number"] is None
    assert created["contract_amount"] == "1200000.50" and created["technology_transaction_amount"] == "1000000.25"
    record = api.event(TOPIC, created["id"])
    assert header(record, "ce_type") == "cn.gov.sc.ttp.transactions.contract.submitted.v1"
    assert header(record, "ce_actororg") == SELLER
    name, data = api.decode(record)
    assert data["technology_transaction_amount"] == Decimal("1000000.25") and data["resubmission"] is False


# -- review: register ----------------------------------------------------------------------

def test_a_registrar_of_another_city_cannot_register(api):
    created = submit(api)
    before = api.counts("contracts")
    response = api.post(f"{PATH}/{created['id']}/register", token=api.token("registrar", region="510100"))
    assert_error(response, 403, "forbidden")
    assert api.counts("contracts") == before
    assert api.db.contracts.find_one({"_id": created["id"]})["status"] == "submitted"


def test_an_achievement_reviewer_of_the_region_cannot_register_or_return(api):
    """Technology contracts are registered by the region's registrar (技术合同登记机构), not achievement reviewers."""
    created = submit(api)
    reviewer = api.token("reviewer", region="510700")
    assert_error(api.post(f"{PATH}/{created['id']}/register", token=reviewer), 403, "forbidden")
    assert_error(api.post(f"{PATH}/{created['id']}/return", {"reasons": ["金额有误"]}, token=reviewer), 403,
                 "forbidden")
    assert_error(api.get(f"{PATH}?status=submitted", token=reviewer), 403, "forbidden")
    assert api.db.contracts.find_one({"_id": created["id"]})["status"] == "submitted"


def test_a_provincial_registrar_registers_a_contract_of_any_region(api):
    created = submit(api, region_code="513400")
    registrar = api.token("registrar", region="510000")
    assert created["id"] in [c["id"] for c in api.get(f"{PATH}?status=submitted", token=registrar).json()["items"]]
    response = api.post(f"{PATH}/{created['id']}/register", token=registrar)
    assert response.status_code == 200, response.text
    assert response.json()["registration_number"].startswith("513400")


def test_the_parties_cannot_register_their_own_contract(api):
    created = submit(api)
    assert_error(api.post(f"{PATH}/{created['id']}/register", token=api.institution(SELLER)), 403, "forbidden")


def test_registering_numbers_the_contract_and_publishes_the_registered_event(api):
    created = submit(api)
    token = api.token("registrar", sub="registrar-mianyang", region="510700")

    response = api.post(f"{PATH}/{created['id']}/register", token=token)

    assert response.status_code == 200, response.text
    registered = response.json()
    number = registered["registration_number"]
    year = dt.datetime.now(dt.timezone.utc).year
    assert registered["status"] == "registered"
    assert len(number) == 16 and number.isdigit() and number.startswith(f"510700{year}")
    stored = api.db.contracts.find_one({"_id": created["id"]})
    assert stored["registered_by"] == "registrar-mianyang"
    assert Decimal(stored["technology_transaction_amount"]) == Decimal("1000000.25")

    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC, lambda r: header(r, "ce_subject") == created["id"]
                          and header(r, "ce_type").endswith(REGISTERED))
    assert header(record, "ce_actor") == "registrar-mianyang" and header(record, "ce_actorrole") == "registrar"
    name, data = api.decode(record)
    assert name == REGISTERED
    assert data["registration_number"] == number
    assert data["contract_amount"] == Decimal("1200000.50")
    assert data["technology_transaction_amount"] == Decimal("1000000.25")
    assert data["buyer_organization_id"] == BUYER and data["broker_person_ids"] == ["person-broker-1"]
    assert data["listing_id"] is None and data["auction_id"] is None

    # registered once: a second registration is refused and changes nothing
    before = api.counts("contracts")
    assert_error(api.post(f"{PATH}/{created['id']}/register", token=token), 409, "conflict")
    assert api.counts("contracts") == before


def test_registration_numbers_count_up_per_region(api):
    token = api.token("admin")
    ids = [submit(api, region_code=r)["id"] for r in ("511100", "511100", "511300")]
    a, b, c = (api.post(f"{PATH}/{i}/register", token=token).json()["registration_number"] for i in ids)
    assert a[:10] == b[:10] and int(b[10:]) == int(a[10:]) + 1
    assert c.startswith("511300") and c[10:] == "000001"


def test_concurrent_registrations_in_one_region_all_succeed_with_distinct_numbers(api):
    """Numbers stay unique when a region's registrations race, including the very first draws of a new
    counter (two concurrent upserts of it). The counter is drawn outside the
    registration's transaction; inside it, concurrent registrations aborted each other into 503s on a
    loaded machine (`make bench-e2e` with 10-20 clients; not reproducible on a quiet one)."""
    token = api.token("admin")
    ids = [submit(api, region_code="511800")["id"] for _ in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(lambda i: api.post(f"{PATH}/{i}/register", token=token), ids))
    assert [r.status_code for r in responses] == [200] * 12, [r.text for r in responses if r.status_code != 200]
    numbers = [r.json()["registration_number"] for r in responses]
    assert len(set(numbers)) == 12 and all(n.startswith("511800") for n in numbers)


def test_amounts_sent_as_json_numbers_are_kept_exact(api):
    created = submit(api, contract_amount=0.3, technology_transaction_amount=0.1)
    assert (created["contract_amount"], created["technology_transaction_amount"]) == ("0.30", "0.10")


# -- review: return and resubmit ---------------------------------------------------------------

def test_a_returned_contract_is_corrected_resubmitted_and_then_registered(api):
    created = submit(api)
    registrar = api.token("registrar", region="510700")
    assert_error(api.post(f"{PATH}/{created['id']}/return", {"reasons": []}, token=registrar), 400,
                 "validation_failed")

    returned = api.post(f"{PATH}/{created['id']}/return", {"reasons": ["技术交易额核定有误"]}, token=registrar)
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned" and returned.json()["return_reasons"] == ["技术交易额核定有误"]
    assert_error(api.post(f"{PATH}/{created['id']}/register", token=registrar), 409, "conflict")

    # the registration body's queue no longer holds it; the party sees it returned
    queue = api.get(f"{PATH}?status=submitted", token=registrar).json()["items"]
    assert created["id"] not in [c["id"] for c in queue]

    bad = api.request("PUT", f"{PATH}/{created['id']}", json=contract(technology_transaction_amount="2000000.00"),
                      token=api.institution(SELLER))
    assert_error(bad, 400, "validation_failed")
    again = api.request("PUT", f"{PATH}/{created['id']}", json=contract(technology_transaction_amount="900000.00"),
                        token=api.institution(SELLER))
    assert again.status_code == 200, again.text
    assert again.json()["status"] == "submitted"
    assert created["id"] in [c["id"] for c in api.get(f"{PATH}?status=submitted", token=registrar).json()["items"]]

    registered = api.post(f"{PATH}/{created['id']}/register", token=registrar)
    assert registered.status_code == 200 and registered.json()["technology_transaction_amount"] == "900000.00"
    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC, lambda r: header(r, "ce_subject") == created["id"],
                         count=4)
    types = [header(r, "ce_type").rsplit(".", 2)[-2] for r in records]
    assert types == ["submitted", "returned", "submitted", "registered"]


def test_contracts_are_visible_to_parties_and_their_registration_body_only(api):
    created = submit(api)
    path = f"{PATH}/{created['id']}"
    assert api.get(path, token=api.institution(SELLER)).status_code == 200
    assert api.get(path, token=api.institution(BUYER)).status_code == 200
    assert api.get(path, token=api.token("registrar", region="510700")).status_code == 200
    assert_error(api.get(path, token=api.institution("org-stranger")), 404, "not_found")
    assert_error(api.get(path, token=api.token("registrar", region="510100")), 404, "not_found")
    assert_error(api.get(path, token=api.token("reviewer", region="510700")), 403, "forbidden")
    assert_error(api.get(path), 401, "unauthenticated")


def test_the_contract_list_filters_by_achievement(api, registry):
    """GET /contracts?achievement_id=: the contracts naming that achievement, each caller within what it may see."""
    achievement_id = registry.published_achievement(org=SELLER)["achievement_id"]
    named = submit(api, achievement_id=achievement_id)
    submit(api)  # names none
    for token in (api.institution(SELLER), api.institution(BUYER), api.token("registrar", region="510700"),
                  api.token("admin")):
        items = api.get(PATH, params={"achievement_id": achievement_id}, token=token).json()["items"]
        assert [(c["id"], c["achievement_id"]) for c in items] == [(named["id"], achievement_id)]
    assert api.get(PATH, params={"achievement_id": achievement_id},
                   token=api.institution("org-stranger")).json()["items"] == []
    assert api.get(PATH, params={"achievement_id": "no-such"}, token=api.token("admin")).json()["items"] == []


def test_turnover_sums_registered_contracts_exactly(api):
    before = api.get("/api/v1/turnover?region=513400").json()
    admin = api.token("admin")
    for amount in ("0.10", "0.20"):
        created = submit(api, region_code="513400", contract_amount=amount, technology_transaction_amount=amount)
        assert api.post(f"{PATH}/{created['id']}/register", token=admin).status_code == 200
    submit(api, region_code="513400", contract_amount="5.00", technology_transaction_amount="5.00")  # not registered
    after = api.get("/api/v1/turnover?region=513400").json()
    assert after["contracts"] == before["contracts"] + 2
    assert Decimal(after["technology_transaction_amount"]) - Decimal(before["technology_transaction_amount"]) == \
        Decimal("0.30")


@pytest.mark.parametrize("path, params, name", [
    ("/api/v1/turnover", {"region": "zzz"}, "region"),  # was a 200 echoing "region_code": "zzz"
    ("/api/v1/turnover", {"region": "510181"}, "region"),  # a county, not one of the 21 divisions
    ("/api/v1/listings", {"region": "x"}, "region"),
    ("/api/v1/listings", {"mode": "rent"}, "mode"),
    ("/api/v1/listings", {"programme": "16"}, "programme"),
    ("/api/v1/demands", {"region": "x"}, "region"),
    ("/api/v1/demands", {"programme": "0"}, "programme"),
])
def test_filters_outside_their_documented_values_are_400_with_the_parameter(api, path, params, name):
    body = assert_error(api.get(path, params=params), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [name]


def test_the_province_code_means_every_division_in_turnover_and_the_contract_queue(api):
    assert api.get("/api/v1/turnover", params={"region": "510000"}).json() == api.get("/api/v1/turnover").json()
    admin = api.token("admin")
    assert_error(api.get(PATH, params={"region": "zzz"}, token=admin), 400, "validation_failed")
    assert api.get(PATH, params={"region": "510000"}, token=admin).status_code == 200


def test_other_services_read_registered_turnover_over_rpc(rpc_api):
    """RPC over RabbitMQ, in a vhost of its own so no other transactions instance answers."""
    created = submit(rpc_api, region_code="511500", contract_amount="10.01", technology_transaction_amount="10.01")
    assert rpc_api.post(f"{PATH}/{created['id']}/register", token=rpc_api.token("admin")).status_code == 200
    with rpc_api.rpc() as cluster:
        assert cluster.transactions.turnover("511500") == {
            "region_code": "511500", "contracts": 1, "contract_amount": "10.01",
            "technology_transaction_amount": "10.01"}
        registered = cluster.transactions.get_registered_contract(created["id"])
        assert registered["registration_number"] and registered["technology_transaction_amount"] == "10.01"
        assert cluster.transactions.get_registered_contract("no-such-contract") is None
        assert cluster.transactions.get_open_listing("no-such-listing") is None
