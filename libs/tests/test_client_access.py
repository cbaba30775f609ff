"""What a client system's token may do on an endpoint (ttp_common.client_access)."""
import pytest

from ttp_common import client_access
from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.oidc import VerifiedPrincipal


def client(*scopes, acts_as=None, org=None, region=None):
    return VerifiedPrincipal(sub="svc-1", role=Roles.CLIENT, org=org, region=region, scopes=frozenset(scopes),
                             client_id="svc-1", acts_as=acts_as)


@pytest.mark.parametrize("method, path, scope", [
    ("POST", "/api/v1/contracts", "transactions:contracts:write"),
    ("PUT", "/api/v1/contracts/<string:contract_id>", "transactions:contracts:write"),
    ("POST", "/api/v1/contracts/<string:contract_id>/register", "transactions:contracts:write"),
    ("GET", "/api/v1/contracts/<string:contract_id>", "transactions:contracts:read"),
    ("GET", "/api/v1/annual-reports", "transactions:annual-reports:read"),
    ("GET", "/health", None),
    ("GET", "/api/v1/<string:kind>", None),
])
def test_an_endpoints_scope_follows_from_its_method_and_first_path_segment(method, path, scope):
    assert client_access.endpoint_scope("transactions", method, path) == scope


def test_a_declared_scope_replaces_the_derived_one_and_closed_closes():
    path = "/api/v1/review/achievements"
    assert client_access.endpoint_scope("registry", "GET", path) == "registry:review:read"
    assert client_access.endpoint_scope("registry", "GET", path, "registry:achievements:read") == "registry:achievements:read"
    assert client_access.endpoint_scope("registry", "GET", path, client_access.CLOSED) is None
    assert client_access.endpoint_scope(None, "GET", path) is None  # a service where clients do not act by scope


@pytest.mark.parametrize("held, needed, covered", [
    ("transactions:contracts:write", "transactions:contracts:write", True),
    ("transactions:contracts:write", "transactions:contracts:read", True),
    ("transactions:contracts:read", "transactions:contracts:write", False),
    ("transactions:write", "transactions:auctions:write", True),
    ("transactions:read", "transactions:auctions:write", False),
    ("transactions:contracts:write", "transactions:auctions:write", False),
    ("registry:write", "transactions:contracts:read", False),
    ("registry", "registry:read", False),
])
def test_a_scope_covers_its_service_and_resource_and_write_covers_read(held, needed, covered):
    assert client_access.covers(held, needed) is covered


def test_a_client_holding_the_scope_acts_as_its_role_for_its_region():
    registrar = client("transactions:contracts:write", acts_as=Roles.REGISTRAR, region="510100")
    acting = client_access.acting(registrar, "transactions:contracts:write", public=False)
    assert (acting.role, acting.region, acting.sub, acting.via_client) == (Roles.REGISTRAR, "510100", "svc-1", True)
    assert acting.acts_as is None  # it cannot act again as something else


def test_a_client_without_the_scope_is_403_on_a_closed_endpoint_and_the_public_on_a_public_read():
    reader = client("transactions:contracts:read", acts_as=Roles.REGISTRAR, region="510100")
    with pytest.raises(Forbidden, match="no scope covering transactions:contracts:write"):
        client_access.acting(reader, "transactions:contracts:write", public=False)
    assert client_access.acting(reader, "transactions:auctions:read", public=True) == Principal.anonymous()
    with pytest.raises(Forbidden, match="not open to client systems"):
        client_access.acting(reader, None, public=False)


def test_a_client_that_acts_for_nobody_reads_public_data_only():
    nobody = client("registry:write")
    assert client_access.acting(nobody, "registry:achievements:read", public=True).is_anonymous
    with pytest.raises(Forbidden, match="reads public data only"):
        client_access.acting(nobody, "registry:achievements:write", public=False)


def test_an_acting_role_without_its_organization_or_region_is_refused():
    with pytest.raises(Forbidden, match="organization it acts for"):
        client_access.acting(client("registry:write", acts_as=Roles.INSTITUTION), "registry:achievements:write", False)
    with pytest.raises(Forbidden, match="region it acts for"):
        client_access.acting(client("registry:write", acts_as=Roles.REVIEWER, org="o"), "registry:x:write", False)
    with pytest.raises(Forbidden, match="cannot act as 'admin'"):
        client_access.acting(client("registry:write", acts_as=Roles.ADMIN), "registry:x:write", False)


def test_people_are_judged_by_their_role_not_by_scopes():
    person = VerifiedPrincipal(sub="u-1", role=Roles.INSTITUTION, org="o", scopes=frozenset({"openid"}))
    assert client_access.acting(person, "registry:achievements:write", public=False) is person
