"""Duty-achievement disclosure (职务科技成果披露): the rules, and the handlers over a fake unit of work (what each step
stores and announces, and what it refuses), without any server."""
import datetime as dt

import pytest
from pydantic import ValidationError

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import NotAllowed, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from registry import disclosures
from registry.achievements import ClassifiedRefused
from registry.disclosures import DecisionIn, DisclosureIn
from registry.documents import Achievement, Disclosure, PlanProject
from registry.handlers import disclosures as handlers

ORG = "org-swjtu"
RESEARCHER = Principal(sub="researcher-li", role=Roles.INSTITUTION, org=ORG)
CLERK = Principal(sub="tto-clerk", role=Roles.INSTITUTION, org=ORG)  # the institution's transfer office
STRANGER = Principal(sub="other-clerk", role=Roles.INSTITUTION, org="org-other")
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def disclosure_in(**overrides):
    return DisclosureIn.model_validate({"basis": "job_duties", "achievement": {
        "title": "钢轨波磨在线检测方法", "type": "applied", "summary": "基于车载振动信号的钢轨波磨在线检测方法。",
        "keywords": ["钢轨", "波磨"], "industry": "轨道交通装备", "trl": 5, "region_code": "510100",
        "organization_ids": [ORG], "contributors": [{"name": "李四", "share": "70"}, {"name": "周八", "share": "30"}],
        "funding": {"fiscal": False}, **overrides}})


# -- rules ------------------------------------------------------------------------------------------

def test_the_decision_is_due_the_configured_number_of_days_after_the_disclosure_and_overdue_after_that():
    due = disclosures.due_date(dt.date(2026, 12, 1), 60)
    assert due == dt.date(2027, 1, 30)
    assert not disclosures.is_overdue("disclosed", False, due, dt.date(2027, 1, 30))  # the last day is still in time
    assert disclosures.is_overdue("disclosed", False, due, dt.date(2027, 1, 31))
    assert not disclosures.is_overdue("disclosed", True, due, dt.date(2027, 3, 1))  # flagged once
    assert not disclosures.is_overdue("decided", False, due, dt.date(2027, 3, 1))


@pytest.mark.parametrize("value, days", [("60", 60), (1, 1), (365, 365)])
def test_the_decision_period_is_1_to_365_days(value, days):
    assert disclosures.decision_days(value) == days


@pytest.mark.parametrize("value", [0, -5, 366, "many"])
def test_a_decision_period_outside_1_to_365_days_is_refused(value):
    with pytest.raises(ValueError):
        disclosures.decision_days(value)


def test_a_decision_names_one_of_the_five_ways_and_why():
    assert DecisionIn(decision="licence", reasons="许可给省内企业实施").decision == "licence"
    with pytest.raises(ValidationError):
        DecisionIn(decision="sell", reasons="理由")
    with pytest.raises(ValidationError):
        DecisionIn(decision="transfer", reasons="")


def test_only_a_kept_decided_disclosure_becomes_a_draft_and_only_once():
    disclosures.check_draftable("decided", "own_implementation", None)
    with pytest.raises(TransitionRefused):
        disclosures.check_draftable("disclosed", None, None)
    with pytest.raises(TransitionRefused):
        disclosures.check_draftable("decided", "left_to_inventors", None)
    with pytest.raises(TransitionRefused):
        disclosures.check_draftable("decided", "transfer", "achievement-1")


def test_the_discloser_does_not_decide_on_their_own_disclosure():
    with pytest.raises(NotAllowed):
        disclosures.check_decider("researcher-li", "researcher-li")
    disclosures.check_decider("researcher-li", "tto-clerk")


# -- handlers over a fake unit of work ------------------------------------------------------------

@pytest.fixture
def uow():
    return FakeUnitOfWork(Disclosure, Achievement, PlanProject, service="registry")


