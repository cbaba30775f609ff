"""The portal's settings: nameko config, else the environment, else the defaults below.

The client secret of the ``portal`` web client comes from ``PORTAL_CLIENT_SECRET`` (a deployment's secret), else
from the identity service's development credentials file, read when first needed (the identity service may seed
it after the portal started). Neither is ever logged or put in a page.
"""
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ttp_common.paths import REPO_ROOT, RUN_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
SERVICE_URLS = {"registry": 8101, "transactions": 8102, "finance": 8103, "talent": 8104, "metrics": 8105}
_TRUE = {"1", "true", "yes", "on"}


def _read(config, key, default):
    value = config.get(key)
    if value in (None, ""):
        value = os.environ.get(key)
    if value in (None, ""):
        return default
    if isinstance(default, bool):
        return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE
    if isinstance(default, (int, float)):
        return type(default)(value)
    return str(value)


@dataclass(frozen=True)
class Settings:
    public_url: str = "http://127.0.0.1:8100"        # where browsers reach the portal (the redirect URI's base)
    identity_url: str = "http://127.0.0.1:8106"      # the issuer (sign-in pages, token endpoint)
    client_id: str = "portal"
    client_secret: str = field(default="", repr=False)
    credentials_file: Path = RUN_DIR / "identity" / "dev-credentials.json"
    services: dict = field(default_factory=lambda: {n: f"http://127.0.0.1:{p}" for n, p in SERVICE_URLS.items()})
    secure_cookies: bool = False                     # True behind HTTPS
    session_idle_minutes: float = 30.0
    session_max_hours: float = 12.0
    upstream_timeout_seconds: float = 5.0
    assets_dir: Path = REPO_ROOT / "services" / "portal" / "node_modules"
    # email of the notification centre (portal.mail): off without a host; the login from the environment only
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "noreply@ttp.example.org"
    smtp_starttls: bool = False
    smtp_username: str = field(default="", repr=False)
    smtp_password: str = field(default="", repr=False)
    smtp_timeout_seconds: float = 10.0
    email_retry_seconds: float = 30.0
    email_max_attempts: int = 5
    notification_max_age_days: float = 30.0   # an older event makes no message
    email_max_age_hours: float = 48.0         # an older event makes no email
    notifier_client_id: str = "portal-notifier"
    notifier_client_secret: str = field(default="", repr=False)

    @classmethod
    def from_config(cls, config):
        d = cls()
        return cls(
            public_url=_read(config, "PORTAL_PUBLIC_URL", d.public_url).rstrip("/"),
            identity_url=_read(config, "PORTAL_IDENTITY_URL", _read(config, "OIDC_ISSUER", d.identity_url)).rstrip("/"),
            client_id=_read(config, "PORTAL_CLIENT_ID", d.client_id),
            client_secret=_read(config, "PORTAL_CLIENT_SECRET", ""),
            credentials_file=Path(_read(config, "PORTAL_CREDENTIALS_FILE", str(d.credentials_file))),
            services={name: _read(config, f"PORTAL_{name.upper()}_URL", url).rstrip("/")
                      for name, url in d.services.items()},
            secure_cookies=_read(config, "PORTAL_SECURE_COOKIES", d.secure_cookies),
            session_idle_minutes=_read(config, "PORTAL_SESSION_IDLE_MINUTES", d.session_idle_minutes),
            session_max_hours=_read(config, "PORTAL_SESSION_MAX_HOURS", d.session_max_hours),
            upstream_timeout_seconds=_read(config, "PORTAL_UPSTREAM_TIMEOUT_SECONDS", d.upstream_timeout_seconds),
            assets_dir=Path(_read(config, "PORTAL_ASSETS_DIR", str(d.assets_dir))),
            smtp_host=_read(config, "PORTAL_SMTP_HOST", d.smtp_host),
            smtp_port=_read(config, "PORTAL_SMTP_PORT", d.smtp_port),
            smtp_from=_read(config, "PORTAL_SMTP_FROM", d.smtp_from),
            smtp_starttls=_read(config, "PORTAL_SMTP_STARTTLS", d.smtp_starttls),
            smtp_username=os.environ.get("PORTAL_SMTP_USERNAME", ""),
            smtp_password=os.environ.get("PORTAL_SMTP_PASSWORD", ""),
            smtp_timeout_seconds=_read(config, "PORTAL_SMTP_TIMEOUT_SECONDS", d.smtp_timeout_seconds),
            email_retry_seconds=_read(config, "PORTAL_EMAIL_RETRY_SECONDS", d.email_retry_seconds),
            email_max_attempts=_read(config, "PORTAL_EMAIL_MAX_ATTEMPTS", d.email_max_attempts),
            notification_max_age_days=_read(config, "PORTAL_NOTIFICATION_MAX_AGE_DAYS", d.notification_max_age_days),
            email_max_age_hours=_read(config, "PORTAL_EMAIL_MAX_AGE_HOURS", d.email_max_age_hours),
            notifier_client_id=_read(config, "PORTAL_NOTIFIER_CLIENT_ID", d.notifier_client_id),
            notifier_client_secret=os.environ.get("PORTAL_NOTIFIER_CLIENT_SECRET", ""),
        )

    @property
    def email_on(self):
        return bool(self.smtp_host)

    def notifier_secret(self):
        """The notifier client's secret: from the environment, else the development seeding's."""
        if self.notifier_client_secret:
            return self.notifier_client_secret
        try:
            data = json.loads(self.credentials_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return (data.get("clients", {}).get(self.notifier_client_id) or {}).get("client_secret")

    @property
    def redirect_uri(self):
        return f"{self.public_url}/auth/callback"

    def secret(self):
        """The client secret: configured, else the development seeding's (None when neither exists yet)."""
        if self.client_secret:
            return self.client_secret
        try:
            data = json.loads(self.credentials_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return (data.get("clients", {}).get(self.client_id) or {}).get("client_secret")
