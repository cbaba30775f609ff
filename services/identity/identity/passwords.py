"""Passwords: what a password must be, and how it is kept (argon2id, argon2-cffi).

Rules (issue 15 item 6): at least 12 characters (at most 128), not the account name (nor containing it),
not one of the common passwords shipped with the service (``data/common-passwords.txt``, compared
case-insensitively), and at least 5 different characters. Hashes are argon2id in PHC string form
(the parameters, salt and digest in one string, so a change of parameters rehashes at the next sign-in);
verification compares in constant time (argon2's own), and an unknown account is checked against a
dummy hash so that its answer takes as long as a wrong password.

Hashing is CPU work that would freeze every green thread for its ~25 ms: ``PasswordHasher.verify`` and
``hash`` run it in eventlet's pool of real threads (argon2-cffi releases the GIL).
"""
import secrets
import string
from functools import lru_cache
from pathlib import Path

import argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from ttp_common.refusals import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 128
MIN_DISTINCT = 5
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"
_ALPHABET = string.ascii_letters + string.digits


@lru_cache(maxsize=1)
def common_passwords():
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def problems(password, username):
    """What is wrong with ``password`` for the account ``username`` (an empty list: nothing)."""
    found = []
    if len(password) < MIN_LENGTH:
        found.append(f"at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        found.append(f"at most {MAX_LENGTH} characters")
    lowered = password.lower()
    name = (username or "").lower()
    if name and (lowered == name or (len(name) >= 3 and name in lowered) or lowered == name[::-1]):
        found.append("not the account name")
    if lowered in common_passwords():
        found.append("not a common password")
    if len(set(password)) < MIN_DISTINCT:
        found.append(f"at least {MIN_DISTINCT} different characters")
    return found


def check(password, username, field="password"):
    """Refuse (``Invalid`` on ``field``) a password that breaks a rule; the message names every rule broken."""
    broken = problems(password, username)
    if broken:
        raise Invalid("the password must have " + ", ".join(broken), field=field)


def one_time_password():
    """A random password given once to the person (account created, password reset): 20 characters,
    about 119 bits; it must be changed at the first sign-in."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(20))
        if not problems(candidate, None):
            return candidate


class PasswordHasher:
    """argon2id with the configured cost (default OWASP's minimum profile: m=19 MiB, t=2, p=1)."""

    def __init__(self, time_cost=2, memory_kib=19456, parallelism=1, offload=True):
        self._hasher = argon2.PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism,
                                             type=argon2.Type.ID)
        self._offload = offload
        self._dummy = None

    def _run(self, function, *args):
        if not self._offload:
            return function(*args)
        from eventlet import tpool

        return tpool.execute(function, *args)

    def hash(self, secret):
        return self._run(self._hasher.hash, secret)

    def verify(self, hashed, secret):
        """True when ``secret`` matches ``hashed`` (constant time); False for a mismatch or a malformed hash."""
        def verify():
            try:
                return self._hasher.verify(hashed, secret)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                return False
        return self._run(verify)

    def needs_rehash(self, hashed):
        return self._hasher.check_needs_rehash(hashed)

    def verify_dummy(self, secret):
        """Spend the time of one verification and fail (for an account that does not exist)."""
        if self._dummy is None:
            self._dummy = self._hasher.hash(secrets.token_urlsafe(16))
        self.verify(self._dummy, secret)
        return False
