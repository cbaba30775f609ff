"""Fixtures of the identity service's tests: one real service container per module (keys in a directory of
its own, the development accounts seeded); the sign-in helpers are in ``_identity``."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _identity import Browser, credentials, running_identity  # noqa: E402


@pytest.fixture(scope="module")
def api():
    with running_identity() as running:
        yield running


@pytest.fixture(scope="module")
def creds(api):
    return credentials(api)


@pytest.fixture(scope="module")
def portal_secret(creds):
    return creds["clients"]["portal"]["client_secret"]


@pytest.fixture(scope="module")
def admin_token(api, creds, portal_secret):
    """The seeded administrator, signed in once for the module (password and TOTP)."""
    admin = creds["accounts"]["dev-admin"]
    return Browser(api, client_secret=portal_secret).sign_in("dev-admin", admin["password"],
                                                             totp_secret=admin["totp_secret"])["access_token"]


@pytest.fixture
def browser(api, portal_secret):
    return Browser(api, client_secret=portal_secret)
