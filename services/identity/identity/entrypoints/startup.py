"""What the service does once at start: the development seeding (``IDENTITY_SEED_FILE``)."""
import logging

from ttp_common import clock

from .. import seed
from ..dependencies import on_start
from .common import IdentityHelpers

log = logging.getLogger(__name__)


class StartupEntrypoints(IdentityHelpers):
    @on_start
    def seed_development_accounts(self):
        path = self.runtime.settings.seed_file
        if path is None:
            return
        try:
            seed.seed(self.store, self.runtime, path, clock.now_ms())
        except Exception:
            log.exception("development seeding from %s failed; it runs again at the next start", path)
