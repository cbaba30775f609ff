"""Discovery (OpenID Connect Discovery 1.0 / RFC 8414) and the issuer's public keys (RFC 7517 JWKS), and the
key rotation an administrator may ask for."""
from ttp_common import web
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint
from ttp_common.refusals import Conflict, NotAllowed

from .. import audit, scopes
from ..handlers import Caller
from ..keys import KeyDirectoryReadOnly
from .common import IdentityHelpers

JWKS_SCHEMA = {"type": "object", "required": ["keys"], "properties": {"keys": {"type": "array", "items": {
    "type": "object", "required": ["kty", "kid"], "properties": {"kty": {"type": "string"}, "kid": {"type": "string"},
                                                                  "alg": {"type": "string"}, "use": {"type": "string"}}}}}}
KEYS_SCHEMA = {"type": "object", "required": ["signing_kid", "published_kids"], "properties": {
    "signing_kid": {"type": "string"}, "published_kids": {"type": "array", "items": {"type": "string"}},
    "next_kid": {"type": ["string", "null"], "description": "A rotated key, published, signing from activates_at"},
    "activates_at": {"type": ["number", "null"], "description": "Unix time"}}}


def discovery(issuer):
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/oauth/authorize",
        "token_endpoint": f"{issuer}/oauth/token",
        "revocation_endpoint": f"{issuer}/oauth/revoke",
        "userinfo_endpoint": f"{issuer}/oauth/userinfo",
        "end_session_endpoint": f"{issuer}/oauth/logout",
        "jwks_uri": f"{issuer}/.well-known/jwks.json",
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": list(scopes.OPENID_SCOPES) + [f"{service}:{access}" for service in scopes.SERVICES
                                                         for access in scopes.ACCESS],
        "subject_types_supported": ["public"],
        "access_token_signing_alg_values_supported": ["ES256"],
        "claims_supported": ["iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope", "role", "org", "region",
                             "sid", "auth_time", "amr", "preferred_username"],
        "ui_locales_supported": ["zh-CN"],
    }


class WellKnownEntrypoints(IdentityHelpers):
    @endpoint("GET", "/.well-known/openid-configuration", response={"type": "object"},
              summary="Discovery: the issuer's endpoints and what it supports (OpenID Connect Discovery, RFC 8414)")
    def openid_configuration(self, ctx):
        return web.json_response(discovery(self.runtime.settings.issuer), headers={"Cache-Control": "max-age=300"})

    @endpoint("GET", "/.well-known/jwks.json", response=JWKS_SCHEMA,
              summary="The public keys that verify the issuer's tokens (JWKS): the signing key and retired keys "
                      "whose tokens may still be valid")
    def jwks(self, ctx):
        return web.json_response(self.runtime.keys.jwks(), headers={"Cache-Control": "max-age=60"})

    @endpoint("GET", "/api/v1/keys", roles=(Roles.ADMIN,), response=KEYS_SCHEMA,
              summary="The signing key and the published keys (platform administrators)")
    def list_keys(self, ctx):
        return self._keys_view()

    @endpoint("POST", "/api/v1/keys/rotation", roles=(Roles.ADMIN,), response=KEYS_SCHEMA, errors=(409,),
              summary="Rotate the signing key (platform administrators): a new key is published now and signs after "
                      "IDENTITY_KEY_ACTIVATION_SECONDS; the old one stays published until the tokens it signed expired")
    def rotate_keys(self, ctx):
        caller = Caller.of(ctx)
        if ctx.principal.region is not None:
            raise NotAllowed("only the platform's administrators rotate keys")
        try:
            old = self.runtime.keys.signing_key().kid
            new = self.runtime.keys.rotate().kid
        except KeyDirectoryReadOnly as exc:
            raise Conflict(str(exc)) from None
        audit.write_and_announce(self.store, audit.entry(
            "keys.rotate", "success", at=ctx.now, actor=ctx.actor, user_agent=caller.user_agent, target_type="key",
            target_id=new, detail={"previous_kid": old}))
        return self._keys_view()

    def _keys_view(self):
        keys = self.runtime.keys
        signing = keys.signing_key()
        pending = [key for key in keys.published() if key.activates_at > keys.clock()]
        return {"signing_kid": signing.kid, "published_kids": [key.kid for key in keys.published()],
                "next_kid": pending[-1].kid if pending else None,
                "activates_at": pending[-1].activates_at if pending else None}
