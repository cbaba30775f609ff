"""What the transactions entrypoints share: who may call, the query fields and queries of the public searches and
the paged lists, and the documented success body.
"""
from typing import Literal

from pydantic import Field

from ttp_common import paging, regions, search_terms
from ttp_common.auth import Roles
from ttp_common.models import Query
from ttp_common.reference import SICHUAN_REGIONS
from ttp_common.regions import PROVINCE

INSTITUTIONS = (Roles.INSTITUTION, Roles.ADMIN)  # institutions for their organization, and admins
PARTIES_AND_REGISTRARS = (Roles.INSTITUTION, Roles.REGISTRAR, Roles.ADMIN)
REGISTRARS = (Roles.REGISTRAR, Roles.ADMIN)  # the registration body (技术合同登记机构) of a region, and admins
OBJECT = {"type": "object"}  # the documented success body of every operation

LIMIT = "1 to 100 (default 20)"
Division = Literal[tuple(sorted(SICHUAN_REGIONS))]
DivisionOrProvince = Literal[(PROVINCE, *sorted(SICHUAN_REGIONS))]
DIVISION = "GB/T 2260 code of one of Sichuan's 21 divisions"
DIVISION_OR_PROVINCE = ("GB/T 2260 code of one of Sichuan's 21 divisions, or 510000 (the province: every division, "
                        "the default)")
PROGRAMME = "专项 1–15"


class Limited(Query):
    """A ranked list (matches, best first) of at most ``limit`` items: a ranking, not a page of a longer list."""

    limit: int = Field(20, ge=1, le=paging.MAX_LIMIT, description=LIMIT)


class Before(paging.BeforeParams):
    """A page newest first and the ``next_before`` cursor of the next, older page (null on the last one)."""

    limit: int = Field(20, ge=1, le=paging.MAX_LIMIT, description=LIMIT)
    before: str | None = Field(None, description="next_before of the previous page: the next, older page")


def before_page(repo, document_class, query, params, time_field):
    """``{"items", "next_before"}``: one page of ``query`` newest first by (``time_field``, _id) (``params``:
    ``Before``), each item's public view."""
    docs, next_before = paging.by_time(repo.collection(document_class), query, params.limit, params.before,
                                       time_field, param="before")
    return {"items": [repo.load(document_class, doc).view() for doc in docs], "next_before": next_before}


def offset_page(repo, document_class, query, sort, params):
    """``paging.by_offset`` of ``document_class`` (``params``: ``paging.OffsetParams``), each item's view."""
    return paging.by_offset(repo.collection(document_class), query, sort, params,
                            lambda raw: repo.load(document_class, raw).view())


def search_query(base, words, region, **filters):
    """A public search: ``base`` with the ``filters`` given (None: not given, a field each), the records of
    ``region`` (``regions.query``) and every search term of ``words``."""
    query = {**base, **{field: value for field, value in filters.items() if value is not None}}
    query |= regions.query(region)
    wanted = search_terms.terms(words or "")
    if wanted:
        query["terms"] = {"$all": wanted}
    return query
