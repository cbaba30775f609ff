"""Certification, training, performance, expert and reward rules, without any server."""
import datetime as dt
from decimal import Decimal

import pytest

from pydantic import ValidationError

from talent import certification, experts, performance, rewards, training
from talent.experts import AssignmentIn
from talent.field_refusals import RuleNotMet
from talent.people import TalentProgrammeIn
from talent.rewards import OwnRulesIn, RewardPlanIn
from ttp_common.refusals import Conflict, Invalid, TransitionRefused

TODAY = dt.date(2026, 11, 27)


# -- broker certification ------------------------------------------------------------------

def course(level, hours, passed=True, kind="broker_course"):
    return {"kind": kind, "level": level, "hours": hours, "passed": passed}


def cert(level, status="active", valid_until="2029-11-26"):
    return {"level": level, "status": status, "valid_until": valid_until}


def test_levels_are_data_with_rising_requirements_and_a_chain_of_prerequisites():
    levels = certification.LEVELS
    assert [levels[k].label for k in levels] == ["初级技术经纪人", "中级技术经纪人", "高级技术经理人"]
    assert [levels[k].prerequisite for k in levels] == [None, "junior", "intermediate"]
    assert levels["junior"].hours < levels["intermediate"].hours < levels["senior"].hours


def test_junior_needs_its_hours_and_a_passed_assessment():
    assert certification.unmet_requirements("junior", [course("junior", 48)], [], TODAY) == []
    assert certification.unmet_requirements("junior", [course("junior", 24), course("junior", 24)], [], TODAY) == []
    assert certification.unmet_requirements("junior", [course("junior", 47)], [], TODAY) == [
        "completed 47 of 48 course hours at this level"]
    assert certification.unmet_requirements("junior", [course("junior", 48, passed=False)], [], TODAY) == [
        "passed 0 of 1 assessments at this level"]


def test_only_broker_courses_of_the_level_count():
    other = [course("intermediate", 100), course(None, 100, kind="continuing")]
    assert certification.unmet_requirements("junior", other, [], TODAY) == [
        "completed 0 of 48 course hours at this level", "passed 0 of 1 assessments at this level"]


def test_higher_levels_need_a_valid_certificate_of_the_level_below():
    courses = [course("intermediate", 64)]
    assert certification.unmet_requirements("intermediate", courses, [], TODAY) == [
        "needs a valid 初级技术经纪人 certificate first"]
    assert certification.unmet_requirements("intermediate", courses, [cert("junior")], TODAY) == []
    assert certification.unmet_requirements("intermediate", courses, [cert("junior", "suspended")], TODAY) == [
        "needs a valid 初级技术经纪人 certificate first"]
    assert certification.unmet_requirements("intermediate", courses, [cert("junior", valid_until="2026-11-26")],
                                            TODAY) == ["needs a valid 初级技术经纪人 certificate first"]


def test_senior_needs_two_passed_assessments():
    held = [cert("junior"), cert("intermediate")]
    assert certification.unmet_requirements("senior", [course("senior", 80)], held, TODAY) == [
        "passed 1 of 2 assessments at this level"]
    assert certification.unmet_requirements("senior", [course("senior", 40), course("senior", 40)], held,
                                            TODAY) == []


def test_a_valid_certificate_of_the_same_level_is_not_issued_twice():
    assert certification.unmet_requirements("junior", [course("junior", 48)], [cert("junior")], TODAY) == [
        "already holds a valid 初级技术经纪人 certificate"]
    expired = cert("junior", valid_until="2026-01-01")
    assert certification.unmet_requirements("junior", [course("junior", 48)], [expired], TODAY) == []


def test_a_suspended_certificate_of_the_level_blocks_a_new_one_naming_its_state():
    suspended = {**cert("junior", "suspended"), "number": "SCTB-2026-J-00007"}
    with pytest.raises(Conflict) as exc:
        certification.check_not_suspended("junior", [suspended], TODAY)
    assert "SCTB-2026-J-00007 is suspended" in exc.value.message
    assert exc.value.field == "level"
    certification.check_not_suspended("intermediate", [suspended], TODAY)  # another level: not blocked here
    certification.check_not_suspended("junior", [{**suspended, "valid_until": "2026-11-26"}], TODAY)  # expired
    certification.check_not_suspended("junior", [{**suspended, "status": "active"}], TODAY)


