"""Transformation project rules (the plan's 15 special programmes) and lifecycle, without any server."""
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ttp_common import money
from ttp_common.refusals import TransitionRefused

from finance import projects
from finance.projects import CATEGORIES, PROGRAMMES, TransformationProjectIn


def body(**overrides):
    return {"title": "锂电池正极材料中试熟化", "category": "major", "programme": 1, "region_code": "510400",
            "organization_id": "org-1", "responsible_department": "省科技厅", "budget": "1200000.00", **overrides}


def error_paths(exc_info):
    return [".".join(map(str, e["loc"])) for e in exc_info.value.errors()]


@pytest.mark.parametrize("programme", range(1, 16))
def test_each_of_the_15_programmes_is_accepted_and_named(programme):
    assert TransformationProjectIn(**body(programme=programme)).programme == programme
    assert PROGRAMMES[programme].endswith("专项")


@pytest.mark.parametrize("programme", [0, 16, -1, 1.5, "一", True, False])
def test_programmes_outside_1_to_15_are_rejected(programme):
    with pytest.raises(ValidationError) as exc:
        TransformationProjectIn(**body(programme=programme))
    assert error_paths(exc) == ["programme"]


def test_categories_are_major_and_promoted():
    assert set(CATEGORIES) == {"major", "promoted"}
    for category in CATEGORIES:
        assert TransformationProjectIn(**body(category=category)).category == category
    with pytest.raises(ValidationError) as exc:
        TransformationProjectIn(**body(category="minor"))
    assert error_paths(exc) == ["category"]


@pytest.mark.parametrize("code", ["110100", "510000", "511200"])
def test_region_must_be_a_sichuan_division(code):
    with pytest.raises(ValidationError) as exc:
        TransformationProjectIn(**body(region_code=code))
    assert error_paths(exc) == ["region_code"]


@pytest.mark.parametrize("budget", ["-1", "0", "0.001", "1e20", "abc"])
def test_budget_is_a_positive_amount_to_the_fen(budget):
    with pytest.raises(ValidationError) as exc:
        TransformationProjectIn(**body(budget=budget))
    assert error_paths(exc) == ["budget"]


def test_budget_is_exact():
    assert TransformationProjectIn(**body(budget="0.10")).budget == Decimal("0.10")
    assert money.exact_fen(Decimal("3")) == Decimal("3.00")  # what the events carry: decimal(20, 2)


def test_stage_defaults_to_pilot_and_achievements_are_distinct():
    assert TransformationProjectIn(**body()).stage == "pilot"
    with pytest.raises(ValidationError) as exc:
        TransformationProjectIn(**body(achievement_ids=["a-1", "a-1"]))
    assert error_paths(exc) == ["achievement_ids"]


@pytest.mark.parametrize("field, value", [("title", "x"), ("responsible_department", " "), ("organization_id", "")])
def test_text_fields_have_minimum_lengths(field, value):
    with pytest.raises(ValidationError) as exc:
        TransformationProjectIn(**body(**{field: value}))
    assert error_paths(exc) == [field]


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError) as exc:
        TransformationProjectIn(**body(status="approved"))
    assert error_paths(exc) == ["status"]


# -- lifecycle ----------------------------------------------------------------------------

ALLOWED = {("approve", "proposed"), ("start", "approved"), ("advance", "in_progress"), ("complete", "in_progress"),
           ("terminate", "proposed"), ("terminate", "approved"), ("terminate", "in_progress")}
STATUSES = ["proposed", "approved", "in_progress", "completed", "terminated"]


@pytest.mark.parametrize("action", list(projects.TRANSITIONS))
@pytest.mark.parametrize("status", STATUSES)
def test_each_transition_starts_only_from_its_states(action, status):
    if (action, status) in ALLOWED:
        assert projects.transition(action, status).name == action
    else:
        with pytest.raises(TransitionRefused):
            projects.transition(action, status)


def test_the_happy_path_ends_completed_and_approval_is_the_counted_event():
    status = "proposed"
    for action in ("approve", "start", "advance", "complete"):
        status = projects.transition(action, status).target
    assert status == "completed"
    assert projects.TRANSITIONS["approve"].event == "finance.transformation_project.approved.v1"
    assert {t.actor for n, t in projects.TRANSITIONS.items() if n in ("approve", "complete", "terminate")} == {
        projects.DEPARTMENT}
    assert {projects.TRANSITIONS[n].actor for n in ("start", "advance")} == {projects.OWNER}


@pytest.mark.parametrize("current, new, ok", [
    ("pilot", "scale_up", True), ("pilot", "industrialisation", True), ("scale_up", "industrialisation", True),
    ("scale_up", "pilot", False), ("industrialisation", "industrialisation", False)])
def test_stages_only_move_forward(current, new, ok):
    if ok:
        projects.check_advance(current, new)
    else:
        with pytest.raises(TransitionRefused):
            projects.check_advance(current, new)
