"""The reward handler over a fake unit of work: what a recorded plan stores and announces, compliant or
flagged, and what it refuses."""
import datetime as dt
from decimal import Decimal

import pytest

from talent.documents import AchievementReplica, RewardPlan
from ttp_common.refusals import Invalid, Unprocessable
from talent.handlers import rewards as handlers
from talent.rewards import RewardPlanIn
from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden

UESTC = Principal(sub="tto-a", role=Roles.INSTITUTION, org="org-uestc")
AT = dt.datetime(2026, 5, 1, tzinfo=dt.timezone.utc)


def plan(**changes):
    return RewardPlanIn(**{"organization_id": "org-uestc", "achievement_id": "ach-9", "mode": "transfer",
                           "occurred_on": "2026-05-20", "net_income_yuan": "2000000.00",
                           "allocations": [{"person_id": "p-1", "cash_yuan": "600000.00"},
                                           {"person_id": "p-2", "cash_yuan": "400000.00"}], **changes})


@pytest.fixture(autouse=True)
def published(uow):
    """ach-9 as the replica of the registry's events holds it: published."""
    uow.insert(AchievementReplica(id="ach-9", organization_ids=["org-uestc"], status="published"))


@pytest.mark.parametrize("status, says", [(None, "is not known here yet"), ("submitted", "is submitted, not yet"),
                                          ("withdrawn", "is withdrawn")])
def test_a_plan_for_an_achievement_not_registered_or_withdrawn_is_refused_and_nothing_stored(uow, status, says):
    if status:
        uow.insert(AchievementReplica(id="ach-x", organization_ids=["org-uestc"], status=status))
    with pytest.raises(Unprocessable) as refused:
        handlers.record(uow, plan(achievement_id="ach-x"), UESTC)
    assert [f["path"] for f in refused.value.fields] == ["achievement_id"] and says in refused.value.message
    assert uow.count(RewardPlan) == 0 and uow.events == []


def test_a_compliant_plan_is_stored_with_its_check_and_announced(uow):
    recorded = handlers.record(uow, plan(), UESTC)

    stored = uow.get(RewardPlan, recorded.id)
    assert (stored.organization_id, stored.compliant, stored.created_by) == ("org-uestc", True, "tto-a")
    assert stored.check == {"compliant": True, "basis": "statutory", "source": "促进科技成果转化法(2015) 第四十五条",
                            "required_percent": "50", "actual_percent": "50.0000", "findings": [],
                            "state_established": None}  # the registry has not announced org-uestc
    assert stored.record["allocations"][0]["cash_yuan"] == "600000.00"
    [event] = uow.events
    assert event.name == "talent.reward.recorded.v1" and event.subject == recorded.id
    assert event.data["total_cash_yuan"] == Decimal("1000000.00") and event.data["total_share_percent"] is None
    assert event.data["contributor_person_ids"] == ["p-1", "p-2"] and event.data["findings"] == []


def test_a_plan_short_of_the_minimum_is_stored_flagged_with_its_finding(uow):
    recorded = handlers.record(uow, plan(allocations=[{"person_id": "p-1", "cash_yuan": "999999.99"}]), UESTC)

    stored = uow.get(RewardPlan, recorded.id)
    assert stored.compliant is False and stored.check["actual_percent"] == "49.9999"  # rounded down, never 50
    [finding] = stored.check["findings"]
    assert finding["code"] == "below_minimum"
    [event] = uow.events
    assert (event.data["compliant"], event.data["actual_percent"]) == (False, Decimal("49.9999"))
    assert event.data["findings"] == [finding["message"]]


def test_the_registrys_state_established_record_holds_own_rules_to_article_45(uow):
    """第四十五条第二款: once the registry's event says org-uestc is state-established, its own 30% rules no
    longer make a 30% plan compliant; an organization it says is not keeps the precedence of its rules."""
    own = {"reference": "《电子科技大学科技成果转化管理办法》第十条", "minimum_percent": "30"}
    thirty = [{"person_id": "p-1", "cash_yuan": "600000.00"}]
    handlers.note_organization(uow, {"organization_id": "org-uestc", "kind": "university", "state_established": True},
                               AT)
    handlers.note_organization(uow, {"organization_id": "org-swjtu", "kind": "university"}, AT)
    flagged = handlers.record(uow, plan(own_rules=own, allocations=thirty), UESTC)
    assert flagged.compliant is False and flagged.check["state_established"] is True
    assert flagged.check["required_percent"] == "50" and flagged.check["basis"] == "own_rules"
    assert "第四十五条第二款" in flagged.check["findings"][0]["message"]
    assert uow.events[-1].data["compliant"] is False and uow.events[-1].data["required_percent"] == Decimal("50")
    swjtu = Principal(sub="tto-b", role=Roles.INSTITUTION, org="org-swjtu")  # revision 2 event: not stated
    kept = handlers.record(uow, plan(organization_id="org-swjtu", own_rules=own, allocations=thirty), swjtu)
    assert kept.compliant is True and kept.check["state_established"] is None


