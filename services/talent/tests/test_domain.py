"""Talent pool rules, without any server."""
import pytest
from pydantic import ValidationError

from talent.domain import PERSON_KINDS, PersonIn


def error_paths(exc_info):
    return [".".join(map(str, e["loc"])) for e in exc_info.value.errors()]


def test_the_four_kinds_of_people():
    assert PERSON_KINDS == {"researcher": "科研人员", "broker": "技术经纪人", "mentor": "创业导师", "expert": "专家"}
    person = PersonIn(name="张三", kinds=list(PERSON_KINDS))
    assert person.kinds == ["researcher", "broker", "mentor", "expert"]


def test_defaults_are_no_organization_and_no_public_profile():
    person = PersonIn(name="李四", kinds=["broker"])
    assert person.organization_id is None and person.public_profile is False


def test_at_least_one_kind_is_needed():
    with pytest.raises(ValidationError) as exc:
        PersonIn(name="王五", kinds=[])
    assert error_paths(exc) == ["kinds"]


def test_an_unknown_kind_is_rejected_at_its_index():
    with pytest.raises(ValidationError) as exc:
        PersonIn(name="王五", kinds=["expert", "astronaut"])
    assert error_paths(exc) == ["kinds.1"]


def test_a_kind_is_not_a_bare_string():
    with pytest.raises(ValidationError) as exc:
        PersonIn(name="王五", kinds="broker")
    assert error_paths(exc) == ["kinds"]


@pytest.mark.parametrize("name", ["", "   ", "名" * 101])
def test_names_are_1_to_100_characters_after_stripping(name):
    with pytest.raises(ValidationError) as exc:
        PersonIn(name=name, kinds=["mentor"])
    assert error_paths(exc) == ["name"]


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError) as exc:
        PersonIn(name="赵六", kinds=["mentor"], id_card="510100199001010000")
    assert error_paths(exc) == ["id_card"]
