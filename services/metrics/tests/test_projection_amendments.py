"""Contract changes, cancellations and verified technical income through the real service: published onto the
real Kafka topics, projected into each plan by its effective date and only where the registration counted, and
reproduced by a rebuild from the topics (issue 19 item 5)."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_testing import publish_event as publish, service_api_fixture, wait_for
from ttp_testing.plans import plans_dir

from metrics.rebuild import rebuild

pytestmark = pytest.mark.integration
LATER = "test-2021-2025"
api = service_api_fixture("metrics", METRICS_PLANS_DIR=str(plans_dir((LATER, "2021-01-01", "2025-12-31"))))
BASE = {"seller_organization_id": "org-1", "region_code": "510104", "contract_type": "transfer", "programme": 2,
        "achievement_id": None}


def at(day):
    return dt.datetime.combine(day, dt.time(2), dt.timezone.utc)


def registered(cid, on, amount, technology):
    return {**BASE, "contract_id": cid, "registration_number": f"510100{on.year}000001",
            "contract_amount": Decimal(amount), "technology_transaction_amount": Decimal(technology),
            "registered_at": at(on), "effective_date": on, "buyer_organization_id": None, "listing_id": None,
            "auction_id": None, "broker_person_ids": []}


def amended(cid, registered_on, on):
    return {**BASE, "contract_id": cid, "registration_number": f"510100{registered_on.year}000001",
            "registration_date": registered_on, "effective_date": on, "request_reference": "申请 1"}


def progress(api, plan="sichuan-2016-2020"):
    return api.get(f"/api/v1/progress?as_of=2020-06-01&plan={plan}").json()


def value(body, key):
    return next(r for r in body["targets"] + body["indicators"] if r["key"] == key)


@pytest.fixture(scope="module")
def fed(api):
    r1, r2 = dt.date(2018, 4, 1), dt.date(2020, 9, 1)
    publish(api, "transactions.contract.registered.v1", registered("c1", r1, "1000.00", "800.00"), "c1")
    publish(api, "transactions.contract.changed.v1", {
        **amended("c1", r1, dt.date(2019, 2, 1)), "changed_fields": ["technology_transaction_amount"],
        "contract_amount": Decimal("1000.00"), "technology_transaction_amount": Decimal("600.00"),
        "contract_amount_delta": Decimal("0.00"), "technology_transaction_amount_delta": Decimal("-200.00"),
        "buyer_organization_id": None, "changed_at": at(dt.date(2019, 2, 1))}, "c1")
    publish(api, "transactions.contract.income_verified.v1", {
        "income_id": "i1", "contract_id": "c1", "registration_number": "5101002018000001",
        "seller_organization_id": "org-1", "region_code": "510104", "achievement_id": None, "programme": 2,
        "filed_amount": Decimal("500.00"), "verified_amount": Decimal("450.00"), "adjusted": True,
        "contract_verified_income": Decimal("450.00"), "effective_date": dt.date(2019, 3, 1),
        "verified_at": at(dt.date(2019, 3, 1))}, "c1")
    publish(api, "transactions.contract.cancelled.v1", {
        **amended("c1", r1, dt.date(2020, 1, 5)), "reason": "合同解除", "contract_amount": Decimal("1000.00"),
        "technology_transaction_amount": Decimal("600.00"), "broker_person_ids": [],
        "cancelled_at": at(dt.date(2020, 1, 5))}, "c1")
    # registered in 2020, cancelled in 2022: the 2016-2020 plan keeps it, the later plan never counted it
    publish(api, "transactions.contract.registered.v1", registered("c2", r2, "300.00", "200.00"), "c2")
    publish(api, "transactions.contract.cancelled.v1", {
        **amended("c2", r2, dt.date(2022, 3, 1)), "reason": "合同终止", "contract_amount": Decimal("300.00"),
        "technology_transaction_amount": Decimal("200.00"), "broker_person_ids": [],
        "cancelled_at": at(dt.date(2022, 3, 1))}, "c2")
    wait_for(lambda: api.get("/api/v1/pipeline").json()["events_applied"] == 6, timeout=30,
             message="6 events to be projected")
    return api


def test_cancellations_and_changes_move_the_targets_from_their_effective_dates(fed):
    body = progress(fed)
    turnover = value(body, "contract_turnover_yuan")
    assert turnover["value"] == "200.00"  # c1 taken out in 2020; c2 kept
    assert turnover["breakdowns"]["year"] == [{"year": 2018, "value": "800.00"}, {"year": 2019, "value": "-200.00"},
                                              {"year": 2020, "value": "-400.00"}]
    assert next(r["value"] for r in turnover["breakdowns"]["region"] if r["code"] == "510100") == "200.00"
    assert value(body, "contract_amount_yuan")["value"] == "300.00"
    assert value(body, "contracts_registered")["value"] == "1"
    assert value(body, "verified_technical_income_yuan")["value"] == "450.00"
    later = progress(fed, LATER)
    assert value(later, "contract_turnover_yuan")["value"] == "0.00"
    assert value(later, "contracts_registered")["value"] == "0"


def test_the_trace_shows_the_change_and_the_cancellation_and_a_rebuild_reproduces_the_figures(fed):
    admin = fed.token("admin", sub="rebuild-admin")
    trace = wait_for(lambda: (lambda r: r.json() if r.status_code == 200 and len(r.json()["entries"]) == 4
                              else None)(fed.get("/api/v1/trace/contracts/c1", token=admin)), message="c1's trace")
    assert [e["event_type"].split(".")[2] for e in trace["entries"]] == [
        "registered", "changed", "income_verified", "cancelled"]
    before = (progress(fed), progress(fed, LATER))
    fed.db["counters"].update_one({"_id": "sichuan-2016-2020/contract_turnover_fen"}, {"$inc": {"value": 999}})
    stats = rebuild(fed.config)
    assert stats["undecodable"] == 0
    assert (progress(fed), progress(fed, LATER)) == before
