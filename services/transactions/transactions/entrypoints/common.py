"""What every area of the transactions service shares.

Helpers to read a document in or out of a unit of work, to turn a refused transition into a 409, to
require an institution acting for its organization, to decline the proposed matches of a demand or
listing that is gone, and pages with a ``before`` cursor (``ttp_common.paging``); and the constants more than
one area uses. ``TransactionsHelpers`` is the base of every area mixin; the final class
(``TransactionsService``, a ``PlatformService``) brings ``self.store``, ``self.principal`` and
``self.actor``.
"""
from ttp_common import auth, paging
from ttp_common.errors import Conflict, Forbidden, NotFound
from ttp_common.events import Actor

from ..documents import Match
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

    def _institution(self, request, admin=False):
        """The caller: an institution acting for its organization (or, with ``admin``, an admin)."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, *([auth.Roles.ADMIN] if admin else []))
        if principal.role != auth.Roles.ADMIN and not principal.org:
            raise Forbidden("institutions act for an organization (token claim 'org')")
        return principal

    @staticmethod
    def _match_data(match):
        """The fields every transactions.match.* event has."""
        return {k: match[k] for k in ("demand_id", "listing_id", "demand_organization_id",
                                      "seller_organization_id")} | {"match_id": match.id}

    def _decline_proposed_matches(self, uow, query, note, decided_by, now):
        """In the caller's transaction: decline the proposed matches of ``query`` (a demand's or a listing's that
        is gone), each side told by ``transactions.match.declined.v1``; accepted matches stay."""
        for doc in self._coll(Match, uow).find({**query, "status": "proposed"}, session=uow.session):
            match = Match._from_son(doc)
            match.status, match.decided_at, match.decision_note, match.live_pair = "declined", now, note, None
            uow.replace(match)
            uow.emit("transactions.match.declined.v1", {
                **self._match_data(match), "decided_by_organization_id": decided_by, "note": note,
                "declined_at": now}, subject=match.id)

    @staticmethod
    def _org_of(principal):
        return None if principal.role == auth.Roles.ADMIN else principal.org

    @staticmethod
    def _page(request, collection, query, time_field):
        """One page of ``query``, newest first by (``time_field``, _id), and the ``before`` cursor of the next
        (older) page, None on the last one: ``limit`` and ``before`` come from the request."""
        return paging.time_page(collection, query, request, time_field, param="before")

