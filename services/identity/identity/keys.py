"""The signing keys: ES256 (P-256) private JWKs in a key directory, one file per key, and their rotation.

A key file ``<kid>.jwk.json`` (mode 0600) holds ``{"kid", "created_at", "activates_at", "retired_at", "jwk"}``;
the ``kid`` is the key's RFC 7638 thumbprint. The newest active key signs. Rotation writes a new key that is
published at once but signs only from ``activates_at`` (``IDENTITY_KEY_ACTIVATION_SECONDS``, default 15 s,
later than the verifiers' bound on refetching, ``OIDC_JWKS_MIN_REFRESH_SECONDS``, default 10 s: a verifier
that fetched the JWKS just before the rotation may refetch again by the time it meets the new ``kid``), and
sets the old key's ``retired_at`` to that moment. A retired key stays in the JWKS until every token it
signed has expired (``retired_at`` + the access-token lifetime + the verifiers' leeway), then it is left out
of the JWKS (and ``prune`` deletes its file). Verifiers that cached the old JWKS meet the new ``kid`` and
refetch (``ttp_common.oidc``), so rotation needs no restart anywhere.

Development: the directory is ``.run/identity/keys`` and a first key is generated at the first start.
Kubernetes: a secret mounted read-only; rotate with ``ttp-identity-keys rotate --key-dir DIR`` against a
copy and update the secret (every instance reloads the directory when it changes).

    ttp-identity-keys rotate [--key-dir DIR] [--activate-in S]   a new key, signing in S seconds; the old retires
    ttp-identity-keys list   [--key-dir DIR]
    ttp-identity-keys prune  [--key-dir DIR]     delete keys no token can still need
"""
import argparse
import datetime as dt
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import ECKey

ALGORITHM = "ES256"
CURVE = "P-256"
RELOAD_SECONDS = 5.0


@dataclass(frozen=True)
class SigningKey:
    kid: str
    created_at: float
    activates_at: float
    retired_at: float | None
    key: ECKey
    path: Path

    def active(self, now):
        return self.activates_at <= now and (self.retired_at is None or self.retired_at > now)

    def public_jwk(self):
        return {**self.key.as_dict(private=False), "kid": self.kid, "alg": ALGORITHM, "use": "sig"}


class KeyDirectoryReadOnly(Exception):
    pass


