"""Registry domain rules, without any server."""
import pytest
from pydantic import ValidationError

from registry.organizations import ORGANIZATION_KINDS, OrganizationIn
from ttp_common.reference import SICHUAN_COUNTIES, SICHUAN_REGIONS, UnknownDivision, prefecture_of
from ttp_common.refusals import Unprocessable

# Published unified social credit codes of well-known companies: an independent check of the algorithm.
HUAWEI = "914403001922038216"
TENCENT = "9144030071526726XG"
ALIBABA = "91330100716105852F"


def body(**overrides):
    return {"name": "四川省技术转移中心", "credit_code": HUAWEI, "kind": "service_institution",
            "region_code": "510100", **overrides}


def error_paths(exc_info):
    return [".".join(map(str, e["loc"])) for e in exc_info.value.errors()]


@pytest.mark.parametrize("code", [HUAWEI, TENCENT, ALIBABA])
def test_published_credit_codes_are_accepted(code):
    assert OrganizationIn(**body(credit_code=code)).credit_code == code


def test_a_lower_case_credit_code_is_accepted_and_normalised_to_upper_case():
    assert OrganizationIn(**body(credit_code=TENCENT.lower())).credit_code == TENCENT


@pytest.mark.parametrize("code", [
    "914403001922038215",   # wrong check character (should be 6)
    "9144030071526726XH",   # wrong check character (should be G)
    "91440300192203821",    # 17 characters
    "9144030019220382166",  # 19 characters
    "91440300192203821I",   # I is not in the GB 32100 character set
    "914403001922O38216",   # neither is O
    "",
])
def test_invalid_credit_codes_are_rejected_on_the_credit_code_field(code):
    with pytest.raises(ValidationError) as exc:
        OrganizationIn(**body(credit_code=code))
    assert error_paths(exc) == ["credit_code"]


def test_every_one_of_the_21_prefectures_and_183_counties_is_accepted():
    assert len(SICHUAN_REGIONS) == 21 and len(SICHUAN_COUNTIES) == 183
    assert SICHUAN_REGIONS["510100"] == "成都市" and SICHUAN_REGIONS["513400"] == "凉山彝族自治州"
    assert SICHUAN_COUNTIES["510104"] == "锦江区" and SICHUAN_COUNTIES["513402"] == "会理市"
    for code in (*SICHUAN_REGIONS, *SICHUAN_COUNTIES):
        assert OrganizationIn(**body(region_code=code)).region_code == code
    # every county lies in one of the 21 prefectures, by its first four digits
    assert {prefecture_of(code) for code in SICHUAN_COUNTIES} == set(SICHUAN_REGIONS)
    assert prefecture_of("510104") == "510100" and prefecture_of("510100") == "510100" and prefecture_of("510199") is None


@pytest.mark.parametrize("code", [
    "510000",  # the province itself, not a division an organization is in
    "510199",  # not a county of Chengdu
    "511200",  # not assigned in Sichuan
    "513425",  # 会理县, now 会理市 (513402)
    "110100",  # Beijing
])
def test_an_unknown_six_digit_code_is_a_422_naming_the_field(code):
    with pytest.raises(UnknownDivision) as exc:
        OrganizationIn(**body(region_code=code))
    assert exc.value.code == "unknown_division" and exc.value.field == "region_code"
    assert isinstance(exc.value, Unprocessable)


@pytest.mark.parametrize("code", ["5101", "成都市", "5101000"])
def test_a_code_that_is_not_six_digits_is_a_400(code):
    with pytest.raises(ValidationError) as exc:
        OrganizationIn(**body(region_code=code))
    assert error_paths(exc) == ["region_code"]


def test_kinds_are_the_documented_ones_and_others_are_rejected():
    for kind in ORGANIZATION_KINDS:
        assert OrganizationIn(**body(kind=kind)).kind == kind
    with pytest.raises(ValidationError) as exc:
        OrganizationIn(**body(kind="church"))
    assert error_paths(exc) == ["kind"]


def test_unknown_fields_and_too_short_names_are_rejected():
    with pytest.raises(ValidationError) as exc:
        OrganizationIn(**body(owner="x"))
    assert error_paths(exc) == ["owner"]
    with pytest.raises(ValidationError) as exc:
        OrganizationIn(**body(name=" 川 "))  # stripped to one character
    assert error_paths(exc) == ["name"]
