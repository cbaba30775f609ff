"""An achievement's trace (成果转化全链条, issue 18 item 4) on its public page: the rows' wording (unit), then in a real
browser against real identity, registry, transactions, metrics and portal processes — the public sees the public
entries with their amounts, the owning institution's clerk signed in sees besides what it is party to, and with the
metrics service down the trace says 暂不可用 while the rest of the page renders."""
from pathlib import Path

import pytest
import requests
from nameko.testing.utils import find_free_port

from ttp_testing import wait_for
from ttp_testing.browser import run_steps

from portal import traces

from _portal import ORG, browser_sign_in, publish, running_portal

STEPS = Path(__file__).with_name("trace_steps.py")


def test_a_traces_rows_say_when_which_service_what_happened_and_the_amounts_in_chinese():
    answer = {"entries": [
        {"at": "2026-03-02T03:00:00+00:00", "service": "registry", "event_type": "registry.achievement.published.v1",
         "record": {"kind": "achievement", "id": "a-1"}, "details": {"registration_number": "510100202610001",
                                                                    "title": "石墨烯导热膜", "programme": 3}},
        {"at": "2026-03-04T02:00:00+00:00", "service": "transactions",
         "event_type": "transactions.contract.registered.v1", "record": {"kind": "contract", "id": "c-1"},
         "details": {"registration_number": "5101002026000001", "contract_type": "transfer",
                     "contract_amount": "130000.00", "technology_transaction_amount": "120000.50",
                     "region_code": "510100"}},
        {"at": "2026-05-06T00:00:00+00:00", "service": "innovation", "event_type": "innovation.incubation.entered.v1",
         "record": {"kind": "incubation", "id": "inc-1"},
         "details": {"carrier_id": "car-1", "enterprise_organization_id": "org-startup", "entered_on": "2026-05-06",
                     "carrier_kind": "incubator"}},
        {"at": "2026-05-07T00:00:00+00:00", "service": "registry", "event_type": "registry.disclosure.decided.v1",
         "record": {"kind": "disclosure", "id": "d-1"}, "details": {"decision": "licence", "late": False}},
        {"at": "2026-05-08T00:00:00+00:00", "service": "elsewhere", "event_type": "elsewhere.thing.done.v1",
         "record": {"kind": "thing", "id": "t"}, "details": {}}]}
    rows = traces.rows(answer)
    assert [(r["service"], r["event"]) for r in rows] == [
        ("科技成果登记", "成果登记：公开"), ("技术市场", "技术合同：认定登记"), ("创新载体", "孵化：入驻"),
        ("科技成果登记", "职务成果披露：单位决定"), ("elsewhere", "elsewhere.thing.done.v1")]  # unknown: as it is
    assert rows[0]["facts"] == [("登记号", "510100202610001")]
    assert rows[1]["facts"] == [("登记号", "5101002026000001"), ("合同类型", "技术转让"), ("合同金额", "¥130,000.00"),
                                ("技术交易额", "¥120,000.50")]
    assert rows[2]["facts"] == [("载体", "car-1"), ("在孵企业", "org-startup"), ("入驻日期", "2026-05-06")]
    assert rows[3]["facts"] == [("单位决定", "许可")]
    assert traces.rows(None) == [] and traces.rows({"entries": []}) == []


@pytest.fixture(scope="module")
def stack():
    with running_portal() as running:
        yield running


def trace_of(stack, achievement_id, token=None):
    response = requests.get(f"{stack.urls['metrics']}/api/v1/trace/achievements/{achievement_id}", timeout=10,
                            headers={"Authorization": f"Bearer {token}"} if token else {})
    return response.json()["entries"] if response.status_code == 200 else []


