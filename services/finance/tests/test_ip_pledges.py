"""IP pledges in finance deals (知识产权质押融资): an ip_pledge deal closes naming the IP rights it pledges,
checked against finance's replica of the registry's IP events (in force, held by the financed organization)."""
import datetime as dt
import uuid
from decimal import Decimal

import pytest

from finance import pool
from finance.documents import Deal
from finance.handlers.replica import PLEDGE_LAPSED, check_pledged_ip_rights, ip_right_event
from ttp_common.refusals import Unprocessable
from ttp_testing import FakeUnitOfWork, publish_event, wait_for

from .test_pool_api import BANK_ORG, deal_action, investors, list_need, new_org, open_deal, published  # noqa: F401


def terms(**overrides):
    return pool.CloseIn.model_validate({"amount": "1000000.00", "annual_rate": "0.04", "term_months": 12,
                                        **overrides})


def test_an_ip_pledge_names_its_rights_and_no_other_deal_does():
    assert [f for f, _ in pool.check_terms("ip_pledge", terms())] == ["pledged_ip_right_ids"]
    assert pool.check_terms("ip_pledge", terms(pledged_ip_right_ids=["p-1"])) == []
    assert [f for f, _ in pool.check_terms("loan", terms(pledged_ip_right_ids=["p-1"]))] == ["pledged_ip_right_ids"]
    with pytest.raises(ValueError):
        terms(pledged_ip_right_ids=["p-1", "p-1"])


def test_pledged_rights_are_in_force_and_the_borrowers():
    uow = FakeUnitOfWork()
    for right_id, status, holders in (("p-1", "in_force", ["org-a"]), ("p-2", "pending", ["org-a"]),
                                      ("p-3", "in_force", ["org-b"]), ("p-4", "in_force", ["org-a"])):
        ip_right_event(uow, {"ip_right_id": right_id, "status": status, "holder_organization_ids": holders})
    ip_right_event(uow, {"ip_right_id": "p-4", "status": "lapsed", "holder_organization_ids": ["org-a"]})
    check_pledged_ip_rights(uow, ["p-1"], "org-a")
    with pytest.raises(Unprocessable) as refused:
        check_pledged_ip_rights(uow, ["p-1", "p-2", "p-3", "p-4", "p-9"], "org-a")
    assert refused.value.code == "unknown_link"
    assert [f["path"] for f in refused.value.fields] == [f"pledged_ip_right_ids.{i}" for i in (1, 2, 3, 4)]


def test_a_lapse_flags_each_closed_deal_that_pledged_the_right_once():
    uow = FakeUnitOfWork(Deal)
    at = dt.datetime(2026, 12, 3, tzinfo=dt.timezone.utc)
    for deal_id, status, pledged in (("d-1", "closed", ["p-1", "p-2"]), ("d-2", "closed", ["p-2"]),
                                     ("d-3", "due_diligence", []), ("d-4", "closed", ["p-1"])):
        uow.insert(Deal(id=deal_id, financing_project_id="f-1", organization_id="org-a", region_code="510100",
                        investor_id="i-1", investor_kind="bank", instrument="ip_pledge", status=status,
                        pledged_ip_right_ids=pledged, expressed_at=at, updated_at=at))
    lapse = {"ip_right_id": "p-1", "status": "lapsed", "holder_organization_ids": ["org-a"],
             "previous_status": "in_force", "effective_on": dt.date(2026, 11, 30)}
    assert ip_right_event(uow, {**lapse, "previous_status": None}) == []  # a recording pledged nothing
    assert sorted(ip_right_event(uow, lapse, changed=True)) == ["d-1", "d-4"]
    assert ip_right_event(uow, lapse, changed=True) == []  # once per deal and right
    assert uow.get(Deal, "d-1").pledge_lapsed == [{"ip_right_id": "p-1", "lapsed_on": "2026-11-30"}]
    assert not uow.get(Deal, "d-2").pledge_lapsed
    assert sorted(e.data["deal_id"] for e in uow.events if e.name == PLEDGE_LAPSED) == ["d-1", "d-4"]


