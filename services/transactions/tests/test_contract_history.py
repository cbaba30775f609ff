"""Technology contracts registered before the platform, loaded with their original numbers and dates
(``transactions.history``): the row rules and the handler without servers; the endpoint, its events on the real
Kafka and a re-run that creates nothing against the real service (integration)."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common.auth import Principal, Roles
from ttp_testing import assert_error
from ttp_testing.fakes import FakeUnitOfWork

from transactions import history
from transactions.documents import Contract
from transactions.handlers import history as handlers

TODAY = dt.date(2026, 12, 2)
AT = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.timezone.utc)
MIANYANG_REGISTRAR = Principal(sub="registrar-1", role=Roles.REGISTRAR, region="510700")
CHENGDU_REGISTRAR = Principal(sub="registrar-2", role=Roles.REGISTRAR, region="510100")
PATH = "/api/v1/contracts/history"


def row(**fields):
    return {"registration_number": "5107002018000123", "registered_on": "2018-05-04", "contract_type": "transfer",
            "title": "高温合金叶片精密铸造技术转让", "contract_amount": "3000000.00",
            "technology_transaction_amount": "2800000.00", "seller_organization_id": "org-seller",
            "buyer_name": "绵阳某装备有限公司", "region_code": "510700", "programme": 2, **fields}


def errors(raw):
    loaded, found = history.read_row(raw, TODAY)
    assert loaded is None
    return [(e["path"], e["message"]) for e in found]


def test_a_row_of_an_earlier_year_with_its_own_number_is_loadable():
    loaded, found = history.read_row(row(), TODAY)
    assert found == [] and loaded.registered_on == dt.date(2018, 5, 4)
    assert loaded.technology_transaction_amount == Decimal("2800000.00")
    assert history.contract_id("5107002018000123") == history.contract_id("5107002018000123") != \
        history.contract_id("5107002018000124")


@pytest.mark.parametrize("change, path, message", [
    ({"registration_number": "5101002018000123"}, "registration_number", "must begin with region_code 510700"),
    ({"registration_number": "5107002017000123"}, "registration_number", "registration year 2018"),
    ({"registration_number": "5107002018000000"}, "registration_number", "serial 000000"),
    ({"registration_number": "51070020180001"}, "registration_number", "should match pattern"),
    ({"registered_on": "2026-03-01", "registration_number": "5107002026000123"}, "registered_on", "years before 2026"),
    ({"registered_on": "2018-02-30"}, "registered_on", "valid date"),
    ({"technology_transaction_amount": "3000000.01"}, "technology_transaction_amount", "must not exceed"),
    ({"contract_amount": "1.005"}, "contract_amount", "decimal places"),
    ({"contract_type": "barter"}, "contract_type", "Input should be"),
    ({"buyer_name": ""}, "buyer_organization_id", "needs a buyer"),
    ({"seller_organization_id": {"$ne": 1}}, "seller_organization_id", "string"),
    ({"listing_id": "l-1"}, "listing_id", "Extra inputs"),
])
def test_a_bad_row_is_rejected_naming_the_field(change, path, message):
    found = errors(row(**change))
    assert any(p == path and message in m for p, m in found), found


@pytest.fixture
def uow():
    return FakeUnitOfWork(Contract, service="transactions")


def test_a_registration_is_stored_and_announced_once_as_imported_on_its_own_date(uow):
    loaded, _ = history.read_row(row(), TODAY)
    first = handlers.import_contract(uow, loaded, MIANYANG_REGISTRAR, AT)
    assert first["status"] == "created"
    stored = uow.get(Contract, first["contract_id"])
    assert (stored.status, stored.registration_number, stored.registered_by) == (
        "registered", "5107002018000123", "registrar-1")
    assert stored.registered_at == dt.datetime(2018, 5, 3, 16, 0, tzinfo=dt.timezone.utc)  # 4 May, 00:00 in China
    [event] = uow.events
    assert (event.name, event.subject) == ("transactions.contract.registered.v1", first["contract_id"])
    assert event.data["imported"] is True and event.data["effective_date"] == dt.date(2018, 5, 4)
    assert event.data["technology_transaction_amount"] == Decimal("2800000.00") and event.data["programme"] == 2

    assert handlers.import_contract(uow, loaded, MIANYANG_REGISTRAR, AT) == {"status": "exists",
                                                                            "contract_id": first["contract_id"]}
    assert len(uow.events) == 1 and uow.count(Contract) == 1


def test_a_registrar_loads_only_its_regions_registrations_and_a_number_in_use_is_refused(uow):
    loaded, _ = history.read_row(row(), TODAY)
    assert handlers.import_contract(uow, loaded, CHENGDU_REGISTRAR, AT)["errors"][0]["path"] == "region_code"
    uow.insert(Contract(id="live-1", status="registered", contract_type="service", contract_amount="1.00",
                        technology_transaction_amount="1.00", seller_organization_id="o", region_code="510700",
                        submitted_by="s", submitted_at=AT, registration_number="5107002018000123"))
    refused = handlers.import_contract(uow, loaded, MIANYANG_REGISTRAR, AT)
    assert refused["status"] == "rejected" and refused["errors"][0]["path"] == "registration_number"
    assert uow.events == []


@pytest.mark.integration
def test_a_file_loaded_twice_creates_each_contract_once_and_reports_each_row(api):
    registrar = api.token("registrar", region="510700")
    rows = [row(), row(registration_number="5107002019000045", registered_on="2019-11-20", contract_type="licence"),
            row(registration_number="5107002019000046", registered_on="2019-02-30")]
    contracts, outbox = api.counts("contracts")
    response = api.post(PATH, {"rows": rows}, token=registrar)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [(r["row"], r["status"]) for r in results] == [(0, "created"), (1, "created"), (2, "rejected")]
    assert results[2]["errors"][0]["path"] == "registered_on"
    again = api.post(PATH, {"rows": rows[:2]}, token=registrar).json()["results"]
    assert [r["status"] for r in again] == ["exists", "exists"]
    assert [r["contract_id"] for r in again] == [r["contract_id"] for r in results[:2]]
    assert api.counts("contracts") == (contracts + 2, outbox + 2)  # one event per contract, none for a re-run

    record = api.event("ttp.transactions.contract", results[1]["contract_id"])
    name, data = api.decode(record)
    assert name == "transactions.contract.registered.v1"
    assert (data["imported"], data["effective_date"], data["registration_number"]) == (
        True, dt.date(2019, 11, 20), "5107002019000045")
    stored = api.get(f"/api/v1/contracts/{results[1]['contract_id']}", token=registrar).json()
    assert (stored["status"], stored["registration_number"]) == ("registered", "5107002019000045")


@pytest.mark.integration
def test_only_registrars_and_administrators_load_history(api):
    assert_error(api.post(PATH, {"rows": [row()]}), 401, "unauthenticated")
    assert_error(api.post(PATH, {"rows": [row()]}, token=api.token("institution", org="org-seller")), 403, "forbidden")
    assert_error(api.post(PATH, {"rows": [row()]}, token=api.token("reviewer", region="510700")), 403, "forbidden")
    assert_error(api.post(PATH, {"rows": []}, token=api.token("admin")), 400, "validation_failed")
