"""Technical income verification (技术性收入核定) and contract changes and cancellations (变更, 注销) over HTTP against
the real local servers, and their events on the contract topic."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common import clock
from ttp_testing import assert_error, header, read_topic

pytestmark = pytest.mark.integration

TOPIC = "ttp.transactions.contract"
SELLER, BUYER = "org-income-seller", "org-income-buyer"


def registered(api):
    body = {"contract_type": "development", "title": "钒电池电解液开发", "contract_amount": "2000000.00",
            "technology_transaction_amount": "1500000.00", "seller_organization_id": SELLER,
            "buyer_organization_id": BUYER, "region_code": "510100", "broker_person_ids": ["person-income-broker"]}
    created = api.post("/api/v1/contracts", body, token=api.institution(SELLER))
    assert created.status_code == 201, created.text
    response = api.post(f"/api/v1/contracts/{created.json()['id']}/register", token=registrar(api))
    assert response.status_code == 200, response.text
    return response.json()


def registrar(api, region="510100"):
    return api.token("registrar", sub=f"registrar-{region}", region=region)


def events_of(api, contract_id, suffix):
    records = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + TOPIC, lambda r: header(r, "ce_subject") == contract_id
                         and header(r, "ce_type").endswith(suffix))
    return [api.decode(r)[1] for r in records]


def test_the_seller_files_income_the_registrar_verifies_it_and_it_is_announced(api):
    contract = registered(api)
    today = clock.china_date().isoformat()
    path = f"/api/v1/contracts/{contract['id']}/income"
    filing = {"amount": "600000.00", "received_from": today, "received_to": today, "note": "首期款到账"}

    assert_error(api.post(path, filing, token=api.institution(BUYER)), 404, "not_found")
    assert_error(api.post(path, {**filing, "amount": "1500000.01"}, token=api.institution(SELLER)), 400,
                 "validation_failed")
    response = api.post(path, filing, token=api.institution(SELLER))
    assert response.status_code == 201, response.text
    income_id = response.json()["id"]
    assert response.headers["Location"] == f"/api/v1/contract-incomes/{income_id}"

    verify = f"/api/v1/contract-incomes/{income_id}/verify"
    assert_error(api.post(verify, {"verified_amount": "500000.00", "reason": "x"}, token=registrar(api, "510700")),
                 403, "forbidden")
    refused = api.post(verify, {"verified_amount": "500000.00"}, token=registrar(api))
    assert_error(refused, 400, "validation_failed")
    assert refused.json()["fields"][0]["path"] == "reason"
    response = api.post(verify, {"verified_amount": "500000.00", "reason": "扣除设备款"}, token=registrar(api))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "verified"

    listed = api.get(path, token=api.institution(SELLER)).json()
    assert listed["verified_income"] == "500000.00" and len(listed["items"]) == 1
    queue = api.get("/api/v1/contract-incomes", params={"status": "verified"}, token=registrar(api)).json()
    assert income_id in [i["id"] for i in queue["items"]]

    [filed] = events_of(api, contract["id"], "income_filed.v1")
    assert filed["amount"] == Decimal("600000.00") and "note" not in filed
    [verified] = events_of(api, contract["id"], "income_verified.v1")
    assert verified["verified_amount"] == Decimal("500000.00") and verified["adjusted"] is True
    assert verified["seller_organization_id"] == SELLER and verified["region_code"] == "510100"
    assert verified["effective_date"] == clock.china_date()


def test_a_registrar_registers_a_change_then_a_cancellation_and_both_are_announced(api):
    contract = registered(api)
    today = clock.china_date().isoformat()
    base = f"/api/v1/contracts/{contract['id']}"
    change = {"effective_date": today, "request_reference": "变更申请 001", "reason": "补充协议",
              "technology_transaction_amount": "1200000.00"}

    assert_error(api.post(f"{base}/changes", change, token=api.institution(SELLER)), 403, "forbidden")
    response = api.post(f"{base}/changes", change, token=registrar(api))
    assert response.status_code == 200, response.text
    assert response.json()["technology_transaction_amount"] == "1200000.00"
    assert response.json()["changes"][0]["fields"]["technology_transaction_amount"]["old"] == "1500000.00"

    cancel = {"effective_date": today, "request_reference": "注销申请 001", "reason": "合同解除"}
    response = api.post(f"{base}/cancellation", cancel, token=registrar(api))
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled" and response.json()["cancellation"]["reason"] == "合同解除"
    assert_error(api.post(f"{base}/cancellation", cancel, token=registrar(api)), 409, "conflict")
    assert_error(api.post(f"{base}/income", {"amount": "1.00", "received_from": today, "received_to": today},
                          token=api.institution(SELLER)), 409, "not_registered")

    [changed] = events_of(api, contract["id"], "contract.changed.v1")
    assert changed["technology_transaction_amount_delta"] == Decimal("-300000.00")
    assert changed["contract_amount_delta"] == Decimal("0.00")
    assert changed["registration_date"] == clock.china_date()
    [cancelled] = events_of(api, contract["id"], "contract.cancelled.v1")
    assert cancelled["technology_transaction_amount"] == Decimal("1200000.00")
    assert cancelled["broker_person_ids"] == ["person-income-broker"]
    listed = api.get("/api/v1/contracts", params={"status": "cancelled"}, token=registrar(api)).json()["items"]
    assert contract["id"] in [c["id"] for c in listed]


def test_an_effective_date_after_today_is_400_naming_it(api):
    contract = registered(api)
    tomorrow = (clock.china_date() + dt.timedelta(days=1)).isoformat()
    response = api.post(f"/api/v1/contracts/{contract['id']}/cancellation",
                        {"effective_date": tomorrow, "request_reference": "注销 2", "reason": "合同终止"},
                        token=registrar(api))
    assert_error(response, 400, "validation_failed")
    assert response.json()["fields"][0]["path"] == "effective_date"


def test_the_metrics_endpoint_counts_amendments_and_verified_income(api):
    contract = registered(api)
    today = clock.china_date().isoformat()
    response = api.post(f"/api/v1/contracts/{contract['id']}/cancellation",
                        {"effective_date": today, "request_reference": "注销 3", "reason": "合同解除"}, token=registrar(api))
    assert response.status_code == 200, response.text
    text = api.get("/metrics").text
    assert 'ttp_transactions_contract_amendments_total{kind="cancellation"}' in text
    assert "ttp_transactions_cancelled_technology_yuan_total" in text
