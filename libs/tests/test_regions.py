"""Scopes over Sichuan's divisions with county-level codes (issue 19, item 3): no server."""
import pytest
from pydantic import TypeAdapter, ValidationError

from ttp_common import regions
from ttp_common.reference import SICHUAN_COUNTIES

SCOPE = TypeAdapter(regions.RegionScope)


@pytest.mark.parametrize("code", ["510000", "510100", "510104", "513402", "510781"])
def test_a_scope_is_the_province_a_prefecture_or_a_county(code):
    assert SCOPE.validate_python(code) == code


@pytest.mark.parametrize("code", ["510199", "110101", "5101", "513425"])
def test_an_unknown_scope_is_refused(code):
    with pytest.raises(ValidationError):
        SCOPE.validate_python(code)


def test_a_prefecture_covers_its_counties_and_a_county_only_itself():
    chengdu = [code for code in SICHUAN_COUNTIES if code.startswith("5101")]
    assert len(chengdu) == 20 and all(regions.covers("510100", code) for code in chengdu)
    assert not regions.covers("510700", "510104") and regions.covers("510000", "513437")
    assert regions.covers("510104", "510104") and not regions.covers("510104", "510105")
    assert not regions.covers("510104", "510100")
    assert regions.query("510100") == {"region_code": {"$gte": "5101", "$lt": "5101~"}}
    assert regions.query("510104") == {"region_code": "510104"}
