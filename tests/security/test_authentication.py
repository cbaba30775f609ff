"""Nobody where they do not belong (issue 9): every operation of every service that its
OpenAPI document marks as needing a token answers 401 without one, with a forged one and
with an expired one, before it looks at the request, and stores nothing."""
import pytest

from ttp_testing import assert_error

from .conftest import concrete, operations, stored

pytestmark = pytest.mark.integration

FORGED_SECRET = "another-secret-of-at-least-32-bytes!!"


@pytest.mark.parametrize("credential", ["none", "forged", "expired", "malformed"])
def test_every_secured_operation_rejects_missing_or_untrustworthy_tokens(service, credential):
    headers = {
        "none": {},
        "forged": {"Authorization": f"Bearer {service.token('admin', secret=FORGED_SECRET)}"},
        "expired": {"Authorization": f"Bearer {service.token('admin', ttl_seconds=-120)}"},
        "malformed": {"Authorization": "Bearer not.a.jwt"},
    }[credential]
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
