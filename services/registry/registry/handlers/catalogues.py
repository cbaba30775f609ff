"""Entries of the dual-use catalogues (军民两用目录): reviewers of the achievement's region add published
dual-use achievements and remove them; a withdrawal takes an achievement out of every catalogue
(``leave_catalogues``, from ``registry.handlers.achievements``). The rules are in ``registry.catalogues``.
"""
from ttp_common.refusals import NotFound, TransitionRefused

from .. import catalogues
from ..documents import Achievement, CatalogueEntry
from .access import require_reviewer

CATALOGUE_ENTRY_ADDED = "registry.catalogue.entry_added.v1"
CATALOGUE_ENTRY_REMOVED = "registry.catalogue.entry_removed.v1"


def add_entry(uow, catalogue, body, principal, at):
    """Add the achievement ``body`` (``CatalogueEntryIn``) names to ``catalogue``; returns the entry."""
    catalogues.check_catalogue(catalogue)
    achievement = uow.get(Achievement, body.achievement_id)
    require_reviewer(principal, achievement.region_code)
    catalogues.check_catalogue_candidate(achievement.status, achievement.record["dual_use"])
    entry_id = f"{catalogue}|{achievement.id}"
    if uow.find_one(CatalogueEntry, {"_id": entry_id}):
        raise TransitionRefused("the achievement is already in this catalogue")
    entry = uow.insert(CatalogueEntry(id=entry_id, catalogue=catalogue, achievement_id=achievement.id,
                                      note=body.note, added_at=at, added_by=principal.sub))
    uow.emit(CATALOGUE_ENTRY_ADDED, {
        "catalogue": catalogue, "achievement_id": achievement.id, "title": achievement.record["title"],
        "registration_number": achievement.registration_number, "region_code": achievement.region_code,
        "note": body.note}, subject=catalogue)
    return entry


def remove_entry(uow, catalogue, achievement_id, principal):
    """Take the achievement out of ``catalogue`` (a reviewer of its region)."""
    catalogues.check_catalogue(catalogue)
    require_reviewer(principal, uow.get(Achievement, achievement_id).region_code)
    if not leave_catalogues(uow, achievement_id, "removed", only=catalogue):
        raise NotFound("the achievement is not in this catalogue")


def leave_catalogues(uow, achievement_id, reason, only=None):
    """Remove the achievement from ``only`` (or every) catalogue, with an event each; returns how many."""
    query = {"achievement_id": achievement_id, **({"catalogue": only} if only else {})}
    found = uow.find(CatalogueEntry, query)
    for entry in found:
        uow.delete(CatalogueEntry, {"_id": entry.id})
        uow.emit(CATALOGUE_ENTRY_REMOVED, {"catalogue": entry.catalogue, "achievement_id": achievement_id,
                                           "reason": reason}, subject=entry.catalogue)
    return len(found)
