"""The OAuth 2.0 authorization server: Authlib's framework-agnostic ``AuthorizationServer`` and grants, on
werkzeug requests of nameko's ``@http`` (the way ``authlib.integrations.flask_oauth2`` does it for Flask:
a request wrapper, ``handle_response`` answering a werkzeug ``Response``), over the identity database.

- authorization code (RFC 6749 §4.1) with PKCE (RFC 7636), **S256 only and required** for every client;
  a code is consumed atomically when it is redeemed (so it works once even under concurrent requests)
  and a second redemption revokes what the first one issued (§4.1.2);
- refresh tokens (§6) rotated on every use (``INCLUDE_NEW_REFRESH_TOKEN``): the old one is consumed
  atomically; presenting a consumed one again revokes its whole family (OAuth 2.0 Security BCP, RFC 9700
  §4.14.2). A refresh is refused when the account is disabled or locked, or the browser session ended
  (signed out, idle longer than ``session_idle_minutes``, older than ``session_max_hours``);
- client credentials (§4.4) for other systems, with the scopes they were given;
- revocation (RFC 7009) of refresh tokens by the client they were issued to.

Every client is confidential (``client_secret_basic`` or ``client_secret_post``); there are no public
clients and no implicit or password grants. Access tokens: ``identity.tokens`` (RFC 9068 claims), signed
by ``identity.keys``. One server object is built per request (``build``), around that request's store.
"""
import datetime as dt
import json
import time
from collections import defaultdict
from functools import cached_property

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin, OAuth2Payload, OAuth2Request, grants
from authlib.oauth2.rfc6749.errors import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from werkzeug.wrappers import Response

from . import scopes, tokens
from .documents import Account, AuthorizationCode, BrowserSession, Client, RefreshToken, aware

CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


# -- werkzeug requests for Authlib ----------------------------------------------------------

class _Payload(OAuth2Payload):
    def __init__(self, values):
        self._values = values  # a werkzeug MultiDict

    @property
    def data(self):
        return {key: self._values.get(key) for key in self._values}

    @cached_property
    def datalist(self):
        values = defaultdict(list)
        for key in self._values:
            values[key].extend(self._values.getlist(key))
        return values


class WerkzeugOAuth2Request(OAuth2Request):
    """An Authlib request of a werkzeug request (``uri`` from the configured issuer, so that behind a TLS
    proxy it is the public https URL), or of stored authorization parameters (``values``)."""

    def __init__(self, method, uri, headers, args, form):
        super().__init__(method=method, uri=uri, headers=headers)
        self._args, self._form = args, form
        combined = args.copy()
        for key in form:
            for value in form.getlist(key):
                combined.add(key, value)
        self.payload = _Payload(combined)

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


# -- models Authlib asks for ----------------------------------------------------------------

class ClientModel(ClientMixin):
    def __init__(self, doc, env):
        self.doc, self.env = doc, env

    def get_client_id(self):
        return self.doc.id

    def get_default_redirect_uri(self):
        return self.doc.redirect_uris[0] if self.doc.redirect_uris else None

    def get_allowed_scope(self, scope):
        """No scope asked: all the client's scopes; asked: exactly those, when all were given (else None:
        ``invalid_scope``)."""
        given = list(self.doc.scopes)
        if not scope:
            return " ".join(given)
        asked = scopes.split(scope)
        return " ".join(asked) if scopes.allowed(asked, given) else None

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.doc.redirect_uris  # exact match (RFC 9700 §4.1.3)

    def check_client_secret(self, client_secret):
        return self.env.check_client_secret(self.doc, client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in CLIENT_AUTH_METHODS

    def check_response_type(self, response_type):
        return response_type == "code" and "authorization_code" in self.doc.grant_types

    def check_grant_type(self, grant_type):
        return grant_type in self.doc.grant_types


class SignedInUser:
    """The account that signed in, with its browser session (``grant_user`` of the authorization)."""

    def __init__(self, account, session_id, auth_time, amr):
        self.account, self.session_id, self.auth_time, self.amr = account, session_id, auth_time, list(amr)

    def get_user_id(self):
        return self.account.id


class GrantModel:
    """An authorization code or refresh token as Authlib sees it."""

    def __init__(self, doc):
        self.doc = doc
        self.session_id, self.auth_time, self.amr = doc.session_id, doc.auth_time, list(doc.amr)
        self.code_challenge = getattr(doc, "code_challenge", None)
        self.code_challenge_method = getattr(doc, "code_challenge_method", None)

    def get_redirect_uri(self):
        return self.doc.redirect_uri

    def get_scope(self):
        return self.doc.scope

    def check_client(self, client):
        return self.doc.client_id == client.get_client_id()

    def is_revoked(self):
        return self.doc.revoked_at is not None


# -- grants ---------------------------------------------------------------------------------

class S256CodeChallenge(CodeChallenge):
    """PKCE required of every authorization request, S256 only (RFC 9700 §2.1.1: plain is not allowed)."""

    DEFAULT_CODE_CHALLENGE_METHOD = "S256"
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]
    CODE_CHALLENGE_METHODS = {"S256": CodeChallenge.CODE_CHALLENGE_METHODS["S256"]}

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge': PKCE (RFC 7636) with S256 is required")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("'code_challenge_method' must be S256")
        return super().validate_code_challenge(grant, redirect_uri)


class CodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def save_authorization_code(self, code, request):
        user, env = request.user, self.server.env
        data = request.payload.data
        env.store.insert(AuthorizationCode(
            id=tokens.digest(code), client_id=request.client.get_client_id(), account_id=user.account.id,
            session_id=user.session_id, redirect_uri=request.payload.redirect_uri or request.client.get_default_redirect_uri(),
            scope=request.scope or "", code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"], auth_time=int(user.auth_time), amr=user.amr,
            created_at=env.now, expires_at=env.now + dt.timedelta(seconds=env.settings.authorization_code_seconds)))

    def query_authorization_code(self, code, client):
        env = self.server.env
        collection = env.store.collection(AuthorizationCode)
        raw = collection.find_one_and_update(
            {"_id": tokens.digest(code), "client_id": client.get_client_id(), "used": False,
             "expires_at": {"$gt": env.now}}, {"$set": {"used": True}})
        if raw is None:
            used = collection.find_one({"_id": tokens.digest(code), "used": True})
            if used is not None:  # redeemed before: revoke what that redemption issued (RFC 6749 §4.1.2)
                env.revoke_family(used["_id"], "authorization code used twice")
            return None
        return GrantModel(env.store.load(AuthorizationCode, raw))

    def delete_authorization_code(self, authorization_code):
        pass  # consumed by query_authorization_code

    def authenticate_user(self, authorization_code):
        return self.server.env.signed_in(authorization_code)


class RefreshGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        env = self.server.env
        client_id = self.request.client.get_client_id()
        collection = env.store.collection(RefreshToken)
        token_id = tokens.digest(refresh_token)
        raw = collection.find_one_and_update(
            {"_id": token_id, "client_id": client_id, "used_at": None, "revoked_at": None,
             "expires_at": {"$gt": env.now}}, {"$set": {"used_at": env.now}})
        if raw is None:
            seen = collection.find_one({"_id": token_id, "client_id": client_id})
            if seen is not None and seen.get("used_at") is not None and seen.get("revoked_at") is None:
                env.revoke_family(seen["family_id"], "refresh token used twice")
            return None
        return GrantModel(env.store.load(RefreshToken, raw))

    def authenticate_user(self, refresh_token):
        user = self.server.env.signed_in(refresh_token)
        if user is None:
            self.server.env.revoke_family(refresh_token.doc.family_id, "account or session no longer valid")
            raise InvalidGrantError("the account is disabled or locked, or its session has ended")
        return user

    def revoke_old_credential(self, refresh_token):
        pass  # consumed by authenticate_refresh_token


class CredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        doc = self.server.env.store.find_one(RefreshToken, {"_id": tokens.digest(token_string)})
        return GrantModel(doc) if doc is not None else None  # a JWT access token expires on its own

    def revoke_token(self, token, request):
        self.server.env.revoke_family(token.doc.family_id, "revoked by the client (RFC 7009)")


# -- the server -----------------------------------------------------------------------------

class OAuthEnvironment:
    """What the grants need of one request: the store, keys, settings, the secret checker and the time."""

    def __init__(self, store, keys, settings, secrets, now):
        self.store, self.keys, self.settings, self.secrets, self.now = store, keys, settings, secrets, now

    def check_client_secret(self, client_doc, secret):
        return self.secrets.check(client_doc, secret, self.now)

    def revoke_family(self, family_id, reason):
        self.store.update(RefreshToken, {"family_id": family_id, "revoked_at": None},
                          {"$set": {"revoked_at": self.now}}, many=True)
        self.revoked = (family_id, reason)

    def session_active(self, session):
        idle = dt.timedelta(minutes=self.settings.session_idle_minutes)
        return (session is not None and session.ended_at is None and aware(session.expires_at) > self.now
                and aware(session.last_seen_at) + idle > self.now)

    def signed_in(self, grant):
        """The ``SignedInUser`` of a code or refresh token when its account and session are still good."""
        account = self.store.find_one(Account, {"_id": grant.doc.account_id})
        if account is None or account.status != "active" or account.locked:
            return None
        session = self.store.find_one(BrowserSession, {"_id": grant.session_id})
        if not self.session_active(session):
            return None
        self.store.update(BrowserSession, {"_id": session.id}, {"$set": {"last_seen_at": self.now}})
        self.session = session
        return SignedInUser(account, session.id, grant.auth_time, grant.amr)


