"""What every area of the registry service shares.

``_act`` runs a unit of work and turns a refused transition into a 409; ``_achievement`` reads an
achievement in the transaction if the caller may act on it as its owner or as the reviewer of its region
(achievements and catalogues both need it); and the constants more than one area uses.
``RegistryHelpers`` is the base of every area mixin; the final class (``RegistryService``, a
``PlatformService``) brings ``self.store``, ``self.principal`` and ``self.actor``.
"""
import os

from ttp_common import auth
from ttp_common.errors import Conflict, NotFound
from ttp_common.events import Actor

from .. import achievements, domain
from ..documents import Achievement

SYSTEM = Actor(sub="service:registry", role="system")  # for changes the service makes by itself
OVERDUE_CHECK_SECONDS = float(os.environ.get("OVERDUE_CHECK_SECONDS", 3600))  # plan projects, annual reports


class RegistryHelpers:
    """Helpers of the registry entrypoints (no entrypoints here)."""

    def _act(self, work, request, principal):
        try:
            return self.store.transact(work, actor=self.actor(request, principal))
        except domain.TransitionRefused as exc:
            raise Conflict(str(exc))

    def _achievement(self, uow, achievement_id, principal, actor):
        """The achievement, read in the transaction, if ``principal`` may act on it as ``actor``."""
        doc = uow.db[Achievement._get_collection_name()].find_one({"_id": str(achievement_id)}, session=uow.session)
        if doc is None:
            raise NotFound("no such achievement")
        achievement = Achievement._from_son(doc)
        if actor == achievements.OWNER:
            auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
            auth.require_org(principal, achievement.owner_organization_id)
        else:
            auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
            if principal.role == auth.Roles.REVIEWER:
                auth.require_region(principal, achievement.region_code)
        return achievement
