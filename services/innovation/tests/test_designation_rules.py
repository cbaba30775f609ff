"""The rules of demonstration designations (innovation.designations), without servers: calls and their
criteria, eligibility, the panel draw with its conflict-of-interest exclusion, weighted scores, decisions and the
annual assessment."""
import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from innovation import designations as rules
from ttp_common.refusals import Conflict, Invalid, TransitionRefused

CLOSES = dt.date(2026, 12, 31)


def call(**overrides):
    return rules.CallIn(**{"kind": "demonstration_enterprise", "year": 2026, "title": "2026年度科技成果转移转化示范企业申报",
                           "expert_field": "新材料", "closes_on": CLOSES, **overrides})


def criteria_of(body):
    return [c.model_dump() for c in body.criteria]


def test_a_call_without_criteria_takes_the_plans_criteria_with_equal_weights():
    enterprise, zone = call(), call(kind="demonstration_zone")
    assert [c.name for c in enterprise.criteria] == ["企业科技成果创造能力", "科技成果转移转化机构及队伍建设",
                                                     "科技成果转化投入及奖励", "企业成长性", "行业影响"]
    assert [c.code for c in zone.criteria] == ["county_institutions_talent", "carrying_capacity", "rewards",
                                               "tech_report_system", "regional_industry_character"]
    assert [c.weight for c in enterprise.criteria] == [20] * 5


def test_a_calls_weights_sum_to_100_its_codes_are_distinct_and_other_kinds_name_theirs():
    with pytest.raises(ValidationError) as raised:
        call(criteria=[{"code": "growth", "name": "企业成长性", "weight": 60},
                       {"code": "industry_influence", "name": "行业影响", "weight": 30}])
    assert raised.value.errors()[0]["loc"] == ("criteria",) and "sum to 100" in str(raised.value)
    with pytest.raises(ValidationError, match="each criterion code once"):
        call(criteria=[{"code": "growth", "name": "企业成长性", "weight": 50},
                       {"code": "growth", "name": "成长", "weight": 50}])
    with pytest.raises(ValidationError, match="names its criteria"):
        call(kind="international_institution")
    own = call(kind="international_institution", criteria=[{"code": "cross_border", "name": "跨国技术转移业绩",
                                                             "weight": 70}, {"code": "team", "name": "国际化人才队伍",
                                                                             "weight": 30}])
    assert [c.weight for c in own.criteria] == [70, 30]


def test_applications_come_by_the_closing_date_and_state_only_the_calls_criteria():
    rules.check_open(CLOSES, CLOSES)
    with pytest.raises(TransitionRefused):
        rules.check_open(CLOSES, CLOSES + dt.timedelta(days=1))
    with pytest.raises(Invalid) as raised:
        rules.check_statement_codes({"growth": "营收三年翻番", "charity": "公益"}, criteria_of(call()))
    assert raised.value.field == "statements.charity"


def test_a_zone_is_a_county_level_division_and_only_a_zone_names_one():
    rules.check_county("demonstration_zone", "510704")  # 游仙区, 绵阳市
    for county in (None, "510700", "999999"):  # none, a prefecture, nothing
        with pytest.raises(Invalid) as raised:
            rules.check_county("demonstration_zone", county)
        assert raised.value.field == "county_code"
    with pytest.raises(Invalid):
        rules.check_county("demonstration_enterprise", "510704")
    assert rules.region_of("demonstration_zone", "510704", "510100") == "510704"
    assert rules.region_of("demonstration_enterprise", None, "510100") == "510100"
    assert rules.prefecture_of("510704") == "510700"


def test_eligibility_names_each_reason():
    criteria = criteria_of(call())
    statements = {c["code"]: "说明" for c in criteria}
    assert rules.eligibility("demonstration_enterprise", criteria, statements, "enterprise", False) == []
    reasons = rules.eligibility("demonstration_enterprise", criteria, {**statements, "growth": "  "}, "university",
                                True)
    assert [r["criterion"] for r in reasons] == [None, None, "growth"]
    assert "university" in reasons[0]["reason"] and "in force" in reasons[1]["reason"]
    assert rules.eligibility("demonstration_zone", criteria_of(call(kind="demonstration_zone")), {}, "government",
                             False)[0]["criterion"] == "county_institutions_talent"


def pool(*orgs):
    return [{"id": f"p{i}", "organization_id": org} for i, org in enumerate(orgs)]


