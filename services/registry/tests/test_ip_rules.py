"""The rules of IP records (registry.ip): numbers per kind, check characters, states and their dates."""
import datetime as dt

import pytest

from registry import ip
from ttp_common.auth import Principal, Roles
from ttp_common.refusals import Invalid, NotAllowed, TransitionRefused, Unprocessable

TODAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize("kind, number, canonical", [
    ("invention_patent", "ZL201710601862.3", "201710601862.3"),  # the worked example: 157 mod 11 = 3
    ("invention_patent", "CN 2017 1060 1862.3", "201710601862.3"),
    ("invention_patent", "201710601862.3", "201710601862.3"),
    ("invention_patent", "ZL95115608.X", "95115608.X"),  # before 2003: 186 mod 11 = 10 → X
    ("invention_patent", "zl95115608x", "95115608.X"),
    ("utility_model", "ZL202020123456." + ip.patent_check_character("202020123456"),
     "202020123456." + ip.patent_check_character("202020123456")),
    ("design_patent", "ZL202130654321." + ip.patent_check_character("202130654321"),
     "202130654321." + ip.patent_check_character("202130654321")),
    ("software_copyright", "2020SR0123456", "2020SR0123456"),
    ("software_copyright", "2008sr12345", "2008SR12345"),
    ("plant_variety", "CNA20120342.9", "CNA20120342.9"),
    ("plant_variety", "CNA20191005530", "CNA20191005530"),
    ("ic_layout", "BS.12500123.4", "BS.12500123.4"),
    ("ic_layout", "BS.125001234", "BS.12500123.4"),
])
def test_valid_numbers_are_written_in_one_canonical_form(kind, number, canonical):
    assert ip.normalize_number(kind, number, TODAY) == canonical


@pytest.mark.parametrize("kind, number, says", [
    ("invention_patent", "ZL201710601862.4", "check character"),  # one off
    ("invention_patent", "ZL95115608.1", "check character"),
    ("invention_patent", "ZL20171060186.3", "12 digits"),  # 11 digits
    ("utility_model", "ZL201710601862.3", "kind digit"),  # an invention's number
    ("design_patent", "ZL201820123456.1", "kind digit"),
    ("invention_patent", "ZL203010601862.1", "filing year"),  # the future
    ("invention_patent", "ZL199910601862.1", "filing year"),  # a 12-digit number before 2003
    ("software_copyright", "2020SR01234567X", "SR"),
    ("software_copyright", "1980SR0123456", "year"),
    ("software_copyright", "2030SR0123456", "year"),
    ("plant_variety", "CN20120342.9", "CNA"),
    ("plant_variety", "CNA19900342", "year"),
    ("ic_layout", "BS12500123", "BS."),
    ("ic_layout", "BS.99500123.4", "year"),
])
def test_invalid_numbers_are_refused_saying_why(kind, number, says):
    with pytest.raises(ValueError, match=says):
        ip.normalize_number(kind, number, TODAY)


def test_the_check_character_is_the_weighted_sum_mod_11_with_x_for_10():
    assert ip.patent_check_character("201710601862") == "3"
    assert ip.patent_check_character("95115608") == "X"


def test_patents_share_one_numbering_the_other_kinds_their_own():
    assert ip.number_key("invention_patent", "201710601862.3") == ip.number_key("utility_model", "201710601862.3")
    assert ip.number_key("software_copyright", "2020SR0123456") != ip.number_key("plant_variety", "2020SR0123456")


def test_the_record_validates_the_number_on_its_field():
    body = {"kind": "invention_patent", "number": "ZL201710601862.4", "title": "一种钒钛磁铁矿提钒方法",
            "holder_organization_ids": ["org-a"], "filed_on": "2017-07-20"}
    with pytest.raises(ValueError) as raised:
        ip.IpRightIn.model_validate(body)
    assert raised.value.errors()[0]["loc"] == ("number",)
    assert ip.IpRightIn.model_validate({**body, "number": "ZL201710601862.3"}).number == "201710601862.3"
    with pytest.raises(ValueError):
        ip.IpRightIn.model_validate({**body, "number": "ZL201710601862.3", "holder_organization_ids": ["a", "a"]})


