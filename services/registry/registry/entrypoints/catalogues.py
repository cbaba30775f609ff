"""The dual-use catalogues (军民两用目录): military-to-civil and civil-to-military.

The public reads a catalogue with each achievement's public summary; reviewers of the achievement's
region add published dual-use achievements and remove them. ``_leave_catalogues`` is also used when an
achievement is withdrawn (``achievements``).
"""
from ttp_common import auth, web
from ttp_common.errors import NotFound
from ttp_common.refusals import TransitionRefused
from ttp_common.web import http

from .. import achievements
from ..documents import CatalogueEntry, PublicAchievement
from .common import RegistryHelpers

CATALOGUE_ENTRY_ADDED = "registry.catalogue.entry_added.v1"
CATALOGUE_ENTRY_REMOVED = "registry.catalogue.entry_removed.v1"


class CatalogueEntrypoints(RegistryHelpers):
    """Catalogue reads and entries."""

    @http("GET", "/api/v1/catalogues/<string:catalogue>")
    @web.api
    def get_catalogue(self, request, catalogue):
        """Public: the catalogue's entries with each achievement's public summary."""
        self._check_catalogue(catalogue)
        entries = list(self.store.db[CatalogueEntry._get_collection_name()].find({"catalogue": catalogue})
                       .sort("added_at", 1))
        public = {d["_id"]: PublicAchievement._from_son(d).public() for d in
                  self.store.db[PublicAchievement._get_collection_name()].find(
                      {"_id": {"$in": [e["achievement_id"] for e in entries]}})}
        return web.json_response({"catalogue": catalogue, "label": achievements.CATALOGUES[catalogue], "entries": [
            {"achievement": public[e["achievement_id"]], "note": e.get("note"), "added_at": e["added_at"]}
            for e in entries if e["achievement_id"] in public]})

    @http("POST", "/api/v1/catalogues/<string:catalogue>/entries")
    @web.api
    def add_catalogue_entry(self, request, catalogue):
        self._check_catalogue(catalogue)
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, achievements.CatalogueEntryIn)

        def work(uow):
            achievement = self._achievement(uow, body.achievement_id, principal, achievements.REVIEWER)
            achievements.check_catalogue_candidate(achievement.status, achievement.record["dual_use"])
            entries = uow.db[CatalogueEntry._get_collection_name()]
            entry_id = f"{catalogue}|{achievement.id}"
            if entries.find_one({"_id": entry_id}, session=uow.session):
                raise TransitionRefused("the achievement is already in this catalogue")
            uow.insert(CatalogueEntry(id=entry_id, catalogue=catalogue, achievement_id=achievement.id,
                                      note=body.note, added_by=principal.sub))
            uow.emit(CATALOGUE_ENTRY_ADDED, {
                "catalogue": catalogue, "achievement_id": achievement.id, "title": achievement.record["title"],
                "registration_number": achievement.registration_number, "region_code": achievement.region_code,
                "note": body.note}, subject=catalogue)

        self._act(work, request, principal)
        return web.json_response({"catalogue": catalogue, "achievement_id": body.achievement_id}, status=201)

    @http("DELETE", "/api/v1/catalogues/<string:catalogue>/entries/<string:achievement_id>")
    @web.api
    def remove_catalogue_entry(self, request, catalogue, achievement_id):
        self._check_catalogue(catalogue)
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)

        def work(uow):
            self._achievement(uow, achievement_id, principal, achievements.REVIEWER)  # scope check
            if not self._leave_catalogues(uow, achievement_id, "removed", only=catalogue):
                raise NotFound("the achievement is not in this catalogue")

        self._act(work, request, principal)
        return web.json_response({"catalogue": catalogue, "achievement_id": achievement_id, "removed": True})

    @staticmethod
    def _check_catalogue(catalogue):
        if catalogue not in achievements.CATALOGUES:
            raise NotFound(f"no catalogue {catalogue!r}; one of: {', '.join(achievements.CATALOGUES)}")

    @staticmethod
    def _leave_catalogues(uow, achievement_id, reason, only=None):
        """Remove the achievement from ``only`` (or every) catalogue, with an event each; returns how many."""
        entries = uow.db[CatalogueEntry._get_collection_name()]
        query = {"achievement_id": achievement_id, **({"catalogue": only} if only else {})}
        found = list(entries.find(query, session=uow.session))
        for entry in found:
            entries.delete_one({"_id": entry["_id"]}, session=uow.session)
            uow.emit(CATALOGUE_ENTRY_REMOVED, {"catalogue": entry["catalogue"], "achievement_id": achievement_id,
                                               "reason": reason}, subject=entry["catalogue"])
        return len(found)