def test_each_step_is_an_event_without_the_achievements_text(uow):
    disclosure = handlers.disclose(uow, disclosure_in(), RESEARCHER, AT, 30)
    assert (disclosure.status, disclosure.due_date, disclosure.disclosed_by) == ("disclosed", "2026-12-31",
                                                                                  "researcher-li")
    decided = handlers.decide(uow, disclosure.id, DecisionIn(decision="transfer", reasons="已有企业意向受让"), CLERK,
                              AT + dt.timedelta(days=3))
    assert (decided.status, decided.decision, decided.decided_late) == ("decided", "transfer", False)
    achievement = handlers.draft(uow, disclosure.id, CLERK, AT + dt.timedelta(days=4))
    assert achievement.status == "draft" and achievement.record == disclosure.record  # nothing retyped
    assert uow.get(Disclosure, disclosure.id).achievement_id == achievement.id

    assert uow.names() == [handlers.DISCLOSED, handlers.DECIDED, handlers.DRAFTED]
    first, then, last = (event.data for event in uow.events)
    assert first["due_date"] == dt.date(2026, 12, 31) and first["inventors"] == 2 and first["basis"] == "job_duties"
    assert then["decision"] == "transfer" and then["late"] is False
    assert last["achievement_id"] == achievement.id
    for event in uow.events:
        text = repr(event.data)
        assert "钢轨" not in text and "李四" not in text and "已有企业意向受让" not in text


def test_a_late_decision_is_taken_and_says_it_was_late(uow):
    disclosure = handlers.disclose(uow, disclosure_in(), RESEARCHER, AT, 30)
    decided = handlers.decide(uow, disclosure.id, DecisionIn(decision="left_to_inventors", reasons="单位无实施计划"),
                              CLERK, AT + dt.timedelta(days=31))
    assert decided.decided_late is True and uow.events[-1].data["late"] is True
    with pytest.raises(TransitionRefused):  # left to the inventors: the institution does not register it
        handlers.draft(uow, disclosure.id, CLERK, AT + dt.timedelta(days=32))
    assert uow.count(Achievement) == 0


def test_an_overdue_disclosure_is_flagged_once(uow):
    disclosure = handlers.disclose(uow, disclosure_in(), RESEARCHER, AT, 30)
    assert handlers.flag_overdue(uow, disclosure.id, dt.date(2026, 12, 31)) is None  # the last day
    assert handlers.flag_overdue(uow, disclosure.id, dt.date(2027, 1, 1)) == disclosure.id
    assert handlers.flag_overdue(uow, disclosure.id, dt.date(2027, 1, 2)) is None
    assert uow.names() == [handlers.DISCLOSED, handlers.OVERDUE]
    assert uow.get(Disclosure, disclosure.id).overdue is True


def test_who_may_disclose_decide_and_draft(uow):
    with pytest.raises(Forbidden):  # to another institution
        handlers.disclose(uow, disclosure_in(organization_ids=["org-other"]), RESEARCHER, AT, 30)
    disclosure = handlers.disclose(uow, disclosure_in(), RESEARCHER, AT, 30)
    with pytest.raises(NotAllowed):
        handlers.decide(uow, disclosure.id, DecisionIn(decision="transfer", reasons="自己决定"), RESEARCHER, AT)
    with pytest.raises(Forbidden):
        handlers.decide(uow, disclosure.id, DecisionIn(decision="transfer", reasons="别人决定"), STRANGER, AT)
    handlers.decide(uow, disclosure.id, DecisionIn(decision="investment", reasons="作价入股"), CLERK, AT)
    with pytest.raises(TransitionRefused):
        handlers.decide(uow, disclosure.id, DecisionIn(decision="transfer", reasons="再决定"), CLERK, AT)
    with pytest.raises(Forbidden):
        handlers.draft(uow, disclosure.id, STRANGER, AT)
    assert uow.names() == [handlers.DISCLOSED, handlers.DECIDED]


def test_a_classified_achievement_is_not_disclosed_here(uow):
    with pytest.raises(ClassifiedRefused):
        handlers.disclose(uow, disclosure_in(secrecy="secret"), RESEARCHER, AT, 30)
    assert uow.events == [] and uow.count(Disclosure) == 0
