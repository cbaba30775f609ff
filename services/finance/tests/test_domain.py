"""Transformation project rules (the plan's 15 special programmes), without any server."""
import pytest
from pydantic import ValidationError

from finance.domain import CATEGORIES, ApprovedProjectIn


def body(**overrides):
    return {"title": "锂电池正极材料中试熟化", "category": "major", "programme": 1, "region_code": "510400",
            "organization_id": "org-1", "responsible_department": "省科技厅", **overrides}


def error_paths(exc_info):
    return [".".join(map(str, e["loc"])) for e in exc_info.value.errors()]


@pytest.mark.parametrize("programme", range(1, 16))
def test_each_of_the_15_programmes_is_accepted(programme):
    assert ApprovedProjectIn(**body(programme=programme)).programme == programme


@pytest.mark.parametrize("programme", [0, 16, -1, 1.5, "一"])
def test_programmes_outside_1_to_15_are_rejected(programme):
    with pytest.raises(ValidationError) as exc:
        ApprovedProjectIn(**body(programme=programme))
    assert error_paths(exc) == ["programme"]


def test_categories_are_major_and_promoted():
    assert set(CATEGORIES) == {"major", "promoted"}
    for category in CATEGORIES:
        assert ApprovedProjectIn(**body(category=category)).category == category
    with pytest.raises(ValidationError) as exc:
        ApprovedProjectIn(**body(category="minor"))
    assert error_paths(exc) == ["category"]


@pytest.mark.parametrize("code", ["110100", "510000", "511200"])
def test_region_must_be_a_sichuan_division(code):
    with pytest.raises(ValidationError) as exc:
        ApprovedProjectIn(**body(region_code=code))
    assert error_paths(exc) == ["region_code"]


@pytest.mark.parametrize("field, value", [("title", "x"), ("responsible_department", " "), ("organization_id", "")])
def test_text_fields_have_minimum_lengths(field, value):
    with pytest.raises(ValidationError) as exc:
        ApprovedProjectIn(**body(**{field: value}))
    assert error_paths(exc) == [field]


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError) as exc:
        ApprovedProjectIn(**body(status="approved"))
    assert error_paths(exc) == ["status"]
