"""Subscriptions: what a subscriber may register, who may manage which, and what it sees of one.

A subscription belongs to the client system that created it (its ``client_id``): a client token manages its own
subscriptions when one of its scopes covers ``delivery:subscriptions:<read|write>``, whoever it acts for; an
administrator manages all of them. Nobody else manages any (``owner_scope``).

Webhook addresses are ``https`` (``http`` only where the service allows private addresses, for development), and
unless allowed, not a loopback, private, link-local or otherwise reserved address: a subscriber must not make the
platform call into its own network (server-side request forgery).
"""
import ipaddress
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from ttp_common import client_access, events, labels, refusals
from ttp_common.auth import Roles
from ttp_common.models import StrictModel
from ttp_common.regions import RegionScope

SCOPE = "delivery:subscriptions"
MODES = labels.DELIVERY_MODES  # binary: ce-* headers, the data as the body; structured: one JSON document
STATUSES = tuple(labels.STATES["delivery"])
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost")


def _known_event(name):
    if name not in events.repository():
        raise ValueError(f"no such event: {name} (the event names of the subscriber guide, e.g. "
                         "registry.achievement.published.v1)")
    return name


class SubscriptionIn(StrictModel):
    """A webhook for some of the platform's events (订阅)."""

    url: str = Field(min_length=8, max_length=2000, description="推送地址: where the events are POSTed")
    event_types: list[str] = Field(min_length=1, max_length=100,
                                   description="事件类型: event names, e.g. registry.achievement.published.v1")
    regions: list[RegionScope] = Field(default_factory=list, max_length=50,
                                       description="按地区过滤: only events whose region_code lies in one of these")
    organizations: list[str] = Field(default_factory=list, max_length=200,
                                     description="按机构过滤: only events naming one of these organizations")
    mode: Literal[tuple(MODES)] = Field(default="binary", description="CloudEvents HTTP binding mode: "
                                        + ", ".join(f"{k} {v}" for k, v in MODES.items()))
    description: str = Field(default="", max_length=500)

    @field_validator("event_types")
    @classmethod
    def _events(cls, names):
        return sorted({_known_event(n) for n in names})

    @field_validator("organizations")
    @classmethod
    def _organizations(cls, ids):
        for i in ids:
            if not 1 <= len(i) <= 64:
                raise ValueError("an organization id has 1 to 64 characters")
        return sorted(set(ids))


class RedeliveryIn(StrictModel):
    """Which parked deliveries to try again (none named: all of the subscription's)."""

    delivery_ids: list[str] = Field(default_factory=list, max_length=1000)


def check_url(url, allow_private):
    """Refuse (400 naming ``url``) an address the platform must not call."""
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise refusals.Invalid(f"a webhook address is {' or '.join(schemes)}://host/...", field="url")
    if parts.username or parts.password:
        raise refusals.Invalid("no credentials in the address (the signature authenticates the platform)",
                               field="url")
    if allow_private:
        return url
    host = parts.hostname.rstrip(".").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        raise refusals.Invalid("a webhook address may not be local", field="url")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url  # a name: its addresses are checked at every delivery (``resolved_refusal``)
    if not address.is_global:
        raise refusals.Invalid("a webhook address may not be loopback, private, link-local or reserved", field="url")
    return url


def address_allowed(address):
    """Whether the platform may connect to ``address`` (an IP address as a string) when private ones are refused."""
    try:
        return ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False


def resolved_refusal(url, addresses, allow_private):
    """Why a delivery to ``url`` must not be sent, given the addresses its host resolves to now (None: it may).
    Checked at every attempt, so a name registered while it pointed outside cannot later send the platform into
    its own network; the remaining window is between this check and the connection's own lookup."""
    if allow_private:
        return None
    if not addresses:
        return f"{urlsplit(url).hostname} does not resolve"
    refused = sorted(a for a in addresses if not address_allowed(a))
    return f"{urlsplit(url).hostname} resolves to a non-public address ({', '.join(refused)})" if refused else None


def owner_scope(principal, access):
    """The owner whose subscriptions ``principal`` manages (``None``: all, an administrator); refuses anyone else.
    ``access``: ``read`` or ``write``."""
    if principal.role == Roles.ADMIN:
        return None
    needed = f"{SCOPE}:{access}"
    if principal.role == Roles.CLIENT and any(client_access.covers(held, needed)
                                               for held in getattr(principal, "scopes", ())):
        owner = getattr(principal, "client_id", None) or principal.sub
        if owner:
            return owner
    raise refusals.NotAllowed(f"only a client system whose token has a scope covering {needed} (or an "
                              "administrator) manages webhook subscriptions")