def test_the_panel_never_holds_an_expert_of_the_applicants_organization():
    candidates = pool("org-a", "org-b", "org-a", "org-c", "org-d", "org-a", None)
    for seed in ("app-1", "app-2", "app-3", "app-4"):
        panel = rules.draw_panel(candidates, "org-a", 4, seed)
        assert len(panel) == 4 and all(p["organization_id"] != "org-a" for p in panel)
    # only four experts are not of org-a: a panel of five cannot be drawn, whatever the pool offered
    with pytest.raises(Conflict) as raised:
        rules.draw_panel(candidates, "org-a", 5, "app-1")
    assert raised.value.field == "panel_size" and "only 4" in raised.value.message


def test_the_draw_is_reproducible_for_one_application_and_spreads_over_the_pool():
    candidates = pool(*[f"org-{i}" for i in range(12)])
    assert rules.draw_panel(candidates, "org-x", 3, "app-1") == rules.draw_panel(candidates[::-1], "org-x", 3, "app-1")
    drawn = {p["id"] for seed in range(20) for p in rules.draw_panel(candidates, "org-x", 3, f"app-{seed}")}
    assert len(drawn) > 6


def test_a_sheet_scores_every_criterion_once_by_a_panel_expert():
    criteria = criteria_of(call())
    full = {c["code"]: 80 for c in criteria}
    rules.check_sheet("p1", full, ["p1", "p2", "p3"], [], criteria)
    with pytest.raises(Invalid) as raised:
        rules.check_sheet("p9", full, ["p1", "p2", "p3"], [], criteria)
    assert raised.value.field == "person_id"
    with pytest.raises(Conflict):
        rules.check_sheet("p1", full, ["p1", "p2", "p3"], [{"person_id": "p1"}], criteria)
    with pytest.raises(Invalid) as raised:
        rules.check_sheet("p1", {"growth": 70}, ["p1"], [], criteria)
    assert [f["path"] for f in raised.value.fields] == [f"scores.{c}" for c in ("creation_capacity",
                                                                                "transfer_institution_team",
                                                                                "investment_rewards",
                                                                                "industry_influence")]
    with pytest.raises(Invalid) as raised:
        rules.check_sheet("p1", {**full, "luck": 100}, ["p1"], [], criteria)
    assert raised.value.field == "scores.luck"
    with pytest.raises(ValidationError):
        rules.ScoresIn(person_id="p1", scores={**full, "growth": 101})


def test_weighted_scores_and_the_panels_mean_decide():
    criteria = [{"code": "a", "weight": 30}, {"code": "b", "weight": 70}]
    assert rules.weighted({"a": 90, "b": 50}, criteria) == Decimal("62.00")
    assert rules.weighted({"a": 67, "b": 33}, criteria) == Decimal("43.20")
    assert rules.panel_score([Decimal("62.00"), Decimal("59.99"), Decimal("60.00")]) == Decimal("60.66")
    assert rules.decision(Decimal("60.00"), 60) == "designated"
    assert rules.decision(Decimal("59.99"), 60) == "not_designated"
    assert rules.after_score(2, 3) == "under_review" and rules.after_score(3, 3) == "scored"


def test_steps_follow_the_workflow():
    rules.check_step("check", "submitted")
    for step, status in (("panel", "submitted"), ("score", "eligible"), ("decide", "under_review"),
                         ("check", "ineligible"), ("decide", "designated")):
        with pytest.raises(TransitionRefused):
            rules.check_step(step, status)


def test_the_annual_assessment_keeps_or_revokes_once_a_year_after_the_designation():
    assert rules.assess("designated", 2025, set(), 2026, 75, 60, 2026) == rules.Assessment("kept", "designated")
    assert rules.assess("designated", 2025, {2026}, 2027, 59, 60, 2027) == rules.Assessment("revoked", "revoked")
    with pytest.raises(Invalid):
        rules.assess("designated", 2026, set(), 2026, 80, 60, 2026)  # the year of the designation itself
    with pytest.raises(Invalid):
        rules.assess("designated", 2025, set(), 2027, 80, 60, 2026)  # a year not begun
    with pytest.raises(Conflict):
        rules.assess("designated", 2025, {2026}, 2026, 80, 60, 2026)
    with pytest.raises(TransitionRefused):
        rules.assess("revoked", 2025, {2026}, 2027, 90, 60, 2027)
