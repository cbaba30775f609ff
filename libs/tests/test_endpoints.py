"""Declared endpoints (ttp_common.endpoints): the checks they make before a handler runs, the refusal table,
and the OpenAPI operations generated from the declarations."""
import datetime as dt
import json
from decimal import Decimal
from typing import Literal

import pytest
from pydantic import Field
from pymongo.errors import DuplicateKeyError
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ttp_common import clock, money, oidc, paging, regions
from ttp_common.auth import Principal, Roles
from ttp_common.endpoints import SIGNED_IN, created, declared, endpoint, paths_of, parse_query
from ttp_common.errors import ValidationFailed
from ttp_common.models import StrictModel
from ttp_common.refusals import Conflict, Invalid, NotAllowed, NotFound, TransitionRefused, Unprocessable
from ttp_common.service_base import PlatformService
from ttp_testing import tokens



class ThingIn(StrictModel):
    name: str = Field(min_length=2)


class ThingQuery(paging.OffsetParams):
    kind: Literal["a", "b"] | None = Field(None, description="which kind")
    region: regions.RegionScope | None = None
    mine: bool = False


class Things(PlatformService):
    name = "things"
    api_title = "Things"

    tokens = oidc.Verifier(oidc.OidcSettings.from_config({}, service="things"))  # the test run's issuer

    @endpoint("POST", "/api/v1/things", roles=(Roles.INSTITUTION, Roles.ADMIN), body=ThingIn, status=201,
              response="Thing", errors=(409,), summary="Make a thing")
    def make(self, ctx):
        if ctx.body.name == "taken":
            raise Conflict("a thing of this name exists", field="name", detail="taken")
        if ctx.body.name == "dup":
            raise DuplicateKeyError("E11000")
        if ctx.body.name == "bad":
            raise Invalid("not allowed here", field="name")
        if ctx.body.name == "secret":
            raise Unprocessable("classified material is not accepted", code="classified")
        return created({"name": ctx.body.name, "by": ctx.principal.sub, "at": ctx.now}, "/api/v1/things/1")

    @endpoint("GET", "/api/v1/things", query=ThingQuery, summary="List things")
    def list(self, ctx):
        return ctx.query.model_dump()

    @endpoint("GET", "/api/v1/things/<string:thing_id>", response="Thing", summary="One thing")
    def get(self, ctx, thing_id):
        if thing_id == "gone":
            raise NotFound("no such thing")
        if thing_id == "theirs":
            raise NotAllowed("another organization's thing")
        return {"id": thing_id}

    @endpoint("POST", "/api/v1/things/<string:thing_id>/close", roles=SIGNED_IN, summary="Close")
    def close(self, ctx, thing_id):
        raise TransitionRefused("already closed")


def call(handler_name, method="GET", path="/", body=None, token=None, content_type="application/json",
         query=None, **path_values):
    data = json.dumps(body).encode() if body is not None else b""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = Request(EnvironBuilder(path=path, method=method, data=data, content_type=content_type,
                                     query_string=query, headers=headers).get_environ())
    response = getattr(Things(), handler_name)(request, **path_values)
    return response.status_code, json.loads(response.get_data() or b"null"), response


def token(role, **claims):
    return tokens.token(role, **claims)


def test_a_declared_write_checks_the_caller_then_the_body_and_hands_the_handler_one_context():
    assert call("make", "POST", body={"name": "x1"})[0] == 401
    assert call("make", "POST", body={"name": "x1"}, token=token("reviewer"))[0] == 403
    assert call("make", "POST", body={"name": "x1"}, token=token("admin"), content_type="text/plain")[0] == 415
    status, error, _ = call("make", "POST", body={"name": "x"}, token=token("admin"))
    assert status == 400 and error["fields"][0]["path"] == "name"
    before = clock.now_ms()
    status, data, response = call("make", "POST", body={"name": "spade"}, token=token("admin"))
    assert status == 201 and response.headers["Location"] == "/api/v1/things/1"
    assert data["by"] == "test-admin" and dt.datetime.fromisoformat(data["at"]) >= before
    assert response.headers["X-Correlation-Id"]