@pytest.mark.integration
def test_an_achievements_page_shows_its_trace_to_each_caller_and_says_when_metrics_is_away(stack, tmp_path):
    title = "攀枝花钒钛磁铁矿选冶一体化技术（追溯）"
    achievement_id = publish(stack, title)
    seller = stack.token("institution", org=ORG)

    def listed():  # transactions learns of the publication from the registry's event
        made = requests.post(f"{stack.urls['transactions']}/api/v1/listings", timeout=10,
                             headers={"Authorization": f"Bearer {seller}"},
                             json={"achievement_id": achievement_id, "mode": "transfer", "asking_price": "480000"})
        return made.status_code == 201

    wait_for(listed, timeout=60, interval=1, message="the listing of the published achievement")
    wait_for(lambda: len(trace_of(stack, achievement_id, stack.token("admin"))) >= 4, timeout=60, interval=1,
             message="the trace's submission, registration, publication and listing")

    public = run_steps(STEPS, "achievement_trace", portal=stack.portal_url, achievement_id=achievement_id)
    assert public["status"] == 200 and public["h1"] == title and not public["wider_than_screen"]
    assert public["kinds"] == ["achievement", "listing"], public["rows"]
    assert "科技成果登记" in public["rows"][0] and "成果登记：公开" in public["rows"][0]
    assert "成果挂牌：挂牌" in public["rows"][1] and "挂牌价 ¥480,000.00" in public["rows"][1]

    # a contract of the achievement, registered: its row on the public trace links the contract's own trace
    contract = requests.post(f"{stack.urls['transactions']}/api/v1/contracts", timeout=10,
                             headers={"Authorization": f"Bearer {seller}"},
                             json={"contract_type": "transfer", "title": "钒钛选冶技术转让合同", "contract_amount": "800000",
                                   "technology_transaction_amount": "600000", "seller_organization_id": ORG,
                                   "buyer_name": "攀枝花某钒钛企业", "region_code": "510100",
                                   "achievement_id": achievement_id})
    assert contract.status_code == 201, contract.text
    contract_id = contract.json()["id"]
    registered = requests.post(f"{stack.urls['transactions']}/api/v1/contracts/{contract_id}/register", json={},
                               timeout=10, headers={"Authorization": f"Bearer {stack.token('registrar', region='510100')}"})
    assert registered.status_code == 200, registered.text
    wait_for(lambda: any(e["event_type"].endswith("contract.registered.v1") for e in trace_of(stack, achievement_id)),
             timeout=60, interval=1, message="the registered contract in the public trace")
    followed = run_steps(STEPS, "contract_trace_from", portal=stack.portal_url, achievement_id=achievement_id)
    assert followed["url"] == f"{stack.portal_url}/contracts/{contract_id}/trace" and followed["h1"] == "技术合同全链条"
    assert followed["kinds"] == ["achievement", "contract"] and not followed["wider_than_screen"], followed["rows"]
    assert "技术合同：认定登记" in followed["rows"][1] and "技术交易额 ¥600,000.00" in followed["rows"][1]
    assert "合同类型 技术转让" in followed["rows"][1]
    nothing = requests.get(f"{stack.portal_url}/contracts/no-such-contract/trace", timeout=10)
    assert nothing.status_code == 404 and "没有这份技术合同的记录" in nothing.text

    clerk = browser_sign_in(stack, tmp_path, "dev-institution")  # the owning organization's
    own = run_steps(STEPS, "achievement_trace", portal=stack.portal_url, achievement_id=achievement_id,
                    state_file=clerk)
    events = [row.split(" · ")[2] for row in own["rows"]]
    assert events[:3] == ["成果登记：提交", "成果登记：登记", "成果登记：公开"] and "成果挂牌：挂牌" in events
    assert any("登记号" in row for row in own["rows"][1:3])

    stopped = {name: stack.urls[name] for name in ("registry", "transactions")}
    with stack.portal({**stopped, "metrics": f"http://127.0.0.1:{find_free_port()}"}, name="门户（metrics停止）") as (
            url, _, _):
        away = run_steps(STEPS, "achievement_trace", portal=url, achievement_id=achievement_id)
    assert away["status"] == 200 and away["h1"] == title and "TRL 7" in away["facts"]
    assert "成果转化全链条暂不可用" in away["main"] and away["rows"] == []
    assert "挂牌价 ¥480,000.00" in away["main"]  # the listings (transactions) still show
