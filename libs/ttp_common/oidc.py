"""Verifying the bearer tokens of an OpenID Connect / OAuth 2.0 issuer: every service verifies, none signs.

The issuer (the platform's identity service; the province's unified identity platform or a Keycloak realm
by configuration) publishes its public keys as a JWKS. The verifier fetches them (from ``OIDC_JWKS_URI``,
else from the ``jwks_uri`` of ``OIDC_ISSUER``'s ``/.well-known/openid-configuration``), caches them, and
refetches when a token names a ``kid`` it does not know (at most once per ``OIDC_JWKS_MIN_REFRESH_SECONDS``,
so a flood of made-up kids cannot turn into a flood of fetches) or when the cache is older than
``OIDC_JWKS_MAX_AGE_SECONDS``. A token is accepted only when:

- its header's ``alg`` is one of ``OIDC_ALGORITHMS`` (default ``ES256``; only asymmetric algorithms can be
  configured, so ``none`` and the HS256-signed-with-the-public-key confusion are refused before any key is
  looked at), its ``typ`` one of ``OIDC_TOKEN_TYPES`` (default ``at+jwt``, RFC 9068 §4) and it has a ``kid``;
- the key of that ``kid`` in the issuer's JWKS (of the matching type) verifies its signature;
- ``iss`` equals ``OIDC_ISSUER``, ``aud`` contains one of ``OIDC_AUDIENCE`` (comma-separated, e.g.
  ``registry,ttp``), ``exp`` is in the future and ``iat``/``nbf`` not in the future (``OIDC_LEEWAY_SECONDS``,
  default 30), and ``sub`` is there.

Claims become a ``VerifiedPrincipal`` (a ``ttp_common.auth.Principal`` with the token's scopes, client id,
``jti`` and the claims themselves) through configurable names, so another issuer's tokens map without code:
``OIDC_ROLE_CLAIM`` (default ``role``; a dotted path such as ``realm_access.roles`` reaches into nested
claims; a list of roles is reduced to the platform roles in it, which must be exactly one),
``OIDC_ROLE_MAP`` (``their-name=our-role,...``), ``OIDC_DEFAULT_ROLE`` (for tokens without a role claim,
e.g. ``client`` for another issuer's client-credentials tokens; default none: refused), ``OIDC_ORG_CLAIM``
(``org``), ``OIDC_REGION_CLAIM`` (``region``), ``OIDC_SCOPE_CLAIM`` (``scope``: a space-separated string
or a list, as ``scp`` is elsewhere), ``OIDC_ACTS_AS_CLAIM`` (``acts_as``: the role a client system acts as,
``ttp_common.client_access``). Every refusal is ``errors.Unauthenticated`` (401).
"""
import dataclasses
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey
from nameko.extensions import DependencyProvider

from . import client_access
from .auth import Principal, Roles
from .errors import Unauthenticated
from .settings import DEFAULTS

log = logging.getLogger(__name__)

ASYMMETRIC = {"ES256": "EC", "ES384": "EC", "ES512": "EC", "RS256": "RSA", "RS384": "RSA", "RS512": "RSA",
              "PS256": "RSA", "PS384": "RSA", "PS512": "RSA", "EdDSA": "OKP"}
_KEY_TYPES = {"EC": ECKey, "RSA": RSAKey, "OKP": OKPKey}