def test_a_client_system_acts_as_its_role_where_its_scope_reaches_and_nowhere_else():
    maker = tokens.client("things:things:write", client_id="svc-maker", acts_as="institution", org="org-1")
    status, data, _ = call("make", "POST", body={"name": "spade"}, token=maker)
    assert status == 201 and data["by"] == "svc-maker"
    reader = tokens.client("things:things:read", client_id="svc-reader", acts_as="institution", org="org-1")
    status, error, _ = call("make", "POST", body={"name": "spade"}, token=reader)
    assert status == 403 and "no scope covering things:things:write" in error["message"]
    nobody = tokens.client("things:write", client_id="svc-nobody")  # acts for no organization or region
    assert call("make", "POST", body={"name": "spade"}, token=nobody)[0] == 403
    assert call("list", query="kind=a", token=nobody)[0] == 200  # public reads stay public
    reviewer = tokens.client("things:write", client_id="svc-city", acts_as="reviewer", region="510100")
    assert call("make", "POST", body={"name": "spade"}, token=reviewer)[0] == 403  # a reviewer may not make things
    forged = tokens.client("things:write", client_id="svc-x", acts_as="admin")
    assert call("make", "POST", body={"name": "spade"}, token=forged)[0] == 401  # never an administrator


@pytest.mark.parametrize("name, status, code, field", [
    ("taken", 409, "conflict", "name"),
    ("dup", 409, "conflict", None),
    ("bad", 400, "validation_failed", "name"),
    ("secret", 422, "classified", None),
])
def test_refusals_and_duplicates_answer_through_one_table(name, status, code, field):
    got, error, _ = call("make", "POST", body={"name": name}, token=token("institution", org="o1"))
    assert (got, error["code"]) == (status, code)
    assert (error["fields"][0]["path"] if error["fields"] else None) == field


def test_refusals_of_reads_and_transitions():
    assert call("get", thing_id="gone")[:2] == (404, {"code": "not_found", "message": "no such thing", "fields": None})
    assert call("get", thing_id="theirs")[1]["code"] == "forbidden"
    assert call("close", "POST", thing_id="t", token=token("reviewer", region="510100"))[:2][0] == 409
    assert call("close", "POST", thing_id="t")[0] == 401  # SIGNED_IN: anonymous callers are refused


def test_query_models_parse_single_scalars_and_refuse_the_rest():
    status, data, _ = call("list", query="kind=a&region=510100&mine=true&limit=5")
    assert status == 200 and data == {"limit": 5, "offset": 0, "cursor": None, "kind": "a", "region": "510100",
                                      "mine": True}
    assert call("list", query="kind=")[1]["kind"] is None  # empty counts as absent
    for query, field in [("kind=c", "kind"), ("limit=0", "limit"), ("limit=x", "limit"), ("region=999999", "region"),
                         ("kind=a&kind=b", "kind"), ("offset=10001", "offset")]:
        status, error, _ = call("list", query=query)
        assert status == 400 and error["code"] == "validation_failed" and error["fields"][0]["path"] == field, query


def test_an_unknown_query_parameter_is_a_400_naming_it_not_a_silently_wider_answer():
    # a mistyped filter (regoin for region) would otherwise list everything
    status, error, _ = call("list", query="kind=a&regoin=510100&before=x")
    assert status == 400 and error["code"] == "validation_failed"
    assert [f["path"] for f in error["fields"]] == ["before", "regoin"]
    assert "kind" in error["fields"][1]["message"] and "region" in error["fields"][1]["message"]
    # an operation without query parameters takes none
    status, error, _ = call("get", query="limit=5", thing_id="t1")
    assert status == 400 and error["fields"][0]["path"] == "limit" and "takes none" in error["fields"][0]["message"]
    assert call("get", thing_id="t1")[0] == 200
    # the caller is checked first: an anonymous write with a stray parameter is a 401, not a 400
    assert call("make", "POST", body={"name": "spade"}, query="x=1")[0] == 401


