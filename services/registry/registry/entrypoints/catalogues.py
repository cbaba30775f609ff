"""The dual-use catalogues (军民两用目录): military-to-civil and civil-to-military.

The public reads a catalogue with each achievement's public summary; reviewers of the achievement's
region add published dual-use achievements and remove them (a withdrawal removes an achievement from
every catalogue). The work is in ``registry.handlers.catalogues``, the rules in ``registry.catalogues``.
"""
from ttp_common.endpoints import endpoint

from .. import catalogues, schemas
from ..catalogues import CATALOGUES, CatalogueEntryIn
from ..documents import CatalogueEntry, PublicAchievement
from ..handlers import catalogues as handlers
from .common import REVIEWERS

CATALOGUE = {"catalogue": {"schema": {"type": "string", "enum": list(CATALOGUES)},
                           "description": "; ".join(f"{k}: {v}" for k, v in CATALOGUES.items())}}


class CatalogueEntrypoints:
    """Catalogue reads and entries."""

    @endpoint("GET", "/api/v1/catalogues/<string:catalogue>", parameters=CATALOGUE, response=schemas.CATALOGUE,
              described="The catalogue",
              summary="A dual-use catalogue (军民两用目录) with each entry's public summary (public)")
    def get_catalogue(self, ctx, catalogue):
        catalogues.check_catalogue(catalogue)
        entries = self.store.find(CatalogueEntry, {"catalogue": catalogue}, sort=[("added_at", 1)])
        public = {doc.id: doc.public() for doc in self.store.find(
            PublicAchievement, {"_id": {"$in": [entry.achievement_id for entry in entries]}})}
        return {"catalogue": catalogue, "label": CATALOGUES[catalogue], "entries": [
            {"achievement": public[entry.achievement_id], "note": entry.note, "added_at": entry.added_at}
            for entry in entries if entry.achievement_id in public]}

    @endpoint("POST", "/api/v1/catalogues/<string:catalogue>/entries", roles=REVIEWERS, body=CatalogueEntryIn,
              parameters=CATALOGUE, status=201, described="Added", errors=(409,),
              summary="Add a published dual-use achievement; reviewers of its region and administrators")
    def add_catalogue_entry(self, ctx, catalogue):
        self.store.transact(handlers.add_entry, catalogue, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return {"catalogue": catalogue, "achievement_id": ctx.body.achievement_id}

    @endpoint("DELETE", "/api/v1/catalogues/<string:catalogue>/entries/<string:achievement_id>", roles=REVIEWERS,
              parameters=CATALOGUE, described="Removed",
              summary="Remove an entry; reviewers of its region and administrators")
    def remove_catalogue_entry(self, ctx, catalogue, achievement_id):
        self.store.transact(handlers.remove_entry, catalogue, achievement_id, ctx.principal, actor=ctx.actor)
        return {"catalogue": catalogue, "achievement_id": achievement_id, "removed": True}
