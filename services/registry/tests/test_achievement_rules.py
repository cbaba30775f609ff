"""Achievement registration rules (no servers)."""
import pytest
from pydantic import ValidationError

from registry.achievements import (
    TRANSITIONS, AchievementIn, ClassifiedRefused, RegistrationNumbersExhausted, announced, check_editable,
    check_not_classified, check_publishable, import_key_error, plan_project_error, registration_number, transition,
)
from ttp_common.refusals import TransitionRefused, Unprocessable


def form(**overrides):
    return {
        "title": "石墨烯导热膜中试技术", "type": "applied", "summary": "一种石墨烯导热膜的连续化中试制备工艺。",
        "keywords": ["石墨烯", "导热膜"], "industry": "新材料", "programme": 8, "trl": 6, "region_code": "510100",
        "organization_ids": ["org-1"], "contributors": [{"name": "张三", "share": "60"}, {"name": "李四", "share": "40"}],
        "funding": {"fiscal": True, "plan_project_id": "2019YFG0001"},
        "patents": [{"number": "ZL201910000001.X", "kind": "invention", "status": "granted"}], **overrides,
    }


def error_paths(**overrides):
    with pytest.raises(ValidationError) as info:
        AchievementIn.model_validate(form(**overrides))
    return {".".join(map(str, e["loc"])) for e in info.value.errors()}


def test_a_complete_form_is_accepted():
    assert AchievementIn.model_validate(form()).trl == 6


@pytest.mark.parametrize("overrides, path", [
    ({"trl": 0}, "trl"), ({"trl": 10}, "trl"), ({"programme": 16}, "programme"),
    ({"type": "theory"}, "type"), ({"region_code": "510000"}, "region_code"),
    ({"keywords": ["a", "b", "c", "d"]}, "keywords"), ({"keywords": ["石墨烯", "石墨烯"]}, "keywords"),
    ({"patents": [{"number": "ZL1", "kind": "invention", "status": "granted"}]}, "patents.0.number"),
    ({"patents": [{"number": "ZL201910000001.X", "kind": "trademark", "status": "granted"}]}, "patents.0.kind"),
    ({"unknown": 1}, "unknown"),
])
def test_bad_fields_are_named(overrides, path):
    assert path in error_paths(**overrides)


def test_contributor_shares_must_add_up_to_100():
    paths = error_paths(contributors=[{"name": "张三", "share": "60"}, {"name": "李四", "share": "30"}])
    assert paths == {""}  # a whole-form rule


def test_fiscal_funding_names_its_plan_project():
    assert "funding" in error_paths(funding={"fiscal": True})
    assert AchievementIn.model_validate(form(funding={"fiscal": False})).funding.plan_project_id is None


@pytest.mark.parametrize("name, sources", [
    ("submit", {"draft", "returned"}), ("register", {"submitted"}), ("return", {"submitted"}),
    ("publish", {"registered"}), ("withdraw", {"registered", "published"}),
])
def test_each_transition_starts_only_from_its_states(name, sources):
    for status in ("draft", "submitted", "returned", "registered", "published", "withdrawn"):
        if status in sources:
            assert transition(name, status) is TRANSITIONS[name]
        else:
            with pytest.raises(TransitionRefused):
                transition(name, status)


def test_only_drafts_and_returned_achievements_can_be_edited():
    check_editable("draft")
    check_editable("returned")
    for status in ("submitted", "registered", "published", "withdrawn"):
        with pytest.raises(TransitionRefused):
            check_editable(status)


def test_registration_numbers_have_12_digits():
    assert registration_number("510700", 2026, "applied", 42) == "507202610042"
    assert registration_number("513400", 2026, "soft_science", 9999) == "534202639999"


def test_the_10000th_registration_of_a_body_year_and_type_is_refused_keeping_12_digits():
    with pytest.raises(RegistrationNumbersExhausted, match="501 has used all 9,999 .* basic achievements in 2026"):
        registration_number("510100", 2026, "basic", 10000)
    assert issubclass(RegistrationNumbersExhausted, TransitionRefused)  # answered with a 409


def test_import_keys_and_plan_projects_are_checked_row_by_row():
    assert import_key_error("") and import_key_error("k" * 101) and import_key_error("HIS-1") is None
    assert plan_project_error(None, ["org-1"]) == "no such plan project"
    assert "another organization" in plan_project_error({"organization_id": "org-2"}, ["org-1"])
    assert plan_project_error({"organization_id": "org-2"}, ["org-1", "org-2"]) is None


# -- secrecy (密级) ---------------------------------------------------------------------------

@pytest.mark.parametrize("level, label", [("secret", "秘密"), ("confidential", "机密"), ("top_secret", "绝密")])
def test_classified_achievements_are_refused_for_the_states_confidential_channels(level, label):
    record = AchievementIn.model_validate(form(secrecy=level)).model_dump()
    with pytest.raises(ClassifiedRefused) as refused:
        check_not_classified(record)
    assert isinstance(refused.value, Unprocessable) and refused.value.code == "classified"
    assert refused.value.field == "secrecy" and label in refused.value.message
    assert "confidential channels" in refused.value.message


def test_public_and_internal_achievements_are_accepted_but_only_public_ones_published():
    for level in ("public", "internal"):
        check_not_classified(AchievementIn.model_validate(form(secrecy=level)).model_dump())
    check_publishable({"secrecy": "public"})
    with pytest.raises(TransitionRefused, match="internal"):
        check_publishable({"secrecy": "internal"})
    assert "secrecy" in error_paths(secrecy="restricted")


def test_events_about_an_internal_achievement_withhold_its_text():
    data = {"achievement_id": "a-1", "title": "石墨烯导热膜中试技术", "organization_ids": ["org-1"],
            "reasons": ["石墨烯导热膜的测试报告缺失"], "reason": "石墨烯导热膜已转让"}
    assert announced({"secrecy": "internal"}, data) == {
        "achievement_id": "a-1", "title": "", "organization_ids": ["org-1"], "reasons": [], "reason": "",
        "secrecy": "internal"}
    assert announced({"secrecy": "public"}, data) == {**data, "secrecy": "public"}
    assert announced({}, {"achievement_id": "a-1"}) == {"achievement_id": "a-1", "secrecy": "public"}
