"""What every area of the registry service shares.

``_act`` runs a unit of work and turns a refused transition into a 409; ``_achievement`` reads an
achievement in the transaction if the caller may act on it as its owner or as the reviewer of its region
(achievements and catalogues both need it); ``_page`` runs a paged listing (``limit``, ``offset``) and
``_region_filter`` turns a ``region`` parameter (and a reviewer's scope) into a filter; and the constants
more than one area uses.
``RegistryHelpers`` is the base of every area mixin; the final class (``RegistryService``, a
``PlatformService``) brings ``self.store``, ``self.principal`` and ``self.actor``.
"""
import os

from ttp_common import auth, paging, web
from ttp_common.errors import Conflict, NotFound, ValidationFailed
from ttp_common.events import Actor
from ttp_common.refusals import TransitionRefused
from ttp_common.reference import SICHUAN_REGIONS

from .. import achievements
from ..documents import Achievement

SYSTEM = Actor(sub="service:registry", role="system")  # for changes the service makes by itself
OVERDUE_CHECK_SECONDS = float(os.environ.get("OVERDUE_CHECK_SECONDS", 3600))  # plan projects, annual reports


class RegistryHelpers:
    """Helpers of the registry entrypoints (no entrypoints here)."""

    def _act(self, work, request, principal):
        try:
            return self.store.transact(work, actor=self.actor(request, principal))
        except achievements.RegistrationNumbersExhausted as exc:
            raise Conflict(str(exc), code="registration_numbers_exhausted")
        except TransitionRefused as exc:
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

    def _page(self, request, document, query, sort, view):
        """One page (``limit`` 1-100, default 20; ``offset`` 0-10000) of ``document`` matching ``query``."""
        return paging.offset_page(self.store.db[document._get_collection_name()], query, sort, request,
                                  lambda doc: view(document._from_son(doc)))

    @staticmethod
    def _region_filter(request, principal=None):
        """The ``region_code`` filter of a listing's ``region`` parameter (510000: every division). For a
        reviewer (``principal``) the region must be in their scope and defaults to the whole scope."""
        region = web.query_param(request, "region")
        if region is not None and region != "510000" and region not in SICHUAN_REGIONS:
            raise ValidationFailed.at("region", "not 510000 or one of Sichuan's 21 division codes (GB/T 2260)")
        if principal is not None and principal.role == auth.Roles.REVIEWER:
            region = region or principal.region
            auth.require_region(principal, region)
        if region in (None, "510000"):
            return {}
        return {"region_code": {"$in": [code for code in SICHUAN_REGIONS if auth.region_covers(region, code)]}}