def test_certificate_numbers_are_readable_and_distinct_per_level_year_and_serial():
    assert certification.certificate_number("junior", 2026, 1) == "SCTB-2026-J-00001"
    assert certification.certificate_number("senior", 2026, 12345) == "SCTB-2026-S-12345"
    numbers = {certification.certificate_number(level, 2026, serial)
               for level in certification.LEVELS for serial in (1, 2)}
    assert len(numbers) == 6
    with pytest.raises(ValueError):
        certification.certificate_number("junior", 2026, 0)


def test_serials_past_99999_widen_and_old_numbers_keep_their_form():
    assert certification.certificate_number("junior", 2026, 99999) == "SCTB-2026-J-99999"
    assert certification.certificate_number("junior", 2026, 100000) == "SCTB-2026-J-100000"
    assert certification.certificate_number("senior", 2026, 1234567) == "SCTB-2026-S-1234567"
    assert certification.certificate_number("junior", 2026, 10000) != certification.certificate_number(
        "junior", 2026, 100000)


def test_validity_runs_three_years_to_the_day_before_the_anniversary():
    assert certification.valid_until("junior", dt.date(2026, 11, 27)) == dt.date(2029, 11, 26)
    assert certification.valid_until("senior", dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)


def test_suspension_and_reinstatement():
    assert certification.check_transition("suspend", cert("junior"), TODAY) == "suspended"
    assert certification.check_transition("suspend", cert("junior", "suspended"), TODAY) is None
    assert certification.check_transition("reinstate", cert("junior", "suspended"), TODAY) == "active"
    assert certification.check_transition("reinstate", cert("junior"), TODAY) is None
    expired = cert("junior", "suspended", valid_until="2026-11-26")
    assert certification.certificate_status(expired, TODAY) == "expired"
    assert certification.check_transition("reinstate", expired, TODAY) is None
    assert certification.transition("suspend", cert("junior"), TODAY) == "suspended"
    with pytest.raises(TransitionRefused, match="cannot reinstate a certificate that is expired"):
        certification.transition("reinstate", expired, TODAY)


# -- training ------------------------------------------------------------------------------

PROGRAMME = {"sessions": [{"code": "S1", "hours": 8}, {"code": "S2", "hours": 8}], "required_hours": 16,
             "pass_mark": 60, "assessment_required": True}


def enrolment(**changes):
    return {"status": "enrolled", "attended": [], "attended_hours": 0, "passed": False, **changes}


def test_attendance_counts_each_session_once():
    assert training.attend(enrolment(), PROGRAMME, "S1") == 8
    with pytest.raises(Conflict):
        training.attend(enrolment(attended=["S1"]), PROGRAMME, "S1")
    with pytest.raises(RuleNotMet):
        training.attend(enrolment(), PROGRAMME, "S9")
    with pytest.raises(Conflict):
        training.attend(enrolment(status="completed"), PROGRAMME, "S2")


def test_assessment_passes_at_the_pass_mark():
    assert training.assess(enrolment(), PROGRAMME, 60) is True
    assert training.assess(enrolment(), PROGRAMME, 59) is False


def test_completion_needs_the_hours_and_a_passed_assessment():
    assert training.completion_shortfalls(enrolment(attended_hours=16, passed=True), PROGRAMME) == []
    assert training.completion_shortfalls(enrolment(attended_hours=8, passed=False), PROGRAMME) == [
        "attended 8 of 16 required hours", "no passed assessment"]
    no_exam = {**PROGRAMME, "assessment_required": False}
    assert training.completion_shortfalls(enrolment(attended_hours=16), no_exam) == []
    with pytest.raises(RuleNotMet):
        training.check_completable(enrolment(attended_hours=8, passed=True), PROGRAMME)