class IdentityAuthorizationServer(AuthorizationServer):
    def __init__(self, env):
        super().__init__()
        self.env = env
        self._oauth_request = None
        self.register_token_generator("default", BearerTokenGenerator(
            self._access_token, self._refresh_token, lambda client, grant_type: env.settings.access_token_seconds))
        self.register_grant(CodeGrant, [S256CodeChallenge(required=True)])
        self.register_grant(RefreshGrant)
        self.register_grant(CredentialsGrant)
        self.register_endpoint(Revocation)

    # Authlib's framework hooks
    def query_client(self, client_id):
        doc = self.env.store.find_one(Client, {"_id": str(client_id), "status": "active"})
        return ClientModel(doc, self.env) if doc is not None else None

    def save_token(self, token, request):
        refresh = token.get("refresh_token")
        if not refresh:
            return
        previous = request.refresh_token or request.authorization_code
        family = previous.doc.family_id if request.refresh_token else previous.doc.id
        session = getattr(self.env, "session", None)
        ends = self.env.now + dt.timedelta(hours=self.env.settings.refresh_token_hours)
        if session is not None:
            ends = min(ends, aware(session.expires_at))
        self.env.store.insert(RefreshToken(
            id=tokens.digest(refresh), family_id=family, client_id=request.client.get_client_id(),
            account_id=request.user.account.id, session_id=request.user.session_id, scope=token.get("scope", ""),
            auth_time=int(request.user.auth_time), amr=request.user.amr, created_at=self.env.now, expires_at=ends))

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            self._oauth_request = request
            return request
        uri = self.env.settings.issuer + request.full_path.rstrip("?")
        self._oauth_request = WerkzeugOAuth2Request(request.method, uri, request.headers, request.args, request.form)
        return self._oauth_request

    def create_json_request(self, request):
        raise NotImplementedError("no JSON endpoints")

    def handle_response(self, status, body, headers):
        if isinstance(body, dict):
            body = json.dumps(body)
        return Response(body, status=status, headers=headers)

    def send_signal(self, name, *args, **kwargs):
        pass  # the entrypoints audit from the responses

    # token contents
    def _access_token(self, client, grant_type, user, scope):
        settings = self.env.settings
        if user is None:  # client credentials
            claims = tokens.client_claims(client.doc, issuer=settings.issuer, now=self.env.now,
                                          ttl_seconds=settings.access_token_seconds, scope=scope,
                                          audiences=scopes.audiences(scopes.split(scope)) or ["ttp"])
        else:
            claims = tokens.person_claims(user.account, issuer=settings.issuer, now=self.env.now,
                                          ttl_seconds=settings.access_token_seconds, client_id=client.get_client_id(),
                                          scope=scope, session_id=user.session_id, auth_time=user.auth_time,
                                          amr=user.amr)
        self.issued_claims = claims
        return self.env.keys.sign(claims)

    def _refresh_token(self, client, grant_type, user, scope):
        return tokens.new_secret(32)


def build(store, keys, settings, secrets, now=None):
    """The authorization server for one request."""
    from ttp_common import clock

    return IdentityAuthorizationServer(OAuthEnvironment(store, keys, settings, secrets, now or clock.now_ms()))


class ClientSecrets:
    """Checks client secrets (argon2id); a secret verified a moment ago is not hashed again within
    ``cache_seconds`` (an in-process map from (client, secret entry, SHA-256 of the secret) to expiry), so
    a system asking for tokens often does not pay ~25 ms of argon2 each time. Rotation and revocation
    take effect at once: only entries still valid in the client's stored document count."""

    def __init__(self, hasher, cache_seconds=60):
        self.hasher, self.cache_seconds = hasher, cache_seconds
        self._verified = {}

    def check(self, client_doc, secret, now):
        if not secret:
            return False
        valid = [entry for entry in client_doc.secrets
                 if entry.get("expires_at") is None or aware(entry["expires_at"]) > now]
        fingerprint = tokens.digest(secret)
        moment = time.monotonic()
        for entry in valid:
            cached = self._verified.get((client_doc.id, entry["id"], fingerprint))
            if cached is not None and cached > moment:
                return True
        for entry in valid:
            if self.hasher.verify(entry["hash"], secret):
                if self.cache_seconds > 0:
                    if len(self._verified) > 10_000:
                        self._verified.clear()
                    self._verified[(client_doc.id, entry["id"], fingerprint)] = moment + self.cache_seconds
                return True
        return False
