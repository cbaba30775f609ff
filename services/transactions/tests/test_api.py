"""The transactions service's HTTP API against the real local servers (one service container for the module)."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common.testing import assert_error, header

pytestmark = pytest.mark.integration

PATH = "/api/v1/contract-registrations"
TOPIC = "ttp.transactions.contract"
EVENT = "transactions.contract.registered.v1"
EVENT_TYPE = f"cn.gov.sc.ttp.{EVENT}"


def contract(**overrides):
    return {"contract_type": "licence", "contract_amount": "1200000.50",
            "technology_transaction_amount": "1000000.25", "seller_organization_id": "org-seller-1",
            "region_code": "510700", **overrides}


# -- platform endpoints ------------------------------------------------------------------

def test_health_reports_every_dependency_ok(api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {"service": "transactions", "status": "ok",
                               "checks": {"mongodb": "ok", "kafka": "ok", "amqp": "ok"}}


def test_metrics_are_prometheus_text_counting_entrypoint_calls(api):
    api.post(PATH, contract())  # a 401 is a call too
    response = api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    assert any(line.startswith("ttp_entrypoint_calls_total{") and 'service="transactions"' in line
               and 'entrypoint="register_contract"' in line for line in response.text.splitlines())
    assert any(line.startswith("ttp_http_responses_total{") and 'entrypoint="register_contract"' in line
               and 'status="401"' in line for line in response.text.splitlines())


def test_openapi_document_describes_the_write_endpoint(api):
    spec = api.get("/api/v1/openapi.json").json()
    assert spec["openapi"] == "3.1.0" and spec["info"]["title"]
    post = spec["paths"][PATH]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ContractRegistrationIn"}
    assert {"201", "400", "401", "403", "415"} <= set(post["responses"])
    schema = spec["components"]["schemas"]["ContractRegistrationIn"]
    assert set(schema["required"]) == {"contract_type", "contract_amount", "technology_transaction_amount",
                                       "seller_organization_id", "region_code"}
    assert {"/health", "/metrics", "/api/v1/openapi.json"} <= set(spec["paths"])
    assert "Error" in spec["components"]["schemas"]


# -- writing: who may ------------------------------------------------------------------

def test_no_token_is_401(api):
    before = api.counts("contracts")
    assert_error(api.post(PATH, contract()), 401, "unauthenticated")
    assert api.counts("contracts") == before


@pytest.mark.parametrize("make_token", [
    pytest.param(lambda api: api.token("admin", secret="another-secret-of-at-least-32-bytes!!"), id="forged"),
    pytest.param(lambda api: api.token("admin", ttl_seconds=-120), id="expired"),
])
def test_untrustworthy_tokens_are_401(api, make_token):
    before = api.counts("contracts")
    assert_error(api.post(PATH, contract(), token=make_token(api)), 401, "unauthenticated")
    assert api.counts("contracts") == before


def test_an_institution_is_403(api):
    before = api.counts("contracts")
    token = api.token("institution", org="org-seller-1")  # even the seller itself does not register
    assert_error(api.post(PATH, contract(), token=token), 403, "forbidden")
    assert api.counts("contracts") == before


def test_a_reviewer_of_another_city_is_403(api):
    before = api.counts("contracts")
    token = api.token("reviewer", region="510100")
    assert_error(api.post(PATH, contract(region_code="510700"), token=token), 403, "forbidden")
    assert api.counts("contracts") == before


# -- writing: what is accepted --------------------------------------------------------

@pytest.mark.parametrize("change, path", [
    ({"contract_amount": "100.00", "technology_transaction_amount": "100.01"}, "technology_transaction_amount"),
    ({"contract_amount": "100.001"}, "contract_amount"),
    ({"technology_transaction_amount": 0.125}, "technology_transaction_amount"),
    ({"contract_amount": "0"}, "contract_amount"),
    ({"contract_type": "sale"}, "contract_type"),
    ({"region_code": "110100"}, "region_code"),
    ({"seller_organization_id": ""}, "seller_organization_id"),
])
def test_invalid_bodies_are_400_with_the_field_path(api, change, path):
    before = api.counts("contracts")
    body = assert_error(api.post(PATH, contract(**change), token=api.token("admin")), 400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == [path]
    assert api.counts("contracts") == before


def test_a_where_operator_is_400(api):
    before = api.counts("contracts")
    body = assert_error(api.post(PATH, {"$where": "1 == 1", **contract()}, token=api.token("admin")),
                        400, "validation_failed")
    assert [f["path"] for f in body["fields"]] == ["$where"]
    assert api.counts("contracts") == before


def test_a_non_json_content_type_is_415(api):
    before = api.counts("contracts")
    response = api.post(PATH, data=b"<contract/>", token=api.token("admin"), headers={"Content-Type": "text/xml"})
    assert_error(response, 415, "unsupported_media_type")
    assert api.counts("contracts") == before


def test_registering_stores_the_contract_and_publishes_an_attributed_event(api):
    before = api.counts("contracts")
    token = api.token("reviewer", sub="registrar-mianyang", region="510700")

    response = api.post(PATH, contract(), token=token)

    assert response.status_code == 201, response.text
    created = response.json()
    contract_id = created["id"]
    assert set(created) == {"id", "registration_number", "contract_type", "contract_amount",
                            "technology_transaction_amount", "seller_organization_id", "region_code",
                            "registered_at"}
    number = created["registration_number"]
    year = dt.datetime.now(dt.timezone.utc).year
    assert len(number) == 16 and number.isdigit() and number.startswith(f"510700{year}")
    assert created["contract_amount"] == "1200000.50"  # exact, as a string
    assert created["technology_transaction_amount"] == "1000000.25"
    assert (created["contract_type"], created["seller_organization_id"], created["region_code"]) == (
        "licence", "org-seller-1", "510700")
    assert api.counts("contracts") == (before[0] + 1, before[1] + 1)

    stored = api.db.contracts.find_one({"_id": contract_id})
    assert stored["registration_number"] == number and stored["registered_by"] == "registrar-mianyang"
    assert Decimal(stored["technology_transaction_amount"]) == Decimal("1000000.25")
    [row] = list(api.db.outbox.find({"key": contract_id.encode()}))
    assert row["type"] == EVENT_TYPE

    record = api.event(TOPIC, contract_id)
    assert header(record, "ce_type") == EVENT_TYPE
    assert header(record, "ce_actor") == "registrar-mianyang"
    assert header(record, "ce_actorrole") == "reviewer"
    assert header(record, "ce_subject") == contract_id
    name, data = api.decode(record)
    assert name == EVENT
    assert data["registration_number"] == number
    assert data["contract_amount"] == Decimal("1200000.50")
    assert data["technology_transaction_amount"] == Decimal("1000000.25")


def test_registration_numbers_count_up_per_region(api):
    token = api.token("admin")
    first = api.post(PATH, contract(region_code="511100"), token=token)
    second = api.post(PATH, contract(region_code="511100"), token=token)
    other = api.post(PATH, contract(region_code="511300"), token=token)
    assert [r.status_code for r in (first, second, other)] == [201, 201, 201]
    a, b, c = (r.json()["registration_number"] for r in (first, second, other))
    assert a[:10] == b[:10] and int(b[10:]) == int(a[10:]) + 1
    assert c.startswith("511300") and c[10:] == "000001"


def test_amounts_sent_as_json_numbers_are_kept_exact(api):
    response = api.post(PATH, contract(contract_amount=0.3, technology_transaction_amount=0.1),
                        token=api.token("admin"))
    assert response.status_code == 201, response.text
    created = response.json()
    assert Decimal(created["contract_amount"]) == Decimal("0.3")
    assert Decimal(created["technology_transaction_amount"]) == Decimal("0.1")