def programme_in(**changes):
    return training.ProgrammeIn(**{
        "title": "初级技术经纪人培训班", "kind": "broker_course", "level": "junior",
        "provider_organization_id": "org-base", "provider_name": "国家技术转移西南中心人才培养基地",
        "sessions": [{"code": "S1", "topic": "通识", "date": "2026-03-01", "hours": 24},
                     {"code": "S2", "topic": "政策法规", "date": "2026-03-02", "hours": 24}], **changes})


@pytest.mark.parametrize("changes, path", [
    ({"level": None}, "level"),
    ({"kind": "continuing"}, "level"),
    ({"required_hours": 49}, "required_hours"),
    ({"sessions": [{"code": "S1", "topic": "a", "date": "2026-03-01", "hours": 8},
                   {"code": "S1", "topic": "b", "date": "2026-03-02", "hours": 8}]}, "sessions.1.code"),
])
def test_programme_cross_field_rules_name_the_field(changes, path):
    with pytest.raises(Invalid) as exc:
        training.check_programme(programme_in(**changes))
    assert [f["path"] for f in exc.value.fields] == [path]


@pytest.mark.parametrize("make, path", [
    (lambda: programme_in(pass_mark=True), "pass_mark"),
    (lambda: programme_in(required_hours=True), "required_hours"),
    (lambda: programme_in(sessions=[{"code": "S1", "topic": "通识", "date": "2026-03-01", "hours": True}]),
     "sessions.0.hours"),
    (lambda: training.AssessmentIn(score=True), "score"),
    (lambda: AssignmentIn(achievement_id="a-1", field="新材料", count=True), "count"),
    (lambda: plan("self_implementation", years=True), "years"),
    (lambda: TalentProgrammeIn(programme="other", programme_name="某人才计划", year=True), "year"),
])
def test_integers_refuse_booleans(make, path):
    """pydantic's lax mode would read JSON true as 1."""
    with pytest.raises(ValidationError) as exc:
        make()
    assert [".".join(map(str, e["loc"])) for e in exc.value.errors()] == [path]
    assert "not a boolean" in exc.value.errors()[0]["msg"]


def test_a_valid_programme_totals_its_hours():
    body = programme_in()
    training.check_programme(body)
    assert body.total_hours == 48


# -- broker performance --------------------------------------------------------------------

def contract(contract_id, amount, technology, year=2026, kind="licence", brokers=("b-1",)):
    return {"contract_id": contract_id, "contract_amount": Decimal(amount),
            "technology_transaction_amount": Decimal(technology), "contract_type": kind,
            "registered_at": dt.datetime(year, 6, 1, tzinfo=dt.timezone.utc), "broker_person_ids": list(brokers)}


def test_performance_sums_exactly_by_year_and_type():
    record = performance.empty("b-1")
    for c in (contract("c1", "0.10", "0.10"), contract("c2", "0.20", "0.05", kind="transfer"),
              contract("c3", "1000000.01", "999999.99", year=2025)):
        record = performance.apply_contract(record, c)
    view = performance.view(record)
    assert view["contracts"] == 3
    assert view["contract_amount"] == "1000000.31"  # exact: 0.1 + 0.2 is not 0.30000000000000004 here
    assert view["technology_transaction_amount"] == "1000000.14"
    assert view["by_year"] == {
        "2026": {"contracts": 2, "contract_amount": "0.30", "technology_transaction_amount": "0.15"},
        "2025": {"contracts": 1, "contract_amount": "1000000.01", "technology_transaction_amount": "999999.99"}}
    assert view["by_type"]["licence"]["contracts"] == 2 and view["by_type"]["transfer"]["contracts"] == 1


def test_a_contract_counts_once_per_broker():
    once = performance.apply_contract(performance.empty("b-1"), contract("c1", "5.00", "5.00"))
    assert performance.apply_contract(once, contract("c1", "5.00", "5.00")) is once
    assert performance.brokers_of({"broker_person_ids": ["b-1", "b-2", "b-1", ""]}) == ["b-1", "b-2"]
    assert performance.brokers_of({}) == []


# -- experts -------------------------------------------------------------------------------

def expert(person_id, org, assignments=0, fields=("新材料",)):
    return {"id": person_id, "organization_id": org, "kinds": ["expert"], "fields": list(fields),
            "assignments": assignments}