def test_given_amounts_are_kept_to_the_fen(uow):
    """A given amount is whole fen (a fraction is refused by the model): "1000000" and "1000000.000" yuan are
    both stored and announced as 1000000.00."""
    recorded = handlers.record(uow, plan(net_income_yuan="2000000.0000",
                                         allocations=[{"person_id": "p-1", "cash_yuan": "1000000"}]), UESTC)
    stored = uow.get(RewardPlan, recorded.id)
    assert (stored.record["net_income_yuan"], stored.record["allocations"][0]["cash_yuan"]) == (
        "2000000.00", "1000000.00")
    assert uow.events[0].data["total_cash_yuan"] == Decimal("1000000.00")


def test_a_plan_names_every_misplaced_field_and_belongs_to_its_organization(uow):
    with pytest.raises(Invalid) as refused:
        handlers.record(uow, plan(shares_percent="10", years=3,
                                  allocations=[{"person_id": "p-1", "cash_yuan": "1.00", "share_percent": "1"},
                                               {"person_id": "p-1", "cash_yuan": "1.00"}]), UESTC)
    assert [f["path"] for f in refused.value.fields] == [
        "shares_percent", "years", "allocations.0.share_percent", "allocations.1.person_id"]
    with pytest.raises(Forbidden):
        handlers.record(uow, plan(), Principal(sub="tto-b", role=Roles.INSTITUTION, org="org-swjtu"))
    assert uow.count(RewardPlan) == 0 and uow.events == []


# -- citing a contract's verified technical income (技术性收入核定) ---------------------------------

def verified(uow, total="1800000.00", contract_id="c-9", seller="org-uestc", achievement_id="ach-9"):
    handlers.note_verified_income(uow, {"contract_id": contract_id, "seller_organization_id": seller,
                                        "achievement_id": achievement_id,
                                        "contract_verified_income": Decimal(total)}, AT)


def test_a_plan_citing_a_contract_takes_its_verified_income_as_the_net_income(uow):
    verified(uow, "1000000.00")
    verified(uow, "2000000.00")
    verified(uow, "1000000.00")  # an earlier verification redelivered late: the total never goes down
    recorded = handlers.record(uow, plan(contract_id="c-9", net_income_yuan=None), UESTC)

    assert recorded.record["net_income_yuan"] == "2000000.00" and recorded.record["contract_id"] == "c-9"
    assert recorded.compliant is True
    assert uow.events[-1].data["contract_id"] == "c-9"
    assert handlers.record(uow, plan(contract_id="c-9", net_income_yuan="1500000.00",
                                     allocations=[{"person_id": "p-1", "cash_yuan": "750000.00"}]), UESTC).compliant


@pytest.mark.parametrize("setup, changes, field, code", [
    (None, {}, "contract_id", "unverified_income"),
    ({"seller": "org-other"}, {}, "contract_id", "unverified_income"),
    ({"achievement_id": "ach-other"}, {}, "contract_id", "unverified_income"),
    ({"total": "1800000.00"}, {}, "net_income_yuan", "above_verified_income"),
    ({}, {"mode": "investment", "net_income_yuan": None, "shares_percent": "20",
          "allocations": [{"person_id": "p-1", "share_percent": "10"}]}, "contract_id", "not_income_based"),
])
def test_a_plan_citing_an_unverified_contract_or_more_than_it_verified_is_422_naming_the_field(
        uow, setup, changes, field, code):
    if setup is not None:
        verified(uow, **setup)
    with pytest.raises(Unprocessable) as refused:
        handlers.record(uow, plan(contract_id="c-9", **changes), UESTC)
    assert [f["path"] for f in refused.value.fields] == [field] and refused.value.code == code
    assert uow.count(RewardPlan) == 0 and uow.events == []
