"""Talent pool rules, without any server."""
import pytest
from pydantic import ValidationError

from talent.people import (PERSON_KINDS, PersonIn, PersonUpdateIn, TalentProgrammeIn, is_valid_id_number,
                           participation_key, person_changes, private_view, public_view)
from ttp_common.refusals import Invalid


def error_paths(exc_info):
    return [".".join(map(str, e["loc"])) for e in exc_info.value.errors()]


def test_the_four_kinds_of_people():
    assert PERSON_KINDS == {"researcher": "科研人员", "broker": "技术经纪人", "mentor": "创业导师", "expert": "专家"}
    person = PersonIn(name="张三", kinds=list(PERSON_KINDS))
    assert person.kinds == ["researcher", "broker", "mentor", "expert"]


def test_defaults_are_no_organization_and_nothing_public():
    person = PersonIn(name="李四", kinds=["broker"])
    assert person.organization_id is None and person.public_fields == []
    assert person.contact is None and person.id_number is None and person.fields == []


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


# A valid resident identity number (GB 11643 check character), made up for tests.
ID_NUMBER = "11010519491231002X"


def test_identity_numbers_need_their_check_character():
    assert is_valid_id_number(ID_NUMBER)
    assert not is_valid_id_number("110105194912310021")  # wrong check character
    assert not is_valid_id_number("11010519491231002")    # 17 characters
    assert not is_valid_id_number("1101051949123100XX")
    # found reviewing the fuzzing: str.isdigit() let other scripts' digits through ("٣" counted as 3,
    # "²" raised from int()); a valid number in Arabic-Indic digits was stored as an identity number
    assert not is_valid_id_number("".join(chr(0x660 + int(c)) if c.isdigit() else c for c in ID_NUMBER))
    assert not is_valid_id_number("1101051949123100²X")


def test_a_lower_case_check_x_is_normalised():
    assert PersonIn(name="甲", kinds=["expert"], id_number=ID_NUMBER.lower()).id_number == ID_NUMBER


@pytest.mark.parametrize("change, path", [
    ({"id_number": "110105194912310021"}, "id_number"),
    ({"contact": {"phone": "12345"}}, "contact.phone"),
    ({"contact": {"email": "not-an-address"}}, "contact.email"),
    ({"contact": {"wechat": "x"}}, "contact.wechat"),
    ({"public_fields": ["name", "contact"]}, "public_fields.1"),
    ({"public_fields": ["id_number"]}, "public_fields.0"),
    ({"fields": ["新材料", ""]}, "fields"),
])
def test_personal_data_and_consent_are_validated(change, path):
    with pytest.raises(ValidationError) as exc:
        PersonIn(**{"name": "甲", "kinds": ["expert"], **change})
    assert error_paths(exc) == [path]


def test_the_public_sees_only_what_the_person_consented_to_show():
    person = PersonIn(name="陈专家", kinds=["expert"], organization_id="org-1", fields=["新材料"], title="研究员",
                      contact={"phone": "13800000000", "email": "c@example.cn"}, id_number=ID_NUMBER,
                      public_fields=["name", "fields"]).model_dump(mode="json")
    person["id"] = "p-1"
    assert public_view(person) == {"id": "p-1", "name": "陈专家", "fields": ["新材料"]}
    assert public_view({**person, "public_fields": []}) == {"id": "p-1"}
    full = private_view(person)
    assert full["contact"] == {"phone": "13800000000", "email": "c@example.cn"} and full["id_number"] == ID_NUMBER


def test_an_update_sets_only_the_keys_given():
    assert person_changes(PersonUpdateIn(public_fields=[])) == {"public_fields": []}
    assert person_changes(PersonUpdateIn(contact={"email": "c@example.cn"}, fields=[" 新材料", "新材料"])) == {
        "contact": {"email": "c@example.cn"}, "fields": ["新材料"]}
    assert person_changes(PersonUpdateIn(contact=None)) == {"contact": {}}  # removes the contact details
    with pytest.raises(Invalid):
        person_changes(PersonUpdateIn())


@pytest.mark.parametrize("change, path", [
    ({"public_fields": ["id_number"]}, "public_fields.0"),
    ({"public_fields": None}, "public_fields"),
    ({"fields": None}, "fields"),
    ({"contact": {"phone": "12345"}}, "contact.phone"),
    ({"id_number": ID_NUMBER}, "id_number"),
    ({"name": "乙"}, "name"),
])
def test_an_update_is_validated_like_a_registration(change, path):
    with pytest.raises(ValidationError) as exc:
        PersonUpdateIn(**change)
    assert error_paths(exc) == [path]


def test_the_event_scan_patterns_catch_phones_and_id_numbers_but_not_ids(personal_data_patterns):
    phone, id_number = personal_data_patterns
    assert phone.search("call 13912345678 now") and phone.search("028-85412345")
    assert id_number.search("11010519491231002X") and id_number.search("id 510104199001011234.")
    for harmless in ("8b0d4abefd0449e6a744f65966b74582", "SCTB-2026-J-00001", "2026510100000123", "org-scu"):
        assert not phone.search(harmless) and not id_number.search(harmless)


def selection(programme="thousand_talents", programme_name="四川省千人计划", year=2016):
    return TalentProgrammeIn(programme=programme, programme_name=programme_name, year=year)


def test_a_person_is_selected_once_per_programme_and_year_whatever_the_name():
    key = participation_key("p-1", selection())
    assert participation_key("p-1", selection(programme_name="四川千人计划")) == key  # free text names it
    assert participation_key("p-1", selection(year=2017)) != key
    assert participation_key("p-1", selection(programme="provincial_talents")) != key
    assert participation_key("p-2", selection()) != key


def test_under_other_the_name_is_the_programme():
    key = participation_key("p-1", selection("other", "Some  Talent Plan"))
    assert participation_key("p-1", selection("other", "some talent plan")) == key
    assert participation_key("p-1", selection("other", "Ｓｏｍｅ Talent Plan")) == key  # full-width letters
    assert participation_key("p-1", selection("other", "蓉漂人才计划")) != key
