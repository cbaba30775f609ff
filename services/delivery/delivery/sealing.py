"""Webhook secrets at rest: encrypted with a key from the environment, never stored in the clear.

A secret must be usable to sign each delivery, so it cannot be stored as a one-way hash; it is encrypted with
Fernet (AES-128-CBC with HMAC-SHA256, ``cryptography``) under ``DELIVERY_SECRETS_KEY``. Several comma-separated
keys may be given: the first encrypts, any of them decrypts (``MultiFernet``), so a key is rotated by putting the
new one first and, once ``ttp-delivery`` has re-encrypted (not yet automated), dropping the old one. Without a key
in the environment a development key file is created under the run directory (``.run/delivery/secrets.key``).
"""
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ttp_common.paths import RUN_DIR

DEV_KEY_FILE = RUN_DIR / "delivery" / "secrets.key"
SECRET_PREFIX = "whsec_"


class Box:
    def __init__(self, keys):
        keys = [k.strip() for k in keys if k and k.strip()]
        if not keys:
            raise ValueError("no key to encrypt webhook secrets with")
        self._fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])

    @classmethod
    def from_setting(cls, value, key_file=DEV_KEY_FILE):
        """The box of ``DELIVERY_SECRETS_KEY`` (comma-separated keys), or of the development key file."""
        if value:
            return cls(str(value).split(","))
        path = Path(key_file)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(Fernet.generate_key())
        return cls([path.read_text().strip()])

    def seal(self, secret):
        return self._fernet.encrypt(secret.encode()).decode()

    def open(self, sealed):
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise ValueError("a webhook secret cannot be decrypted with the configured keys") from None


def new_secret():
    """A fresh subscription secret (shown once, to the subscriber that created the subscription)."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)