def test_experts_never_review_their_own_organizations_achievement():
    pool = [expert("e1", "org-a"), expert("e2", "org-b"), expert("e3", None), expert("e4", "org-c")]
    chosen = experts.select(pool, ["org-a", "org-c"], 2)
    assert [p["id"] for p in chosen] == ["e2", "e3"]
    with pytest.raises(Conflict):
        experts.select(pool, ["org-a", "org-c"], 3)


def test_the_least_loaded_experts_are_drawn_first():
    pool = [expert("e1", "org-b", assignments=2), expert("e2", "org-b", assignments=0), expert("e3", "org-b", 1)]
    assert [p["id"] for p in experts.select(pool, ["org-a"], 2)] == ["e2", "e3"]


def test_named_experts_are_checked_for_conflicts_and_field():
    researcher = {**expert("r1", "org-b"), "kinds": ["researcher"]}
    with pytest.raises(Conflict) as exc:
        experts.check_named([expert("e1", "org-a"), None, researcher, expert("e2", "org-b", fields=["生物医药"]),
                             expert("e3", "org-b")], ["org-a"], "新材料")
    assert [f["path"] for f in exc.value.fields] == ["person_ids.0", "person_ids.1", "person_ids.2", "person_ids.3"]
    assert "conflict of interest" in exc.value.fields[0]["message"]


def test_a_named_expert_fills_one_place_only():
    body = {"achievement_id": "a-1", "organization_ids": ["org-a"], "field": "新材料"}
    with pytest.raises(ValidationError) as exc:
        AssignmentIn(**body, person_ids=["e1", "e2", "e1"])
    assert [e["loc"] for e in exc.value.errors()] == [("person_ids",)]
    assert AssignmentIn(**body, person_ids=["e1", "e2"]).person_ids == ["e1", "e2"]


def test_the_organizations_of_an_achievement_event_are_its_owner_and_completing_organizations():
    submitted = {"achievement_id": "a-1", "organization_id": "org-a", "region_code": "510100", "title": "t"}
    assert experts.announced_organizations({**submitted, "organization_ids": ["org-a", "org-b"]}) == ["org-a", "org-b"]
    assert experts.announced_organizations({**submitted, "organization_ids": []}) == ["org-a"]  # revision 1
    assert experts.announced_organizations(submitted) == ["org-a"]
    assert experts.announced_organizations({"achievement_id": "a-1", "organization_ids": ["org-b", "org-c"]}) == [
        "org-b", "org-c"]  # published has no organization_id
    assert experts.announced_organizations({**submitted, "organization_ids": ["org-b"]}) == ["org-a", "org-b"]


def test_the_registrys_organizations_are_always_excluded_and_the_callers_only_added():
    assert experts.excluded_organizations(["org-a", "org-b"], []) == ["org-a", "org-b"]
    assert experts.excluded_organizations(["org-a"], ["org-c", "org-a"]) == ["org-a", "org-c"]
    with pytest.raises(Conflict) as exc:
        experts.excluded_organizations(None, ["org-a"])
    assert exc.value.field == "achievement_id"
    assert AssignmentIn(achievement_id="a-1", field="新材料").organization_ids == []


# -- rewards: 促进科技成果转化法 第四十五条 -------------------------------------------------------

def plan(mode="transfer", cash=("50.00",), shares=None, **changes):
    body = {"organization_id": "org-a", "achievement_id": "a-1", "mode": mode, "occurred_on": "2026-06-01"}
    if mode in ("transfer", "licence"):
        body["net_income_yuan"] = "100.00"
    elif mode == "investment":
        body["shares_percent"] = "20"
    else:
        body.update(operating_profit_yuan="1000.00", years=3)
    if mode == "investment":
        body["allocations"] = [{"person_id": f"p{i}", "share_percent": s} for i, s in enumerate(shares or ("10",))]
    else:
        body["allocations"] = [{"person_id": f"p{i}", "cash_yuan": c} for i, c in enumerate(cash)]
    body.update(changes)
    return RewardPlanIn(**body)


