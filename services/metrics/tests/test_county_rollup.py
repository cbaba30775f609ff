"""Breakdowns by region roll county-level divisions up to their prefecture (issue 19, item 3): no server."""
import datetime as dt
from decimal import Decimal

from metrics.plan import load_plan
from metrics.progress import bucket, increments

PLAN = load_plan()
CONTRACT = "transactions.contract.registered.v1"
T2018 = dt.datetime(2018, 6, 1, 4, tzinfo=dt.timezone.utc)


def test_a_county_counts_in_its_prefecture_and_an_unknown_code_in_other():
    assert bucket("region", "510104") == "510100"  # 锦江区 in 成都市
    assert bucket("region", "513402") == "513400"  # 会理市 in 凉山彝族自治州
    assert bucket("region", "510700") == "510700"
    for unknown in ("510199", "110101", "5101"):
        assert bucket("region", unknown) == "other"


def test_an_event_of_a_county_moves_its_prefectures_figures():
    data = {"contract_id": "c", "registration_number": "5101002020000001", "contract_type": "transfer",
            "contract_amount": Decimal("10.00"), "technology_transaction_amount": Decimal("8.00"),
            "seller_organization_id": "o", "region_code": "510781", "registered_at": T2018, "programme": None}
    inc = increments(PLAN, CONTRACT, data)  # 510781 江油市, a county-level city of 绵阳市
    assert inc["contract_turnover_fen|region=510700"] == 800
    assert not any(key.endswith("region=510781") for key in inc)
