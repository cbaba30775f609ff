"""The OpenAPI document of the finance list endpoints (every route's documentation is checked for all
services in tests/deploy/test_openapi_collection.py)."""
from finance.service import FinanceService

SPEC = FinanceService.openapi_document()


def test_the_list_endpoints_are_documented_with_paging():
    for path, item in (("/api/v1/deals", "Deal"), ("/api/v1/subsidies", "Subsidy"), ("/api/v1/roadshows", "Roadshow"),
                       ("/api/v1/funds", "Fund")):
        operation = SPEC["paths"][path]["get"]
        assert {"offset", "limit"} <= {p["name"] for p in operation["parameters"]}, path
        page = SPEC["components"]["schemas"][f"{item}Page"]
        assert page["properties"]["items"]["items"] == {"$ref": f"#/components/schemas/{item}"}
    assert "security" not in SPEC["paths"]["/api/v1/roadshows"]["get"]  # public
    for path in ("/api/v1/deals", "/api/v1/subsidies", "/api/v1/funds", "/api/v1/funds/{fund_id}"):
        assert SPEC["paths"][path]["get"]["security"], path  # the funds' amounts only to authenticated callers
        assert "401" in SPEC["paths"][path]["get"]["responses"], path