@pytest.mark.parametrize("mode", ["transfer", "licence"])
def test_transfer_and_licence_need_half_the_net_income(mode):
    exactly = rewards.check_plan(plan(mode, cash=("30.00", "20.00")))
    assert exactly["compliant"] and exactly["findings"] == []
    assert exactly["actual_percent"] == Decimal("50.0000") and exactly["required_percent"] == Decimal("50")
    below = rewards.check_plan(plan(mode, cash=("30.00", "19.99")))
    assert not below["compliant"] and below["basis"] == "statutory"
    assert [f["code"] for f in below["findings"]] == ["below_minimum"]
    assert "49.9900%" in below["findings"][0]["message"] and "第四十五条" in below["findings"][0]["message"]


def test_equity_investment_needs_half_the_shares_obtained():
    assert rewards.check_plan(plan("investment", shares=("6", "4")))["compliant"]   # 10 of 20 points
    short = rewards.check_plan(plan("investment", shares=("9.9999",)))
    assert not short["compliant"] and short["actual_percent"] == Decimal("49.9995")


def test_self_implementation_needs_five_percent_of_operating_profit_for_three_to_five_years():
    assert rewards.check_plan(plan("self_implementation", cash=("50.00",)))["compliant"]
    assert rewards.check_plan(plan("self_implementation", cash=("50.00",), years=5))["compliant"]
    low = rewards.check_plan(plan("self_implementation", cash=("49.99",)))
    assert [f["code"] for f in low["findings"]] == ["below_minimum"]
    for years in (2, 6):
        short = rewards.check_plan(plan("self_implementation", cash=("50.00",), years=years))
        assert [f["code"] for f in short["findings"]] == ["years_out_of_range"]


def test_other_organizations_own_rules_take_precedence_and_are_recorded():
    """第四十五条: an enterprise's (or any organization not state-established) own rules replace the standards."""
    own = {"reference": "《某科技有限公司科技成果转化奖励办法》第八条", "minimum_percent": "30"}
    for state_established in (False, None):  # None: the registry has not said (or does not know the organization)
        result = rewards.check_plan(plan("transfer", cash=("30.00",), own_rules=own), state_established)
        assert result["compliant"] and result["basis"] == "own_rules" and result["source"] == own["reference"]
        assert result["required_percent"] == Decimal("30") and result["state_established"] is state_established
    short = rewards.check_plan(plan("transfer", cash=("29.99",), own_rules=own), False)
    assert not short["compliant"] and own["reference"] in short["findings"][0]["message"]
    years = rewards.check_plan(plan("self_implementation", cash=("50.00",), years=8,
                                    own_rules={**own, "minimum_percent": "5"}), False)
    assert years["compliant"]  # the 3–5 years of article 45 apply only without own rules


def test_a_state_established_universitys_own_rules_must_meet_the_statutory_standards():
    """第四十五条第二款: a university's 30% plan under its own 30% rules falls short of the 50% standard."""
    own = {"reference": "《某大学科技成果转化管理办法》第十二条", "minimum_percent": "30"}
    result = rewards.check_plan(plan("transfer", cash=("30.00",), own_rules=own), True)
    assert not result["compliant"] and result["basis"] == "own_rules" and result["source"] == own["reference"]
    assert result["required_percent"] == Decimal("50") and result["actual_percent"] == Decimal("30.0000")
    [finding] = result["findings"]
    assert finding["code"] == "below_minimum"
    assert "第四十五条第二款" in finding["message"] and own["reference"] in finding["message"]
    assert "30.0000%" in finding["message"] and "50%" in finding["message"]
    assert rewards.check_plan(plan("transfer", cash=("50.00",), own_rules=own), True)["compliant"]
    higher = {**own, "minimum_percent": "70"}  # rules above the standard still bind
    above = rewards.check_plan(plan("licence", cash=("60.00",), own_rules=higher), True)
    assert not above["compliant"] and above["required_percent"] == Decimal("70")
    assert own["reference"] in above["findings"][0]["message"]
    equity = rewards.check_plan(plan("investment", shares=("8",), own_rules=own), True)  # 8 of 20 points: 40%
    assert [f["code"] for f in equity["findings"]] == ["below_minimum"] and equity["required_percent"] == 50
    for years, codes in ((8, ["years_out_of_range"]), (4, [])):
        profit = rewards.check_plan(plan("self_implementation", cash=("50.00",), years=years,
                                         own_rules={**own, "minimum_percent": "3"}), True)
        assert [f["code"] for f in profit["findings"]] == codes
    low = rewards.check_plan(plan("self_implementation", cash=("40.00",), own_rules={**own, "minimum_percent": "3"}),
                             True)
    assert [f["code"] for f in low["findings"]] == ["below_minimum"] and low["required_percent"] == 5