@dataclass(frozen=True)
class VerifiedPrincipal(Principal):
    """The caller of a verified token: ``Principal`` plus its scopes, client id, token id and claims; for a
    client system, the role it acts as (``acts_as``; ``ttp_common.client_access``), and ``via_client`` once it
    acts so on an endpoint."""

    scopes: frozenset = frozenset()
    client_id: str | None = None
    token_id: str | None = None
    acts_as: Roles | None = None
    via_client: bool = False
    claims: dict = field(default_factory=dict, compare=False, hash=False, repr=False)

    def has_scope(self, needed):
        """Whether one of the token's scopes covers ``needed`` (``service[:resource]:access``; a write scope
        covers the read of the same service and resource, a scope without a resource every resource)."""
        return any(client_access.covers(held, needed) for held in self.scopes)


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    audiences: tuple = ("ttp",)
    jwks_uri: str | None = None
    algorithms: tuple = ("ES256",)
    token_types: tuple = ("at+jwt",)
    leeway_seconds: int = 30
    role_claim: str = "role"
    org_claim: str = "org"
    region_claim: str = "region"
    scope_claim: str = "scope"
    acts_as_claim: str = "acts_as"
    role_map: dict = field(default_factory=dict)
    default_role: str | None = None
    min_refresh_seconds: float = 10.0
    max_age_seconds: float = 3600.0
    http_timeout_seconds: float = 3.0

    def __post_init__(self):
        bad = [alg for alg in self.algorithms if alg not in ASYMMETRIC]
        if bad or not self.algorithms:
            raise ValueError(f"OIDC_ALGORITHMS must be asymmetric JWS algorithms ({', '.join(ASYMMETRIC)}), not {bad}")
        if not self.issuer:
            raise ValueError("OIDC_ISSUER is required")
        if not self.audiences:
            raise ValueError("OIDC_AUDIENCE is required")

    @classmethod
    def from_config(cls, config=None, service=None, **overrides):
        """From a nameko config (or a dict), else the environment: ``OIDC_ISSUER`` ... (module docstring).
        ``service``: the verifying service's name, whose client tokens name it as ``aud``; the default
        ``OIDC_AUDIENCE`` is then ``ttp,<service>``."""
        config = config or {}

        def get(key, default=None):
            value = config.get(key)
            if value is None or value == "":
                value = os.environ.get(key)
            return default if value is None or value == "" else value

        def listed(key, default):
            value = get(key)
            if value is None:
                return default
            if isinstance(value, (list, tuple)):
                return tuple(str(v).strip() for v in value if str(v).strip())
            return tuple(part.strip() for part in str(value).split(",") if part.strip())

        role_map = {}
        for pair in listed("OIDC_ROLE_MAP", ()):
            theirs, _, ours = pair.partition("=")
            role_map[theirs.strip()] = Roles(ours.strip()).value
        values = dict(
            issuer=str(get("OIDC_ISSUER", DEFAULTS["OIDC_ISSUER"])).rstrip("/"),
            audiences=listed("OIDC_AUDIENCE", ("ttp", service) if service else ("ttp",)),
            jwks_uri=get("OIDC_JWKS_URI"),
            algorithms=listed("OIDC_ALGORITHMS", ("ES256",)),
            token_types=listed("OIDC_TOKEN_TYPES", ("at+jwt",)),
            leeway_seconds=int(get("OIDC_LEEWAY_SECONDS", 30)),
            role_claim=get("OIDC_ROLE_CLAIM", "role"), org_claim=get("OIDC_ORG_CLAIM", "org"),
            region_claim=get("OIDC_REGION_CLAIM", "region"), scope_claim=get("OIDC_SCOPE_CLAIM", "scope"),
            acts_as_claim=get("OIDC_ACTS_AS_CLAIM", "acts_as"),
            role_map=role_map, default_role=get("OIDC_DEFAULT_ROLE"),
            min_refresh_seconds=float(get("OIDC_JWKS_MIN_REFRESH_SECONDS", 10.0)),
            max_age_seconds=float(get("OIDC_JWKS_MAX_AGE_SECONDS", 3600.0)),
        )
        values.update(overrides)
        return cls(**values)


