import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from ttp_common import auth, oidc
from ttp_common.auth import Principal, Roles, region_covers, require, require_org, require_region
from ttp_common.errors import ApiError
from ttp_testing import FORGERIES, forged, local_issuer
from ttp_testing import tokens


def request_with(authorization=None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return Request(EnvironBuilder(path="/api/v1/things", headers=headers).get_environ())


def assert_api_error(excinfo, status, code):
    assert excinfo.value.status == status
    assert excinfo.value.code == code
    body = excinfo.value.to_dict()
    assert body["code"] == code and body["message"]


@pytest.fixture(scope="module")
def verifier():
    """A service's verifier of the test run's issuer (discovery and JWKS over HTTP, as in a deployment)."""
    return oidc.Verifier(oidc.OidcSettings.from_config({"OIDC_ISSUER": local_issuer().url}, service="registry"))


def test_authenticate_without_header_is_anonymous_public(verifier):
    principal = oidc.authenticate(request_with(), verifier)
    assert principal == Principal.anonymous()
    assert principal.role == Roles.PUBLIC and principal.is_anonymous


def test_authenticate_reads_a_signed_bearer_token(verifier):
    principal = oidc.authenticate(request_with(f"Bearer {tokens.reviewer('510100', 'rita')}"), verifier)
    assert (principal.sub, principal.role, principal.region, principal.org) == ("rita", Roles.REVIEWER, "510100", None)


def test_a_client_token_for_this_service_is_accepted_with_its_scopes(verifier):
    principal = verifier.verify(tokens.client("registry:read"))
    assert principal.role == Roles.CLIENT and principal.has_scope("registry:read")
    assert not principal.has_scope("registry:write")


def test_a_regions_office_administrator_acts_as_that_regions_reviewer_in_the_services():
    services = oidc.ServiceVerifier(oidc.OidcSettings.from_config({"OIDC_ISSUER": local_issuer().url}))
    office = services.verify(tokens.admin("mianyang-office", region="510700"))
    assert (office.role, office.region) == (Roles.REVIEWER, "510700")
    assert services.verify(tokens.admin("platform-admin")).role == Roles.ADMIN
    with pytest.raises(ApiError):
        require_region(office, "510100")  # not Chengdu's
    assert not auth.acts_for(office, "any-organization")


@pytest.mark.parametrize("kind", sorted(FORGERIES))
def test_every_forgery_is_refused_with_401(verifier, kind):
    with pytest.raises(ApiError) as excinfo:
        oidc.authenticate(request_with(f"Bearer {forged('admin', kind)}"), verifier)
    assert_api_error(excinfo, 401, "unauthenticated")


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer garbage"])
def test_authenticate_rejects_bad_headers(verifier, header):
    with pytest.raises(ApiError) as excinfo:
        oidc.authenticate(request_with(header), verifier)
    assert_api_error(excinfo, 401, "unauthenticated")
    assert excinfo.value.to_response().headers["WWW-Authenticate"] == "Bearer"


def test_require_anonymous_write_is_401():
    with pytest.raises(ApiError) as excinfo:
        require(Principal.anonymous(), Roles.INSTITUTION)
    assert_api_error(excinfo, 401, "unauthenticated")


def test_require_wrong_role_is_403():
    with pytest.raises(ApiError) as excinfo:
        require(Principal("rita", Roles.REVIEWER, region="510100"), Roles.INSTITUTION, Roles.ADMIN)
    assert_api_error(excinfo, 403, "forbidden")


def test_require_allowed_roles_pass():
    admin = Principal("root", Roles.ADMIN)
    assert require(admin, Roles.INSTITUTION, Roles.ADMIN) is admin
    assert require(admin) is admin  # no roles: any authenticated caller
    assert require(Principal.anonymous(), Roles.PUBLIC).is_anonymous


def test_require_org_scope():
    inst = Principal("ivy", Roles.INSTITUTION, org="org-1")
    assert require_org(inst, "org-1") is inst
    assert require_org(Principal("root", Roles.ADMIN), "org-9")
    for principal in (inst, Principal("nobody", Roles.INSTITUTION)):
        with pytest.raises(ApiError) as excinfo:
            require_org(principal, "org-2")
        assert_api_error(excinfo, 403, "forbidden")
    with pytest.raises(ApiError) as excinfo:
        require_org(Principal.anonymous(), "org-1")
    assert_api_error(excinfo, 401, "unauthenticated")


def test_require_region_scope():
    chengdu = Principal("rita", Roles.REVIEWER, region="510100")
    assert require_region(chengdu, "510100") is chengdu
    assert require_region(chengdu, "510104")  # a district of Chengdu
    assert require_region(Principal("root", Roles.ADMIN), "511300")
    assert require_region(Principal("prov", Roles.REVIEWER, region="510000"), "511300")
    for principal in (chengdu, Principal("ivy", Roles.INSTITUTION, org="org-1", region="511300")):
        with pytest.raises(ApiError) as excinfo:
            require_region(principal, "511300")  # Nanchong
        assert_api_error(excinfo, 403, "forbidden")


def test_region_covers():
    assert region_covers("510100", "510100")
    assert region_covers("510100", "510107")
    assert not region_covers("510100", "510000")
    assert not region_covers("510104", "510100")
    assert region_covers("510000", "513400")
    assert not region_covers("510000", "500000")


def test_acts_for_admins_and_the_callers_own_organizations_only():
    seller = Principal("s", Roles.INSTITUTION, org="org-seller")
    assert auth.acts_for(seller, "org-buyer", "org-seller") and auth.acts_for(Principal("a", Roles.ADMIN), "x")
    assert not auth.acts_for(seller, "org-buyer") and not auth.acts_for(seller)
    # a missing party matches nobody, not even a caller without an organization
    assert not auth.acts_for(Principal("n", Roles.INSTITUTION), "org-seller", None)
