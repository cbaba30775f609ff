"""How events move the plan's figures, and progress against the targets: no server needed."""
from collections import Counter
from decimal import Decimal

import pytest

from metrics.domain import TARGETS, from_fen, increments, progress, to_fen


def contract(amount, turnover, region="510100"):
    return {"contract_id": "c", "registration_number": "5101002020000001", "contract_type": "transfer",
            "contract_amount": Decimal(amount), "technology_transaction_amount": Decimal(turnover),
            "seller_organization_id": "o", "region_code": region}


def apply(events):
    """Counter values after the events, as the consumer's $inc would leave them."""
    counters = Counter()
    for name, data in events:
        counters.update(increments(name, data))
    return dict(counters)


def target(rows, key):
    return next(row for row in rows if row["key"] == key)


def test_the_plans_headline_targets():
    goals = {t.key: (t.goal, t.unit) for t in TARGETS}
    assert goals == {
        "transformation_projects": (Decimal(2000), "count"),
        "major_transformation_projects": (Decimal(500), "count"),
        "promoted_technologies": (Decimal(1500), "count"),
        "service_institutions": (Decimal(1000), "count"),
        "contract_turnover_yuan": (Decimal("200000000000"), "yuan"),
    }
    assert goals["major_transformation_projects"][0] + goals["promoted_technologies"][0] == \
        goals["transformation_projects"][0]


def test_fen_conversion_is_exact_and_refuses_fractions_of_a_fen():
    assert to_fen(Decimal("0.01")) == 1
    assert to_fen(Decimal("199999999999.99")) == 19_999_999_999_999
    assert from_fen(3) == Decimal("0.03") and str(from_fen(3)) == "0.03"
    for amount in ("0.001", "0.005", "12.345"):  # never silently rounded
        with pytest.raises(ValueError):
            to_fen(Decimal(amount))


def test_registration_alone_does_not_count_as_a_service_institution():
    inc = increments("registry.organization.registered.v1",
                     {"organization_id": "o", "kind": "service_institution", "region_code": "510700"})
    assert inc == {"organizations_registered": 1, "organizations_registered|region=510700": 1}


def test_an_accreditation_counts_towards_the_target_and_a_revocation_takes_it_back():
    data = {"organization_id": "o", "region_code": "510700"}
    accredited = increments("registry.organization.accredited.v1", data)
    revoked = increments("registry.organization.accreditation_revoked.v1", {**data, "reason": "x"})
    assert accredited == {"service_institutions": 1, "service_institutions|region=510700": 1}
    assert revoked == {"service_institutions": -1, "service_institutions|region=510700": -1}


def test_a_contract_counts_its_technology_transaction_amount_as_turnover():
    inc = increments("transactions.contract.registered.v1", contract("1000.50", "800.25", region="511300"))
    assert inc == {"contracts_registered": 1, "contract_amount_fen": 100050, "contract_turnover_fen": 80025,
                   "contract_turnover_fen|region=511300": 80025}


@pytest.mark.parametrize("category, counter", [("major", "major_transformation_projects"),
                                               ("promoted", "promoted_technologies")])
def test_an_approved_project_counts_in_total_in_its_category_and_programme(category, counter):
    inc = increments("finance.project.approved.v1", {"project_id": "p", "category": category, "programme": 15})
    assert inc == {"transformation_projects": 1, counter: 1, "transformation_projects|programme=15": 1}


def test_people_are_counted_and_unknown_events_change_nothing():
    person = {"person_id": "p", "kinds": ["broker"]}
    assert increments("talent.person.registered.v1", person) == {"people_registered": 1}
    assert increments("metrics.task.updated.v1", {"task_id": "t"}) == {}


def test_point_one_plus_point_two_yuan_is_exactly_point_three():
    counters = apply([("transactions.contract.registered.v1", contract("0.10", "0.10")),
                      ("transactions.contract.registered.v1", contract("0.20", "0.20"))])
    turnover = target(progress(counters), "contract_turnover_yuan")
    assert turnover["value"] == Decimal("0.30") and str(turnover["value"]) == "0.30"
    assert counters["contract_turnover_fen"] == 30


def test_many_small_amounts_sum_exactly():
    events = [("transactions.contract.registered.v1", contract("0.01", "0.01"))] * 10_000
    turnover = target(progress(apply(events)), "contract_turnover_yuan")
    assert turnover["value"] == Decimal("100.00")


def test_progress_lists_every_target_with_goal_value_and_ratio():
    events = ([("finance.project.approved.v1", {"category": "major", "programme": 1})] * 3
              + [("finance.project.approved.v1", {"category": "promoted", "programme": 2})]
              + [("transactions.contract.registered.v1", contract("150000000000.00", "100000000000.00"))])
    rows = progress(apply(events))
    assert [row["key"] for row in rows] == [t.key for t in TARGETS]
    for row in rows:
        assert set(row) == {"key", "label", "unit", "goal", "value", "ratio"} and row["label"]
    assert target(rows, "transformation_projects")["value"] == Decimal(4)
    assert target(rows, "transformation_projects")["ratio"] == 4 / 2000
    assert target(rows, "major_transformation_projects")["value"] == Decimal(3)
    assert target(rows, "promoted_technologies")["value"] == Decimal(1)
    assert target(rows, "service_institutions")["value"] == Decimal(0)
    turnover = target(rows, "contract_turnover_yuan")  # 技术交易额, not the contract amount
    assert turnover["value"] == Decimal("100000000000.00") and turnover["ratio"] == 0.5


def test_progress_of_nothing_is_zero_everywhere():
    for row in progress({}):
        assert row["value"] == 0 and row["ratio"] == 0
