"""Reference data every service shares (DESIGN §6)."""
import re
from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo

from .counties import SICHUAN_COUNTIES
from .refusals import Unprocessable

# The 21 prefecture-level divisions of Sichuan, GB/T 2260 codes.
SICHUAN_REGIONS = {
    "510100": "成都市",
    "510300": "自贡市",
    "510400": "攀枝花市",
    "510500": "泸州市",
    "510600": "德阳市",
    "510700": "绵阳市",
    "510800": "广元市",
    "510900": "遂宁市",
    "511000": "内江市",
    "511100": "乐山市",
    "511300": "南充市",
    "511400": "眉山市",
    "511500": "宜宾市",
    "511600": "广安市",
    "511700": "达州市",
    "511800": "雅安市",
    "511900": "巴中市",
    "512000": "资阳市",
    "513200": "阿坝藏族羌族自治州",
    "513300": "甘孜藏族自治州",
    "513400": "凉山彝族自治州",
}

# Every division an organization, a plan project or a scope may name: the prefectures and their counties.
SICHUAN_DIVISIONS = {**SICHUAN_REGIONS, **SICHUAN_COUNTIES}


def prefecture_of(code):
    """The prefecture a known division lies in (itself for a prefecture): 510104 → 510100; None if unknown."""
    code = str(code)
    if code in SICHUAN_REGIONS:
        return code
    if code in SICHUAN_COUNTIES:
        return code[:4] + "00"
    return None


# GB 32100-2015 unified social credit code: 17 characters + a check character.
_USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_character(first17):
    total = sum(_USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS))
    return _USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(code):
    """True for an 18-character 统一社会信用代码 whose check character matches."""
    if not isinstance(code, str) or len(code) != 18 or any(c not in _USCC_CHARSET for c in code):
        return False
    return uscc_check_character(code[:17]) == code[17]


def _check_region(value):
    if value not in SICHUAN_REGIONS:
        raise ValueError("not one of Sichuan's 21 prefecture-level division codes (GB/T 2260)")
    return value


# A pydantic field type: the GB/T 2260 code of one of Sichuan's 21 prefecture-level divisions.
RegionCode = Annotated[str, AfterValidator(_check_region),
                       Field(description="GB/T 2260 code of one of Sichuan's 21 prefecture-level divisions")]


class UnknownDivision(Unprocessable):
    """A well-formed six-digit code that is not in the reference list (``counties``): answered with a 422."""

    code = "unknown_division"


def _check_division(value, info: ValidationInfo):
    if not re.fullmatch(r"[0-9]{6}", value):
        raise ValueError("a GB/T 2260 code has six digits")
    if value not in SICHUAN_DIVISIONS:
        raise UnknownDivision(f"{value} is not one of Sichuan's 21 prefecture-level or 183 county-level divisions "
                              f"(GB/T 2260, as of 2023-06-30)", field=info.field_name, detail="unknown division")
    return value


# A pydantic field type: a prefecture-level division or a county-level one (district, county, county-level city)
# of Sichuan. Unknown six-digit codes are a 422 ``unknown_division``; anything else a 400.
DivisionCode = Annotated[str, AfterValidator(_check_division), Field(
    description="GB/T 2260 code of one of Sichuan's 21 prefecture-level divisions or of a county-level division "
                "(区, 县, 县级市) inside one, e.g. 510104 锦江区 in 510100 成都市; an unknown code is a 422",
    json_schema_extra={"pattern": "^[0-9]{6}$"})]
