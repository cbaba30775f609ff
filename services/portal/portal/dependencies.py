"""``Runtime`` gives workers the settings, the pages, the service client and the identity client (built once per
process)."""
from dataclasses import dataclass

from nameko.extensions import DependencyProvider

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


class Runtime(DependencyProvider):
    def setup(self):
        settings = Settings.from_config(self.container.config)
        self.view = RuntimeView(settings, Pages(settings), Services(settings.services, settings.upstream_timeout_seconds),
                                IdentityClient(settings))

    def get_dependency(self, worker_ctx):
        return self.view