class JwksCache:
    """The issuer's JWKS over HTTP: fetched on first use, refetched when older than ``max_age_seconds``,
    and on an unknown ``kid`` at most once per ``min_refresh_seconds``. Thread- and greenlet-safe."""

    def __init__(self, settings, session=None, clock=time.monotonic):
        self.settings, self.clock = settings, clock
        self._session = session
        self._lock = threading.Lock()
        self._keys = {}
        self._fetched_at = None
        self._jwks_uri = settings.jwks_uri
        self.fetches = 0

    @property
    def session(self):
        if self._session is None:
            import requests

            self._session = requests.Session()
        return self._session

    def _get_json(self, url):
        response = self.session.get(url, timeout=self.settings.http_timeout_seconds,
                                    headers={"Accept": "application/json"})
        response.raise_for_status()
        return response.json()

    def _discover(self):
        if self._jwks_uri is None:
            document = self._get_json(f"{self.settings.issuer}/.well-known/openid-configuration")
            if str(document.get("issuer", "")).rstrip("/") != self.settings.issuer:
                raise ValueError(f"the discovery document names issuer {document.get('issuer')!r}, "
                                 f"not {self.settings.issuer!r}")
            self._jwks_uri = document["jwks_uri"]
        return self._jwks_uri

    def _fetch(self):
        self.fetches += 1
        jwks = self._get_json(self._discover())
        keys = {}
        for jwk in jwks.get("keys", []):
            kid, kty = jwk.get("kid"), jwk.get("kty")
            if not kid or kty not in _KEY_TYPES or jwk.get("use", "sig") != "sig":
                continue
            try:
                keys[kid] = _KEY_TYPES[kty].import_key({k: v for k, v in jwk.items() if k not in ("d", "p", "q", "dp", "dq", "qi")})
            except (JoseError, ValueError, TypeError) as exc:
                log.warning("ignoring an unusable key %s of the issuer's JWKS: %s", kid, exc)
        self._keys = keys
        self._fetched_at = self.clock()

    def key(self, kid):
        """The issuer's public key ``kid`` (refetching when it is unknown, within the bound), or None."""
        with self._lock:
            now = self.clock()
            stale = self._fetched_at is None or now - self._fetched_at > self.settings.max_age_seconds
            unknown = kid not in self._keys
            may_refetch = self._fetched_at is None or now - self._fetched_at >= self.settings.min_refresh_seconds
            if stale or (unknown and may_refetch):
                try:
                    self._fetch()
                except Exception as exc:  # the issuer is unreachable: keep what we had
                    log.warning("could not fetch the issuer's JWKS: %s", exc)
                    if self._fetched_at is None or stale:
                        self._fetched_at = self.clock() if self._keys else None
            return self._keys.get(kid)


class StaticKeys:
    """A key source over keys at hand (the issuer itself verifying its own tokens, tests): ``lookup(kid)``
    returns a public key object or None."""

    def __init__(self, lookup):
        self._lookup = lookup

    def key(self, kid):
        return self._lookup(kid)


