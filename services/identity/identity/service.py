"""The identity service: people's accounts, roles and sessions, client accounts of other systems, and the
OAuth 2.0 / OpenID Connect issuer whose keys every other service trusts.

This module only composes the service. Entrypoints: ``identity.entrypoints`` (well-known documents and
keys, the OAuth endpoints with the sign-in pages, accounts and self-service, clients, the audit, start-up);
the service layer ``identity.handlers``; rules ``accounts``, ``clients``, ``passwords``, ``lockout``,
``scopes``, ``totp``, ``tokens``; keys ``keys``; Authlib's server ``oauth``; documents ``documents``.
"""
from ttp_common.service_base import PlatformService

from .dependencies import Runtime
from .documents import DOCUMENTS
from .entrypoints.accounts import ACCOUNT_SCHEMA, SESSION_SCHEMA, AccountEntrypoints
from .entrypoints.audit import AuditEntrypoints
from .entrypoints.clients import CLIENT_SCHEMA, ClientEntrypoints
from .entrypoints.oauth import OAuthEntrypoints
from .entrypoints.startup import StartupEntrypoints
from .entrypoints.wellknown import WellKnownEntrypoints


class IdentityService(WellKnownEntrypoints, OAuthEntrypoints, AccountEntrypoints, ClientEntrypoints,
                      AuditEntrypoints, StartupEntrypoints, PlatformService):
    name = "identity"
    api_title = "TTP identity service"
    api_description = ("Accounts, roles and sessions of people; client accounts of other systems; the OAuth 2.0 / "
                       "OpenID Connect issuer of the platform's tokens (RFC 9068 JWTs, ES256). Discovery: "
                       "/.well-known/openid-configuration.")
    api_schemas = {"Account": ACCOUNT_SCHEMA, "Session": SESSION_SCHEMA, "Client": CLIENT_SCHEMA}
    documents = DOCUMENTS
    client_scopes = False  # a client system has no account here: it is role ``client`` on every endpoint
    runtime = Runtime()
