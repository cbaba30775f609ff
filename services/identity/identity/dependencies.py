"""The identity service's own dependency providers and its start-up entrypoint.

``Runtime`` gives workers the settings, the password hasher, the client-secret checker, the pages and the
signing keys (``identity.keys.KeyRing``, with a first key generated at start in an empty, writable
key directory). ``on_start`` runs a worker once when the service has started (development seeding).
"""
import logging
from dataclasses import dataclass

from nameko.extensions import DependencyProvider, Entrypoint

from . import pages
from .keys import KeyRing
from .oauth import ClientSecrets
from .passwords import PasswordHasher
from .settings import Settings

log = logging.getLogger(__name__)


@dataclass
class RuntimeView:
    settings: Settings
    keys: KeyRing
    hasher: PasswordHasher
    secrets: ClientSecrets
    pages: pages.Pages


class Runtime(DependencyProvider):
    def setup(self):
        self.settings = Settings.from_config(self.container.config)
        self.keys = KeyRing(self.settings.key_dir, self.settings.access_token_seconds, self.settings.leeway_seconds,
                            activation_seconds=self.settings.key_activation_seconds)
        self.hasher = PasswordHasher(self.settings.argon2_time_cost, self.settings.argon2_memory_kib)
        self.secrets = ClientSecrets(self.hasher, self.settings.client_secret_cache_seconds)
        self.view = RuntimeView(self.settings, self.keys, self.hasher, self.secrets, pages.Pages(self.settings))

    def start(self):
        key = self.keys.ensure()
        log.info("identity signs with key %s (key directory %s)", key.kid, self.settings.key_dir)

    def get_dependency(self, worker_ctx):
        return self.view


class OnStart(Entrypoint):
    """Runs the decorated method once, in a worker, after the container has started."""

    def start(self):
        self.container.spawn_managed_thread(self._run, identifier=f"{self.method_name} at start")

    def _run(self):
        self.container.spawn_worker(self, (), {})


on_start = OnStart.decorator