def test_own_rules_must_state_their_minimum():
    """Without it every plan passed, even a zero reward."""
    with pytest.raises(ValidationError) as exc:
        plan("transfer", cash=("0.00",), own_rules={"reference": "单位与科技人员约定"})
    assert [e["loc"] for e in exc.value.errors()] == [("own_rules", "minimum_percent")]
    assert OwnRulesIn(reference="单位与科技人员约定", minimum_percent="0").minimum_percent == Decimal("0")


def test_amounts_stay_exact():
    result = rewards.check_plan(plan("transfer", cash=("16.67", "16.67", "16.66")))
    assert result["actual_percent"] == Decimal("50.0000") and result["compliant"]


@pytest.mark.parametrize("changes, path", [
    ({"net_income_yuan": None}, "net_income_yuan"),
    ({"shares_percent": "10"}, "shares_percent"),
    ({"years": 3}, "years"),
    ({"allocations": [{"person_id": "p1"}]}, "allocations.0.cash_yuan"),
    ({"allocations": [{"person_id": "p1", "cash_yuan": "1", "share_percent": "1"}]}, "allocations.0.share_percent"),
    ({"allocations": [{"person_id": "p1", "cash_yuan": "1"}, {"person_id": "p1", "cash_yuan": "1"}]},
     "allocations.1.person_id"),
    ({"allocations": [{"person_id": "p1", "cash_yuan": "100.01"}]}, "allocations"),
])
def test_plan_fields_must_fit_the_mode(changes, path):
    with pytest.raises(Invalid) as exc:
        rewards.check_plan_fields(plan("transfer", **changes))
    assert [f["path"] for f in exc.value.fields] == [path]


def test_self_implementation_needs_years():
    with pytest.raises(Invalid) as exc:
        rewards.check_plan_fields(plan("self_implementation", years=None))
    assert [f["path"] for f in exc.value.fields] == ["years"]


def test_a_plan_just_short_never_shows_the_minimum():
    result = rewards.check_plan(plan("transfer", net_income_yuan="2000000.00", cash=("999999.99",)))
    assert not result["compliant"] and result["actual_percent"] == Decimal("49.9999")


def test_a_cancelled_contract_leaves_the_performance_with_what_it_added_and_never_counts_again():
    record = performance.empty("b-1")
    for c in (contract("c1", "10.00", "8.00"), contract("c2", "5.00", "5.00", year=2025, kind="transfer")):
        record = performance.apply_contract(record, c)
    cancelled = {"contract_id": "c1", "contract_amount": Decimal("12.00"), "technology_transaction_amount": Decimal("9.00"),
                 "registration_date": dt.date(2026, 6, 1), "contract_type": "licence", "broker_person_ids": ["b-1"]}
    after = performance.remove_contract(record, cancelled)  # what registration added (not the changed amounts)
    view = performance.view(after)
    assert (view["contracts"], view["contract_amount"], view["technology_transaction_amount"]) == (1, "5.00", "5.00")
    assert view["by_year"]["2026"] == {"contracts": 0, "contract_amount": "0.00", "technology_transaction_amount": "0.00"}
    assert view["by_type"]["licence"]["contracts"] == 0
    assert performance.remove_contract(after, cancelled) is after
    assert performance.apply_contract(after, contract("c1", "10.00", "8.00")) is after  # a replayed registration
    assert performance.remove_contract(performance.empty("b-1"), cancelled)["contracts"] == 0
