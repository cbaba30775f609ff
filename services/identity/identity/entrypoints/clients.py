"""Registering other systems and the portal as OAuth 2.0 clients (platform administrators): create, list,
rotate the secret (the old one keeps working for an overlap), revoke. The work is ``identity.handlers.clients``."""
from ttp_common import paging
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint

from .. import tokens
from ..accounts import ReasonIn
from ..clients import ClientIn
from ..documents import Client
from ..handlers import Caller
from ..handlers import clients as handlers
from .common import IdentityHelpers

ADMINS = (Roles.ADMIN,)
WITH_SECRET = {"type": "object", "required": ["client", "client_secret"], "properties": {
    "client": {"$ref": "#/components/schemas/Client"},
    "client_secret": {"type": "string", "description": "Shown this once; stored as an argon2id hash"}}}
CLIENT_SCHEMA = {"type": "object", "required": ["client_id", "name", "kind", "scopes", "status"], "properties": {
    "client_id": {"type": "string"}, "name": {"type": "string"}, "kind": {"type": "string", "enum": ["service", "web"]},
    "scopes": {"type": "array", "items": {"type": "string"}}, "grant_types": {"type": "array", "items": {"type": "string"}},
    "redirect_uris": {"type": "array", "items": {"type": "string"}},
    "post_logout_redirect_uris": {"type": "array", "items": {"type": "string"}},
    "organization_id": {"type": ["string", "null"]}, "region_code": {"type": ["string", "null"]},
    "acts_as": {"type": ["string", "null"], "enum": ["institution", "investor", "supervisor", "reviewer", "registrar", None]},
    "status": {"type": "string", "enum": ["active", "revoked"]},
    "secrets": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "created_at": {"type": "string"}, "expires_at": {"type": ["string", "null"]}}}},
    "created_at": {"type": "string"}, "revoked_at": {"type": ["string", "null"]}}}


class ClientEntrypoints(IdentityHelpers):
    @endpoint("POST", "/api/v1/clients", roles=ADMINS, body=ClientIn, status=201, response=WITH_SECRET,
              described="Registered; the secret is in this answer only", errors=(409,),
              summary="Register a client: another system (client credentials, scopes) or a web application")
    def register_client(self, ctx):
        secret = tokens.new_secret(32)
        hashed = self.runtime.hasher.hash(secret)
        client = self.audited(ctx, "client.register", "client", None, handlers.register, ctx.body, Caller.of(ctx),
                              hashed, ctx.now)
        return created({"client": client.public(), "client_secret": secret}, f"/api/v1/clients/{client.id}")

    @endpoint("GET", "/api/v1/clients", roles=ADMINS, query=paging.OffsetParams,
              response=paging.offset_page_schema("Client"), summary="Registered clients, oldest first")
    def list_clients(self, ctx):
        return paging.by_offset(self.store.collection(Client), {}, [("created_at", 1), ("_id", 1)], ctx.query,
                                lambda raw: self.store.load(Client, raw).public())

    @endpoint("GET", "/api/v1/clients/<string:client_id>", roles=ADMINS, response="Client", summary="One client")
    def get_client(self, ctx, client_id):
        return self.store.get(Client, client_id).public()

    @endpoint("POST", "/api/v1/clients/<string:client_id>/secret-rotation", roles=ADMINS, response=WITH_SECRET,
              errors=(409,), summary="A new secret; the previous one keeps working for IDENTITY_SECRET_OVERLAP_HOURS")
    def rotate_client_secret(self, ctx, client_id):
        secret = tokens.new_secret(32)
        hashed = self.runtime.hasher.hash(secret)
        client = self.audited(ctx, "client.rotate_secret", "client", client_id, handlers.rotate_secret, client_id,
                              Caller.of(ctx), hashed, ctx.now, self.runtime.settings.secret_overlap_hours)
        return {"client": client.public(), "client_secret": secret}

    @endpoint("POST", "/api/v1/clients/<string:client_id>/revocation", roles=ADMINS, body=ReasonIn, response="Client",
              errors=(409,), summary="Revoke a client: no more tokens, its refresh tokens revoked")
    def revoke_client(self, ctx, client_id):
        return self.audited(ctx, "client.revoke", "client", client_id, handlers.revoke, client_id, ctx.body.reason,
                            Caller.of(ctx), ctx.now).public()
