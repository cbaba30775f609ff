"""Administrative divisions as scopes: which codes a region covers, and the query that selects them.

GB/T 2260 codes nest by prefix: the province 510000 covers every code starting 51, a prefecture 510100 every
code starting 5101 (its districts and counties), a county-level code only itself. A reviewer's scope, a
listing's ``region`` filter and a breakdown by region all use these, in every service.
"""
from typing import Annotated

from pydantic import AfterValidator, Field

from .reference import SICHUAN_DIVISIONS

PROVINCE = "510000"  # 四川省: as a filter or a scope, every division


def covers(scope, region_code):
    """Whether the division ``scope`` includes ``region_code`` (PP0000 ⊇ PPCC00 ⊇ PPCCDD)."""
    scope, code = str(scope), str(region_code)
    if len(scope) == 6 and len(code) == 6:
        if scope.endswith("0000"):
            return code[:2] == scope[:2]
        if scope.endswith("00"):
            return code[:4] == scope[:4]
    return scope == code


def prefix(scope):
    """The code prefix every division inside ``scope`` starts with."""
    scope = str(scope)
    if len(scope) == 6 and scope.endswith("0000"):
        return scope[:2]
    if len(scope) == 6 and scope.endswith("00"):
        return scope[:4]
    return scope


def prefixes(region_code):
    """Every ``prefix`` of a scope that covers ``region_code``: the code itself, its prefecture's and the
    province's. A search index that stores them finds the code by any scope with one exact term."""
    code = str(region_code)
    return sorted({code, code[:4], code[:2]})


def query(scope, field="region_code"):
    """The MongoDB filter selecting the records whose ``field`` lies inside ``scope`` (None or the province:
    no filter). A prefix range, so an index on ``field`` serves it."""
    if scope in (None, PROVINCE):
        return {}
    start = prefix(scope)
    if len(start) == 6:
        return {field: start}
    return {field: {"$gte": start, "$lt": start + "~"}}


def is_known(code, province=True):
    """One of Sichuan's division codes the platform knows, prefecture or county level (or, with ``province``,
    510000 itself)."""
    return code in SICHUAN_DIVISIONS or (province and code == PROVINCE)


def _known_scope(value):
    if not is_known(value):
        raise ValueError("not 510000 or one of Sichuan's 21 prefecture-level or 183 county-level division codes "
                         "(GB/T 2260)")
    return value


# A query parameter or field naming a scope: a prefecture (covering its counties), a county, or the province for
# all of them.
RegionScope = Annotated[str, AfterValidator(_known_scope),
                        Field(description="GB/T 2260 code of a division, or 510000 for every division",
                              json_schema_extra={"pattern": "^[0-9]{6}$"})]