def test_parse_query_never_yields_operators():
    request = Request(EnvironBuilder(path="/", query_string="kind[$ne]=a&region=%7B%22%24gt%22%3A%22%22%7D").get_environ())
    with pytest.raises(ValidationFailed) as refused:
        parse_query(request, ThingQuery)
    assert refused.value.fields[0]["path"] == "region"


def test_the_openapi_operations_follow_from_the_declarations():
    paths = paths_of(declared(Things))
    make = paths["/api/v1/things"]["post"]
    assert make["security"] == [{"bearerAuth": []}] and make["x-roles"] == ["institution", "admin"]
    assert make["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ThingIn"}
    assert make["responses"]["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Thing"}
    assert "409" in make["responses"]
    listing = paths["/api/v1/things"]["get"]
    assert "security" not in listing and "400" in listing["responses"]
    names = [p["name"] for p in listing["parameters"]]
    assert names == ["kind", "region", "mine", "limit", "offset", "cursor"]  # own filters first, then the paging
    kind = listing["parameters"][0]
    assert kind == {"name": "kind", "in": "query", "schema": {"enum": ["a", "b"], "type": "string"},
                    "description": "which kind"}
    assert listing["parameters"][3]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    one = paths["/api/v1/things/{thing_id}"]["get"]
    assert one["parameters"] == [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert paths["/api/v1/things/{thing_id}/close"]["post"]["x-roles"] == ["any signed-in caller"]
    assert "x-client-scope" not in make  # no service named: client tokens do not act by scope
    scoped = paths_of(declared(Things), "things")
    assert scoped["/api/v1/things"]["post"]["x-client-scope"] == "things:things:write"
    assert scoped["/api/v1/things/{thing_id}"]["get"]["x-client-scope"] == "things:things:read"
    document = Things.openapi_document()
    assert "ThingIn" in document["components"]["schemas"] and document["openapi"] == "3.1.0"


def test_two_declarations_of_one_operation_are_an_error():
    class Twice(PlatformService):
        @endpoint("GET", "/x", summary="a")
        def a(self, ctx):
            pass

        @endpoint("GET", "/x", summary="b")
        def b(self, ctx):
            pass

    with pytest.raises(ValueError, match="two endpoints declare GET /x"):
        paths_of(declared(Twice))


def test_region_scopes_nest_and_select_by_prefix():
    assert regions.query(None) == {} and regions.query("510000") == {}
    assert regions.query("510100") == {"region_code": {"$gte": "5101", "$lt": "5101~"}}
    assert regions.query("510104", field="r") == {"r": "510104"}
    assert regions.covers("510000", "513400") and regions.covers("510100", "510104")
    assert not regions.covers("510100", "510700") and not regions.covers("510104", "510100")


def test_review_scope_keeps_a_reviewer_inside_their_region():
    from ttp_common.auth import review_scope
    from ttp_common.errors import Forbidden

    reviewer = Principal(sub="r", role=Roles.REVIEWER, region="510100")
    assert review_scope(reviewer) == "510100" and review_scope(reviewer, "510100") == "510100"
    with pytest.raises(Forbidden):
        review_scope(reviewer, "510700")
    assert review_scope(Principal(sub="a", role=Roles.ADMIN), None) is None


def test_one_rounding_rule_for_money():
    assert money.round_fen("0.005") == Decimal("0.01") and money.round_fen("2.345") == Decimal("2.35")
    assert money.round_fen("-2.345") == Decimal("-2.35")  # half away from zero, as a cashier rounds
    assert money.exact_fen("12.3") == Decimal("12.30")
    with pytest.raises(ValueError):
        money.exact_fen("0.001")
    assert money.to_fen("1250000.01") == 125000001 and money.from_fen(125000001) == Decimal("1250000.01")


def test_the_clock_keeps_milliseconds_and_china_dates():
    moment = dt.datetime(2026, 2, 28, 16, 30, 0, 123456, tzinfo=dt.timezone.utc)
    assert clock.to_ms(moment).microsecond == 123000
    assert clock.china_date(moment) == dt.date(2026, 3, 1)  # 00:30 on 1 March in Beijing
    assert clock.now_ms().tzinfo is not None
