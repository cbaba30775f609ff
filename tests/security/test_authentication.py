"""Nobody where they do not belong (issues 9 and 15): every operation of every service that its
OpenAPI document marks as needing a token answers 401 without one and with every token an attacker
can make without the issuer's private key (``ttp_testing.FORGERIES``: another key under the issuer's
kid, an unknown kid, HS256 with the retired shared secret or with the issuer's public key, alg none,
another issuer or audience, expired, not an access token, a tampered payload), before it looks at the
request, and stores nothing."""
import pytest

from ttp_testing import FORGERIES, assert_error, forged

from .conftest import concrete, operations, stored

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("credential", ["none", "malformed", *sorted(FORGERIES)])
def test_every_secured_operation_rejects_missing_or_untrustworthy_tokens(service, credential):
    token = {"none": None, "malformed": "not.a.jwt"}[credential] if credential in ("none", "malformed") \
        else forged("admin", credential)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    secured = [(path, method, op) for path, method, op in operations(service.spec) if op.get("security")]
    before = stored(service)
    for path, method, op in secured:
        response = service.request(method.upper(), concrete(path, op), headers=headers, json={})
        assert response.status_code == 401, f"{method.upper()} {path}: {response.status_code} {response.text}"
        assert_error(response, 401, "unauthenticated")
    assert stored(service) == before


def test_the_public_query_operations_need_no_token(service):
    """Operations documented without `security` are public: they never answer 401."""
    public = [(path, op) for path, method, op in operations(service.spec)
              if not op.get("security") and method == "get"]
    for path, op in public:
        response = service.request("GET", concrete(path, op))
        assert response.status_code != 401, f"GET {path} is documented as public but asks for a token"
