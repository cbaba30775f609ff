"""The OAuth flows end to end over HTTP, as a browser and a client system do them, against the real servers."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _identity import client_token, refresh  # noqa: E402

pytestmark = pytest.mark.integration


def test_discovery_and_keys(api):
    doc = api.get("/.well-known/openid-configuration").json()
    assert doc["issuer"] == api.url and doc["jwks_uri"] == f"{api.url}/.well-known/jwks.json"
    assert doc["code_challenge_methods_supported"] == ["S256"]
    keys = api.get("/.well-known/jwks.json").json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "EC" and keys[0]["alg"] == "ES256" and "d" not in keys[0]


def test_client_credentials(api, creds):
    secret = creds["clients"]["dev-subscriber"]["client_secret"]
    response = client_token(api, "dev-subscriber", secret, scope="registry:read")
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"


def test_code_flow(api, creds, browser):
    inst = creds["accounts"]["dev-institution"]
    token = browser.sign_in("dev-institution", inst["password"])
    assert token["refresh_token"]
    again = refresh(api, token["refresh_token"], client_secret=browser.client_secret)
    assert again.status_code == 200, again.text
