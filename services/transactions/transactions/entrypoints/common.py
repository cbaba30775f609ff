"""What every area of the transactions service shares.

Helpers to read a document in or out of a unit of work, to turn a refused transition into a 409, to
require an institution acting for its organization, and the ``limit`` query parameter; and the constants
more than one area uses. ``TransactionsHelpers`` is the base of every area mixin; the final class
(``TransactionsService``, a ``PlatformService``) brings ``self.store``, ``self.principal`` and
``self.actor``.
"""
from ttp_common import auth, web
from ttp_common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ttp_common.events import Actor

from ..domain import TransitionRefused

SYSTEM = Actor(sub="service:transactions", role="system")  # for changes the service makes by itself
PROGRAMMES = range(1, 16)  # the plan's 15 special programmes (专项)


class TransactionsHelpers:
    """Helpers of the transactions entrypoints (no entrypoints here)."""

    def _coll(self, document, uow=None):
        return (uow.db if uow else self.store.db)[document._get_collection_name()]

    def _get(self, document, item_id, uow=None, missing="not found"):
        coll = self._coll(document, uow)
        doc = coll.find_one({"_id": str(item_id)}, session=uow.session if uow else None)
        if doc is None:
            raise NotFound(missing)
        return document._from_son(doc)

    def _act(self, work, actor):
        try:
            return self.store.transact(work, actor=actor)
        except TransitionRefused as exc:
            raise Conflict(str(exc))

    def _institution(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION)
        if not principal.org:
            raise Forbidden("institutions act for an organization (token claim 'org')")
        return principal

    @staticmethod
    def _match_data(match):
        """The fields every transactions.match.* event has."""
        return {k: match[k] for k in ("demand_id", "listing_id", "demand_organization_id",
                                      "seller_organization_id")} | {"match_id": match.id}

    @staticmethod
    def _org_of(principal):
        return None if principal.role == auth.Roles.ADMIN else principal.org

    @staticmethod
    def _limit(request):
        limit = web.query_param(request, "limit", type=int, default=20)
        if not 1 <= limit <= 100:
            raise ValidationFailed.at("limit", "must be between 1 and 100")
        return limit