def _load(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    key = ECKey.import_key(data["jwk"])
    if not key.is_private or key.as_dict(private=False).get("crv") != CURVE:
        raise ValueError(f"{path}: not a private {CURVE} key")
    kid = key.thumbprint()
    if data.get("kid") not in (None, kid):
        raise ValueError(f"{path}: kid does not match the key's thumbprint")
    created = float(data["created_at"])
    return SigningKey(kid, created, float(data.get("activates_at") or created), data.get("retired_at"), key, path)


def _write(directory, key, created_at, activates_at=None, retired_at=None):
    directory.mkdir(parents=True, exist_ok=True)
    kid = key.thumbprint()
    path = directory / f"{kid}.jwk.json"
    data = {"kid": kid, "created_at": created_at, "activates_at": activates_at or created_at, "retired_at": retired_at,
            "jwk": key.as_dict(private=True)}
    temp = directory / f".{kid}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out)
    os.replace(temp, path)
    return path


class KeyRing:
    """The keys of one directory, reloaded when its files change (checked at most every few seconds)."""

    def __init__(self, directory, token_lifetime_seconds=900, leeway_seconds=30, clock=time.time,
                 activation_seconds=15.0):
        self.directory = Path(directory)
        self.activation_seconds = activation_seconds
        self.retention = token_lifetime_seconds + leeway_seconds
        self.clock = clock
        self._lock = threading.Lock()
        self._keys = []
        self._stamp = None
        self._checked = 0.0

    # -- reading -----------------------------------------------------------------
    def _directory_stamp(self):
        try:
            return tuple(sorted((p.name, p.stat().st_mtime_ns) for p in self.directory.glob("*.jwk.json")))
        except FileNotFoundError:
            return ()

    def reload(self, force=False):
        now = time.monotonic()
        if not force and now - self._checked < RELOAD_SECONDS:
            return
        with self._lock:
            self._checked = now
            stamp = self._directory_stamp()
            if stamp == self._stamp and not force:
                return
            keys = [_load(path) for path in sorted(self.directory.glob("*.jwk.json"))]
            self._keys = sorted(keys, key=lambda k: (k.activates_at, k.retired_at is None))  # the newest last
            self._stamp = stamp

    def keys(self):
        self.reload()
        return list(self._keys)

    def signing_key(self):
        now = self.clock()
        active = [key for key in self.keys() if key.active(now)]
        if not active:
            raise LookupError(f"no signing key in {self.directory}")
        return active[-1]

    def published(self):
        """The keys in the JWKS: the signing ones, and retired ones while tokens they signed may live."""
        now = self.clock()
        return [key for key in self.keys() if key.retired_at is None or key.retired_at + self.retention > now]

    def jwks(self):
        return {"keys": [key.public_jwk() for key in reversed(self.published())]}

    def public_key(self, kid):
        for key in self.published():
            if key.kid == kid:
                return key
        return None

    # -- signing -----------------------------------------------------------------
    def sign(self, claims):
        """An RFC 9068 access token of ``claims``, signed by the current key."""
        key = self.signing_key()
        return jwt.encode({"alg": ALGORITHM, "typ": "at+jwt", "kid": key.kid}, claims, key.key)

    # -- changing ----------------------------------------------------------------
    def ensure(self):
        """A signing key exists (generated at once in an empty, writable directory); returns it."""
        self.reload(force=True)
        if not any(key.retired_at is None for key in self._keys):
            self.rotate(activation_seconds=0)
        return self.signing_key()

    def rotate(self, activation_seconds=None):
        """A new key, published now and signing from ``activation_seconds`` on (default the ring's); the current
        one retires then (and stays published while its tokens live). Returns the new key."""
        if self.directory.exists() and not os.access(self.directory, os.W_OK):
            raise KeyDirectoryReadOnly(f"{self.directory} is read-only (a mounted secret): rotate with "
                                       "ttp-identity-keys against the secret's source")
        self.reload(force=True)
        now = self.clock()
        starts = now + (self.activation_seconds if activation_seconds is None else activation_seconds)
        new = ECKey.generate_key(CURVE, private=True)
        path = _write(self.directory, new, created_at=now, activates_at=starts)
        for key in self._keys:
            if key.retired_at is None:
                _write(self.directory, key.key, created_at=key.created_at, activates_at=key.activates_at,
                       retired_at=starts)
        self.reload(force=True)
        return _load(path)

    def prune(self):
        """Delete the files of keys no longer published; returns their kids."""
        published = {key.kid for key in self.published()}
        gone = []
        for key in self.keys():
            if key.kid not in published:
                key.path.unlink()
                gone.append(key.kid)
        self.reload(force=True)
        return gone


def _describe(ring):
    now = ring.clock()
    signing = ring.signing_key().kid if any(k.active(now) for k in ring.keys()) else None
    published = {key.kid for key in ring.published()}
    for key in ring.keys():
        created = dt.datetime.fromtimestamp(key.created_at, dt.timezone.utc).isoformat(timespec="seconds")
        state = "signing" if key.kid == signing else ("published" if key.kid in published else "expired")
        if key.activates_at > now:
            state += f", signs from {dt.datetime.fromtimestamp(key.activates_at, dt.timezone.utc):%H:%M:%S}"
        print(f"{key.kid}  created {created}  {state}")


def main(argv=None):
    from .settings import Settings

    parser = argparse.ArgumentParser(prog="ttp-identity-keys", description="The identity service's signing keys")
    parser.add_argument("command", choices=["rotate", "list", "prune", "ensure"])
    parser.add_argument("--key-dir", default=None, help="default: IDENTITY_KEY_DIR or .run/identity/keys")
    parser.add_argument("--activate-in", type=float, default=15.0, help="seconds until a rotated key signs")
    args = parser.parse_args(argv)
    ring = KeyRing(args.key_dir or Settings.from_config({}).key_dir)
    if args.command == "rotate":
        print(f"new key {ring.rotate(activation_seconds=args.activate_in).kid}")
    elif args.command == "ensure":
        print(f"signing with {ring.ensure().kid}")
    elif args.command == "prune":
        print("deleted: " + (", ".join(ring.prune()) or "nothing"))
    _describe(ring)
    return 0
