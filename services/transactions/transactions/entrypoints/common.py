"""What the transactions entrypoints share: who may call, the query fields and queries of the public searches and
the paged lists, the documented success body, and two things ``ttp_common.endpoints`` does not do (yet):
institutions acting for their organization (``require_organization``), and an optional JSON body
(``optional_body``).
"""
from typing import Literal

from pydantic import Field

from ttp_common import endpoints, paging, regions, search_terms, web
from ttp_common.auth import Roles
from ttp_common.errors import Forbidden
from ttp_common.models import Query
from ttp_common.reference import SICHUAN_REGIONS
from ttp_common.regions import PROVINCE

INSTITUTIONS = (Roles.INSTITUTION, Roles.ADMIN)  # institutions for their organization, and admins
PARTIES_AND_REVIEWERS = (Roles.INSTITUTION, Roles.REVIEWER, Roles.ADMIN)
REVIEWERS = (Roles.REVIEWER, Roles.ADMIN)
OBJECT = {"type": "object"}  # the documented success body of every operation

LIMIT = "1 to 100 (default 20)"
Division = Literal[tuple(sorted(SICHUAN_REGIONS))]
DivisionOrProvince = Literal[(PROVINCE, *sorted(SICHUAN_REGIONS))]
DIVISION = "GB/T 2260 code of one of Sichuan's 21 divisions"
DIVISION_OR_PROVINCE = ("GB/T 2260 code of one of Sichuan's 21 divisions, or 510000 (the province: every division, "
                        "the default)")
PROGRAMME = "专项 1–15"


class Limited(Query):
    """A list of at most ``limit`` items (ranked or newest first), without further pages."""

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


def search_query(base, words, region, **filters):
    """A public search: ``base`` with the ``filters`` given (None: not given, a field each), the records of
    ``region`` (``regions.query``) and every search term of ``words``."""
    query = {**base, **{field: value for field, value in filters.items() if value is not None}}
    query |= regions.query(region)
    wanted = search_terms.terms(words or "")
    if wanted:
        query["terms"] = {"$all": wanted}
    return query


def require_organization(principal):
    """An institution acts for its organization (token claim ``org``); admins pass. 403 otherwise."""
    if principal.role != Roles.ADMIN and not principal.org:
        raise Forbidden("institutions act for an organization (token claim 'org')")
    return principal


# -- an optional JSON body ------------------------------------------------------------------------

OPTIONAL_BODY = "ttp_optional_body"


def optional_body(model):
    """Mark an ``@endpoint`` (declared without ``body=``) that takes an optional JSON body of ``model``: the
    document states it (``with_optional_bodies``); the handler reads it with ``read_optional_body``."""
    def mark(entry):
        setattr(entry, OPTIONAL_BODY, model)
        return entry
    return mark


def read_optional_body(request, model):
    """The request's JSON body validated into ``model`` (as ``body=`` would), or ``model()`` when it has none."""
    return web.parse_body(request, model) if request.get_data() else model()


def with_optional_bodies(service_cls, document):
    """``document`` (the service's OpenAPI document) with the optional bodies of its endpoints stated."""
    for name in dir(service_cls):
        entry = getattr(service_cls, name, None)
        model, spec = getattr(entry, OPTIONAL_BODY, None), getattr(entry, endpoints.ENDPOINT_ATTRIBUTE, None)
        if model is not None and spec is not None:
            path, _ = endpoints.openapi_path(spec.path)
            document["paths"][path][spec.method.lower()]["requestBody"] = {
                "required": False, **web.json_body(model.__name__)}
    return document