def _claim(claims, path):
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class Verifier:
    """Verifies bearer tokens of one issuer (``settings``), with keys from ``keys`` (default: its JWKS)."""

    def __init__(self, settings, keys=None):
        self.settings = settings
        self.keys = keys or JwksCache(settings)

    def verify(self, token):
        """The ``VerifiedPrincipal`` of ``token``; ``Unauthenticated`` for anything not to be trusted."""
        s = self.settings
        if not isinstance(token, str) or token.count(".") != 2 or len(token) > 16384:
            raise Unauthenticated("Invalid token: not a signed JWT")
        try:
            compact = jws.extract_compact(token.encode("ascii"))
        except (JoseError, ValueError, UnicodeError):
            raise Unauthenticated("Invalid token: malformed") from None
        header = compact.protected
        alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
        if alg not in s.algorithms:
            raise Unauthenticated(f"Invalid token: algorithm {alg!r} is not accepted")
        if typ not in s.token_types and str(typ).lower().removeprefix("application/") not in s.token_types:
            raise Unauthenticated(f"Invalid token: type {typ!r} is not accepted")
        if not isinstance(kid, str) or not kid:
            raise Unauthenticated("Invalid token: no key id")
        if "crit" in header or "jku" in header or "x5u" in header or "jwk" in header:
            raise Unauthenticated("Invalid token: header parameters that are not accepted")
        key = self.keys.key(kid)
        if key is None:
            raise Unauthenticated("Invalid token: unknown key")
        if getattr(key, "key_type", None) != ASYMMETRIC[alg]:
            raise Unauthenticated("Invalid token: the key does not match the algorithm")
        try:
            verified = jws.deserialize_compact(token, key, algorithms=[alg])
        except (JoseError, ValueError):
            raise Unauthenticated("Invalid token: bad signature") from None
        try:
            claims = json.loads(verified.payload)
        except ValueError:
            raise Unauthenticated("Invalid token: claims are not JSON") from None
        if not isinstance(claims, dict):
            raise Unauthenticated("Invalid token: claims are not an object")
        self._check_claims(claims)
        return self._principal(claims)

    def _check_claims(self, claims):
        s = self.settings
        now = time.time()
        if claims.get("iss") != s.issuer:
            raise Unauthenticated("Invalid token: wrong issuer")
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
        if not set(audiences) & set(s.audiences):
            raise Unauthenticated("Invalid token: not meant for this service (aud)")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise Unauthenticated("Invalid token: no expiry")
        if exp + s.leeway_seconds < now:
            raise Unauthenticated("The token has expired")
        for name in ("iat", "nbf"):
            value = claims.get(name)
            if value is not None and (not isinstance(value, (int, float)) or value - s.leeway_seconds > now):
                raise Unauthenticated(f"Invalid token: {name} is in the future")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise Unauthenticated("Invalid token: no subject")

    def _role(self, claims):
        s = self.settings
        value = _claim(claims, s.role_claim)
        names = value if isinstance(value, list) else [value] if value is not None else []
        roles = set()
        for name in names:
            if not isinstance(name, str):
                continue
            name = s.role_map.get(name, name)
            if name in Roles._value2member_map_:
                roles.add(Roles(name))
        if not names and s.default_role:
            roles = {Roles(s.default_role)}
        if len(roles) != 1:
            raise Unauthenticated("Invalid token: " + ("no platform role" if not roles else "more than one platform role"))
        return roles.pop()

    def _principal(self, claims):
        s = self.settings
        org, region = _claim(claims, s.org_claim), _claim(claims, s.region_claim)
        if not all(value is None or isinstance(value, str) for value in (org, region)):
            raise Unauthenticated("Invalid token: malformed scope claims")
        scope = _claim(claims, s.scope_claim)
        scopes = scope.split() if isinstance(scope, str) else [v for v in scope if isinstance(v, str)] \
            if isinstance(scope, list) else []
        client_id = claims.get("client_id") or claims.get("azp")
        role = self._role(claims)
        acts_as = _claim(claims, s.acts_as_claim) if role == Roles.CLIENT else None
        if acts_as is not None and acts_as not in client_access.ACTS:
            raise Unauthenticated("Invalid token: a client acts as " + ", ".join(sorted(client_access.ACTS)))
        return VerifiedPrincipal(sub=claims["sub"], role=role, org=org, region=region,
                                 acts_as=Roles(acts_as) if acts_as is not None else None,
                                 scopes=frozenset(scopes), client_id=client_id if isinstance(client_id, str) else None,
                                 token_id=claims.get("jti") if isinstance(claims.get("jti"), str) else None,
                                 claims=claims)


def authenticate(request, verifier):
    """The principal of a werkzeug request: its ``Authorization: Bearer`` token verified, else anonymous."""
    header = request.headers.get("Authorization", "").strip()
    if not header:
        return Principal.anonymous()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Use 'Authorization: Bearer <token>'")
    return verifier.verify(token.strip())


class ServiceVerifier(Verifier):
    """The verifier of the services other than identity. An administrator's token with a ``region`` is a
    region's office (the identity service lets it manage that region's accounts): here it acts as that
    region's reviewer, never as the platform's administrator, whose token has no region."""

    def verify(self, token):
        principal = super().verify(token)
        if principal.role == Roles.ADMIN and principal.region is not None:
            return dataclasses.replace(principal, role=Roles.REVIEWER)
        return principal


class TokenVerifier(DependencyProvider):
    """The container's ``ServiceVerifier`` of the platform's issuer, configured by ``OIDC_*`` (module
    docstring); one per service process, so the JWKS is fetched once and cached for every worker."""

    def setup(self):
        settings = OidcSettings.from_config(self.container.config, service=self.container.service_name)
        self.verifier = ServiceVerifier(settings)

    def get_dependency(self, worker_ctx):
        return self.verifier
