"""The portal as an OAuth 2.0 client of the identity service (Authlib's requests client): authorization code with
PKCE (S256), the token request, refresh, revocation, userinfo and the end-session page. The endpoints come from
the issuer's discovery document; the client secret from the settings (never from the repository)."""
import logging
import time
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session

log = logging.getLogger(__name__)
SCOPE = "openid profile"
DISCOVERY_SECONDS = 300


class IdentityUnavailable(Exception):
    """The identity service did not answer (or the client secret is not there yet)."""


class TokenRefused(Exception):
    """The identity service refused a code or a refresh token (``error``: the OAuth error)."""

    def __init__(self, error):
        super().__init__(error)
        self.error = error


class IdentityClient:
    def __init__(self, settings):
        self.settings = settings
        self._discovery = (0.0, None)

    def discovery(self):
        fetched, document = self._discovery
        if document is None or time.monotonic() - fetched > DISCOVERY_SECONDS:
            try:
                response = requests.get(f"{self.settings.identity_url}/.well-known/openid-configuration",
                                        timeout=self.settings.upstream_timeout_seconds)
                response.raise_for_status()
                document = response.json()
            except (requests.RequestException, ValueError) as exc:
                raise IdentityUnavailable(f"discovery: {type(exc).__name__}") from None
            self._discovery = (time.monotonic(), document)
        return document

    def _session(self, **extra):
        secret = self.settings.secret()
        if not secret:
            raise IdentityUnavailable("no client secret for the portal (PORTAL_CLIENT_SECRET or the development "
                                      "credentials file)")
        return OAuth2Session(self.settings.client_id, secret, scope=SCOPE, redirect_uri=self.settings.redirect_uri,
                             code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
                             revocation_endpoint_auth_method="client_secret_basic",
                             default_timeout=self.settings.upstream_timeout_seconds, **extra)

    def authorization_url(self):
        """(URL to send the browser to, state, PKCE verifier)."""
        verifier = generate_token(64)
        url, state = self._session().create_authorization_url(self.discovery()["authorization_endpoint"],
                                                              code_verifier=verifier)
        return url, state, verifier

    def _token_call(self, call):
        try:
            return call()
        except OAuthError as exc:
            raise TokenRefused(exc.error) from None
        except (requests.RequestException, ValueError) as exc:
            raise IdentityUnavailable(f"token endpoint: {type(exc).__name__}") from None

    def redeem(self, code, verifier):
        """The token response for an authorization code."""
        endpoint = self.discovery()["token_endpoint"]
        return self._token_call(lambda: dict(self._session().fetch_token(
            endpoint, grant_type="authorization_code", code=code, code_verifier=verifier)))

    def refresh(self, refresh_token):
        endpoint = self.discovery()["token_endpoint"]
        return self._token_call(lambda: dict(self._session().refresh_token(endpoint, refresh_token=refresh_token)))

    def revoke(self, refresh_token):
        """Revoke a refresh token (RFC 7009); failures are logged: the session is gone from the portal anyway."""
        try:
            endpoint = self.discovery()["revocation_endpoint"]
            self._session().revoke_token(endpoint, token=refresh_token, token_type_hint="refresh_token")
        except (IdentityUnavailable, requests.RequestException, OAuthError) as exc:
            log.warning("refresh token not revoked at sign-out: %s", type(exc).__name__)

    def userinfo(self, access_token):
        try:
            response = requests.get(self.discovery()["userinfo_endpoint"], timeout=self.settings.upstream_timeout_seconds,
                                    headers={"Authorization": f"Bearer {access_token}"})
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise IdentityUnavailable(f"userinfo: {type(exc).__name__}") from None

    def end_session_url(self):
        """The identity service's sign-out page, coming back to the portal's home page."""
        try:
            endpoint = self.discovery()["end_session_endpoint"]
        except IdentityUnavailable:
            return None
        return f"{endpoint}?" + urlencode({"client_id": self.settings.client_id,
                                           "post_logout_redirect_uri": f"{self.settings.public_url}/"})
