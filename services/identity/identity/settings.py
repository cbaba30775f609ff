"""The identity service's settings: nameko config, else the environment, else the defaults below."""
import os
from dataclasses import dataclass
from pathlib import Path

from ttp_common.paths import RUN_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
_TRUE = {"1", "true", "yes", "on"}


def _value(config, key, default):
    value = config.get(key)
    if value is None or value == "":
        value = os.environ.get(key)
    if value is None or value == "":
        return default
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE
    if isinstance(default, (int, float)) and not isinstance(value, bool):
        return type(default)(value)
    return value


@dataclass(frozen=True)
class Settings:
    issuer: str = "http://127.0.0.1:8106"
    key_dir: Path = RUN_DIR / "identity" / "keys"
    seed_file: Path | None = None
    credentials_file: Path = RUN_DIR / "identity" / "dev-credentials.json"
    access_token_seconds: int = 900             # RFC 9068 access tokens: 15 minutes
    authorization_code_seconds: int = 120       # RFC 6749 §4.1.2: short-lived, used once
    refresh_token_hours: int = 12               # never beyond the session's end
    session_idle_minutes: float = 30.0              # a browser session ends after this long unused
    session_max_hours: int = 12                 # ... and this long after sign-in, whatever happens
    sign_in_flow_minutes: int = 10              # from the sign-in page to the last factor
    secret_overlap_hours: float = 24.0          # a rotated client secret keeps working this long
    account_failures_per_minute: int = 5        # the 6th failure within a minute is refused unchecked
    address_failures_per_minute: int = 20       # per client address (offices share one behind NAT)
    lockout_after: int = 10                     # consecutive failures: locked until an administrator lifts it
    secure_cookies: bool = False                # True behind HTTPS (every deployment but a laptop)
    argon2_time_cost: int = 2                   # OWASP's minimum argon2id profile: m=19 MiB, t=2, p=1
    argon2_memory_kib: int = 19456
    client_secret_cache_seconds: int = 60       # a verified client secret is not re-hashed within this
    leeway_seconds: int = 30
    key_activation_seconds: float = 15.0        # a rotated key signs this long after it is published

    @classmethod
    def from_config(cls, config):
        d = cls()
        seed = _value(config, "IDENTITY_SEED_FILE", "")
        seed_path = None
        if seed:
            seed_path = Path(seed)
            if not seed_path.is_absolute():
                seed_path = PACKAGE_DIR / seed_path
        address = str(config.get("WEB_SERVER_ADDRESS") or "127.0.0.1:8106").replace("0.0.0.0", "127.0.0.1")
        return cls(
            issuer=str(_value(config, "IDENTITY_ISSUER", f"http://{address}")).rstrip("/"),
            key_dir=Path(_value(config, "IDENTITY_KEY_DIR", str(d.key_dir))),
            seed_file=seed_path,
            credentials_file=Path(_value(config, "IDENTITY_CREDENTIALS_FILE", str(d.credentials_file))),
            access_token_seconds=_value(config, "IDENTITY_ACCESS_TOKEN_SECONDS", d.access_token_seconds),
            authorization_code_seconds=_value(config, "IDENTITY_AUTHORIZATION_CODE_SECONDS",
                                              d.authorization_code_seconds),
            refresh_token_hours=_value(config, "IDENTITY_REFRESH_TOKEN_HOURS", d.refresh_token_hours),
            session_idle_minutes=_value(config, "IDENTITY_SESSION_IDLE_MINUTES", d.session_idle_minutes),
            session_max_hours=_value(config, "IDENTITY_SESSION_MAX_HOURS", d.session_max_hours),
            sign_in_flow_minutes=_value(config, "IDENTITY_SIGN_IN_FLOW_MINUTES", d.sign_in_flow_minutes),
            secret_overlap_hours=_value(config, "IDENTITY_SECRET_OVERLAP_HOURS", d.secret_overlap_hours),
            account_failures_per_minute=_value(config, "IDENTITY_ACCOUNT_FAILURES_PER_MINUTE",
                                               d.account_failures_per_minute),
            address_failures_per_minute=_value(config, "IDENTITY_ADDRESS_FAILURES_PER_MINUTE",
                                               d.address_failures_per_minute),
            lockout_after=_value(config, "IDENTITY_LOCKOUT_AFTER", d.lockout_after),
            secure_cookies=_value(config, "IDENTITY_SECURE_COOKIES", d.secure_cookies),
            argon2_time_cost=_value(config, "IDENTITY_ARGON2_TIME_COST", d.argon2_time_cost),
            argon2_memory_kib=_value(config, "IDENTITY_ARGON2_MEMORY_KIB", d.argon2_memory_kib),
            client_secret_cache_seconds=_value(config, "IDENTITY_CLIENT_SECRET_CACHE_SECONDS",
                                               d.client_secret_cache_seconds),
            key_activation_seconds=_value(config, "IDENTITY_KEY_ACTIVATION_SECONDS", d.key_activation_seconds),
        )