def recorded(api, holder, status="in_force"):
    right_id = uuid.uuid4().hex
    publish_event(api, "registry.ip_right.recorded.v1", {
        "ip_right_id": right_id, "kind": "invention_patent", "number": "201810000001.2", "title": "一种提钒方法",
        "holder_organization_ids": [holder], "status": status, "filed_on": dt.date(2018, 1, 2),
        "granted_on": dt.date(2020, 1, 2) if status == "in_force" else None, "lapsed_on": None, "expires_on": None,
        "achievement_ids": []}, right_id)
    wait_for(lambda: api.db.ip_right_links.find_one({"_id": right_id}), message="the IP right replica")
    return right_id


@pytest.mark.integration
def test_an_ip_pledge_deal_closes_on_rights_the_borrower_holds_in_force(api, investors):  # noqa: F811
    org = new_org()
    contract_id = f"c-{uuid.uuid4().hex[:8]}"
    publish_event(api, "transactions.contract.registered.v1", {
        "contract_id": contract_id, "registration_number": "2026510100000078", "contract_type": "transfer",
        "contract_amount": Decimal("800000.00"), "technology_transaction_amount": Decimal("800000.00"),
        "seller_organization_id": org, "region_code": "510100", "registered_at": dt.datetime.now(dt.timezone.utc),
        "buyer_organization_id": "org-buyer"}, contract_id)
    wait_for(lambda: api.get(f"/api/v1/organizations/{org}/eligibility", token=api.institution(org)).json()[
        "ip_pledge_eligible"], message="the contract event to be consumed")
    project = list_need(api, org, instruments=["ip_pledge"], contract_ids=[contract_id])
    mine, pending, foreign = recorded(api, org), recorded(api, org, "pending"), recorded(api, "org-else")
    deal = open_deal(api, investors["bank"], BANK_ORG, project, "ip_pledge")
    assert deal_action(api, deal["id"], "due-diligence", BANK_ORG).status_code == 200
    body = {"amount": "1000000.00", "annual_rate": "0.0435", "term_months": 12}
    response = deal_action(api, deal["id"], "close", BANK_ORG,
                           {**body, "pledged_ip_right_ids": [mine, pending, foreign]})
    assert response.status_code == 422 and response.json()["code"] == "unknown_link", response.text
    assert [f["path"] for f in response.json()["fields"]] == ["pledged_ip_right_ids.1", "pledged_ip_right_ids.2"]
    response = deal_action(api, deal["id"], "close", BANK_ORG, body)
    assert response.status_code == 400 and response.json()["fields"][0]["path"] == "pledged_ip_right_ids"
    response = deal_action(api, deal["id"], "close", BANK_ORG, {**body, "pledged_ip_right_ids": [mine]})
    assert response.status_code == 200, response.text
    assert response.json()["pledged_ip_right_ids"] == [mine]
    [data] = published(api, "deal", "finance.deal.closed.v1", [deal["id"]])
    assert data["pledged_ip_right_ids"] == [mine] and data["instrument"] == "ip_pledge"

    # the pledged right lapses at the registry: the deal is flagged and it is announced, once
    for _ in range(2):
        publish_event(api, "registry.ip_right.status_changed.v1", {
            "ip_right_id": mine, "kind": "invention_patent", "number": "201810000001.2",
            "holder_organization_ids": [org], "previous_status": "in_force", "status": "lapsed",
            "effective_on": dt.date(2026, 11, 30)}, mine)
    wait_for(lambda: (api.db.deals.find_one({"_id": deal["id"]}) or {}).get("pledge_lapsed"),
             message="the lapse to reach the deal")
    flagged = api.get(f"/api/v1/deals/{deal['id']}", token=api.institution(BANK_ORG))
    assert flagged.json()["pledge_lapsed"] == [{"ip_right_id": mine, "lapsed_on": "2026-11-30"}], flagged.text
    [data] = published(api, "deal", "finance.deal.pledge_lapsed.v1", [deal["id"]])
    assert data["ip_right_id"] == mine and data["lapsed_on"] == dt.date(2026, 11, 30)
    assert data["organization_id"] == org and data["pledged_ip_right_ids"] == [mine]