def test_states_and_their_dates():
    filed = dt.date(2017, 7, 20)
    ip.check_dates("pending", filed, None, None)
    ip.check_dates("in_force", filed, dt.date(2019, 1, 1), None)
    ip.check_dates("lapsed", filed, dt.date(2019, 1, 1), dt.date(2022, 1, 1))
    for status, granted, lapsed, field in (("in_force", None, None, "granted_on"),
                                           ("pending", dt.date(2019, 1, 1), None, "granted_on"),
                                           ("lapsed", None, None, "lapsed_on"),
                                           ("in_force", dt.date(2016, 1, 1), None, "granted_on"),
                                           ("lapsed", dt.date(2019, 1, 1), dt.date(2018, 1, 1), "lapsed_on")):
        with pytest.raises(Invalid) as raised:
            ip.check_dates(status, filed, granted, lapsed)
        assert raised.value.field == field


def test_transitions_follow_the_table():
    filed, granted = dt.date(2017, 7, 20), dt.date(2019, 1, 1)
    ip.check_transition("pending", "in_force", filed, None, granted)
    ip.check_transition("pending", "lapsed", filed, None, granted)
    ip.check_transition("in_force", "lapsed", filed, granted, dt.date(2020, 1, 1))
    for current, new in (("lapsed", "in_force"), ("in_force", "pending"), ("in_force", "in_force")):
        with pytest.raises(TransitionRefused):
            ip.check_transition(current, new, filed, granted, dt.date(2020, 1, 1))
    with pytest.raises(Invalid):
        ip.check_transition("in_force", "lapsed", filed, granted, dt.date(2018, 1, 1))  # before the grant


def test_who_may_act_on_a_right():
    ip.require_actor(Principal(sub="a", role=Roles.ADMIN), ["org-a"], ["510100"])
    ip.require_actor(Principal(sub="i", role=Roles.INSTITUTION, org="org-a"), ["org-b", "org-a"], ["510700"])
    ip.require_actor(Principal(sub="r", role=Roles.REVIEWER, region="510000"), ["org-a"], ["510100"])
    for principal in (Principal(sub="i", role=Roles.INSTITUTION, org="org-c"),
                      Principal(sub="r", role=Roles.REVIEWER, region="510700")):
        with pytest.raises(NotAllowed):
            ip.require_actor(principal, ["org-a"], ["510100"])


def test_holders_and_links_are_checked_naming_each_field():
    with pytest.raises(Unprocessable) as raised:
        ip.check_holders(["org-a", "org-x"], {"org-a"})
    assert raised.value.code == "unknown_organization"
    assert [f["path"] for f in raised.value.fields] == ["holder_organization_ids.1"]
    found = {"a1": ("published", "org-a", ()), "a2": ("draft", "org-a", ()), "a3": ("registered", "org-z", ("org-b",)),
             "a4": ("registered", "org-z", ())}
    ip.check_links(["a1", "a3"], found, ["org-a", "org-b"])
    with pytest.raises(Unprocessable) as raised:
        ip.check_links(["a1", "a2", "a4", "a9"], found, ["org-a"])
    assert raised.value.code == "unknown_link"
    assert [f["path"] for f in raised.value.fields] == ["achievement_ids.1", "achievement_ids.2", "achievement_ids.3"]


def test_terms_are_counted_from_the_filing_date_and_end_the_day_before_the_anniversary():
    assert ip.default_expiry("invention_patent", dt.date(2017, 7, 20)) == dt.date(2037, 7, 19)
    assert ip.default_expiry("utility_model", dt.date(2020, 1, 1)) == dt.date(2029, 12, 31)
    assert ip.default_expiry("design_patent", dt.date(2021, 6, 1)) == dt.date(2036, 5, 31)  # 15 years since
    assert ip.default_expiry("design_patent", dt.date(2021, 5, 31)) == dt.date(2031, 5, 30)  # 10 before
    assert ip.default_expiry("ic_layout", dt.date(2012, 3, 1)) == dt.date(2022, 2, 28)
    assert ip.default_expiry("invention_patent", dt.date(2016, 2, 29)) == dt.date(2036, 2, 28)
    assert ip.default_expiry("utility_model", dt.date(2016, 2, 29)) == dt.date(2026, 2, 28)  # no 29 February
    assert ip.default_expiry("software_copyright", dt.date(2020, 1, 1)) is None
    assert ip.default_expiry("plant_variety", dt.date(2020, 1, 1)) is None
    assert ip.is_expired("in_force", dt.date(2037, 7, 19), dt.date(2037, 7, 20))
    assert not ip.is_expired("in_force", dt.date(2037, 7, 19), dt.date(2037, 7, 19))
    assert not ip.is_expired("pending", dt.date(2037, 7, 19), dt.date(2040, 1, 1))
    assert not ip.is_expired("in_force", None, dt.date(2040, 1, 1))
