"""Clients of the identity service: what a client registration may say. No I/O.

Two kinds:
- ``service``: another system (another department's, a city's). OAuth 2.0 client credentials (RFC 6749
  §4.4) with service scopes (``identity.scopes``); it may act for an organization or a region, as one of
  their roles (``acts_as``: institution, investor or supervisor of its ``organization_id``; reviewer or
  registrar of its ``region_code``, by default institution and reviewer), which its tokens carry as
  ``acts_as``, ``org`` and ``region``: within its scopes a city's system sees and does what that city's
  reviewer or registrar would (``ttp_common.client_access``); one that acts for nobody reads public data.
- ``web``: a web application people sign in to (the portal): authorization code with PKCE and refresh
  tokens; its redirect URIs are registered exactly (https, or http on a loopback address for development).

Every client is confidential: its secret (256 bits, shown once) is stored as an argon2id hash; rotating it
keeps the previous one valid for an overlap (``IDENTITY_SECRET_OVERLAP_HOURS``) so the system can switch
without downtime; revoking the client stops it at once.
"""
import ipaddress
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from ttp_common import client_access
from ttp_common.models import StrictModel
from ttp_common.refusals import Invalid
from ttp_common.regions import RegionScope

from . import scopes as scope_rules

GRANT_TYPES = {"service": ["client_credentials"], "web": ["authorization_code", "refresh_token"]}


def check_redirect_uri(uri):
    parts = urlsplit(uri)
    if parts.fragment or not parts.hostname or parts.scheme not in ("https", "http"):
        raise ValueError("an absolute http(s) URI without a fragment")
    if parts.scheme == "http":
        try:
            loopback = parts.hostname == "localhost" or ipaddress.ip_address(parts.hostname).is_loopback
        except ValueError:
            loopback = False
        if not loopback:
            raise ValueError("http only on a loopback address (development); https otherwise")
    return uri


class ClientIn(StrictModel):
    name: str = Field(min_length=2, max_length=100, description="Who the client is, e.g. 成都市科技局成果管理系统")
    kind: Literal["service", "web"] = Field(description="service: client credentials; web: sign-in of people")
    scopes: list[str] = Field(min_length=1, max_length=50, description="service: e.g. registry:read, "
                                                                      "transactions:contracts:write; web: openid, profile")
    redirect_uris: list[str] = Field(default_factory=list, max_length=10)
    post_logout_redirect_uris: list[str] = Field(default_factory=list, max_length=10)
    organization_id: str | None = Field(None, max_length=64, description="Its tokens act for this organization")
    region_code: RegionScope | None = Field(None, description="Its tokens are scoped to this region (GB/T 2260)")
    acts_as: Literal["institution", "investor", "supervisor", "reviewer", "registrar"] | None = Field(
        None, description="The role it acts as for its organization (institution, investor, supervisor; default "
                          "institution) or region (reviewer, registrar; default reviewer), within its scopes")

    @field_validator("redirect_uris", "post_logout_redirect_uris")
    @classmethod
    def _uris(cls, values):
        return [check_redirect_uri(value) for value in values]

    @model_validator(mode="after")
    def _consistent(self):
        check(self)
        return self


def check(client):
    if client.kind == "web":
        if not client.redirect_uris:
            raise Invalid("a web client needs at least one redirect URI", field="redirect_uris")
        wrong = [s for s in client.scopes if s not in scope_rules.OPENID_SCOPES]
        if wrong:
            raise Invalid(f"a web client asks for {', '.join(scope_rules.OPENID_SCOPES)} only (people's rights "
                          f"follow from their role), not {', '.join(wrong)}", field="scopes")
        if client.organization_id or client.region_code:
            raise Invalid("a web client acts for the person signed in, not for an organization or region",
                          field="organization_id" if client.organization_id else "region_code")
        client.scopes = scope_rules.normalise(client.scopes, openid=True)
        if client.acts_as:
            raise Invalid("a web client acts for the person signed in, as their role", field="acts_as")
    else:
        if client.redirect_uris or client.post_logout_redirect_uris:
            raise Invalid("a service client signs nobody in: no redirect URIs", field="redirect_uris")
        client.scopes = scope_rules.normalise(client.scopes)
        client.acts_as = acting_role(client)


def acting_role(client):
    """The role a service client acts as: for its organization or its region, never both, never for nobody."""
    if client.organization_id and client.region_code:
        raise Invalid("a client acts for an organization or for a region, not both", field="region_code")
    if client.acts_as is None:
        return "institution" if client.organization_id else "reviewer" if client.region_code else None
    if client.acts_as in client_access.ORGANIZATION_ACTS and not client.organization_id:
        raise Invalid(f"a client acting as {client.acts_as} needs the organization it acts for",
                      field="organization_id")
    if client.acts_as in client_access.REGION_ACTS and not client.region_code:
        raise Invalid(f"a client acting as {client.acts_as} needs the region it acts for", field="region_code")
    if client.acts_as in client_access.ORGANIZATION_ACTS and client.region_code or \
            client.acts_as in client_access.REGION_ACTS and client.organization_id:
        raise Invalid(f"a client acting as {client.acts_as} acts for "
                      + ("an organization" if client.acts_as in client_access.ORGANIZATION_ACTS else "a region"),
                      field="acts_as")
    return client.acts_as
