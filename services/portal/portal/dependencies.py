"""``Runtime`` gives workers the settings, the pages, the service client, the identity client and the notification
email's recipients lookup and mailer (built once per process)."""
from dataclasses import dataclass

from nameko.extensions import DependencyProvider

from .mail import Mailer, Recipients
from .oauth import IdentityClient
from .pages import Pages
from .settings import Settings
from .upstream import Services


@dataclass
class RuntimeView:
    settings: Settings
    pages: Pages
    services: Services
    identity: IdentityClient
    recipients: Recipients
    mailer: Mailer


class Runtime(DependencyProvider):
    def setup(self):
        settings = Settings.from_config(self.container.config)
        services = Services({**settings.services, "identity": settings.identity_url}, settings.upstream_timeout_seconds)
        self.view = RuntimeView(settings, Pages(settings), services,
                                IdentityClient(settings),
                                Recipients(settings.identity_url, settings.notifier_client_id, settings.notifier_secret,
                                           settings.upstream_timeout_seconds),
                                Mailer(settings))

    def get_dependency(self, worker_ctx):
        return self.view
