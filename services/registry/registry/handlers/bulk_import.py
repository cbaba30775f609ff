"""Bulk import in chunks (批量导入): the rows of an import request that passed their own checks are written one
transaction per chunk of ``IMPORT_CHUNK_ROWS`` rows instead of one per row.

A chunk reads its rows' ids (derived from the owner and the row's key, or from the original registration number)
with one query, the plan projects its drafts name with one, and the registration numbers its registered
achievements carry with one; then it inserts the new documents with one ``insert_many`` and their events
(``registry.achievement.registered.v1`` of a registered achievement; a draft has none) together in the outbox, in
row order. Each row keeps its own outcome, exactly as row by row: ``exists`` when its id is stored (or an earlier
row of the chunk has it), ``rejected`` with its errors, else ``created``. When the chunk fails at write (a key or a
registration number stored by a concurrent import between the read and the insert) nothing of it is stored and
its rows are written again one transaction each (``handlers.achievements.import_row``,
``handlers.history.import_registered``), so the report stays exact.
"""
import logging
from dataclasses import dataclass, field

from pymongo.errors import BulkWriteError, DuplicateKeyError

from .. import history
from ..documents import Achievement
from . import achievements as achievement_handlers, history as history_handlers

log = logging.getLogger(__name__)

DEFAULT_CHUNK_ROWS = 500


def chunk_rows(value):
    """The configured ``IMPORT_CHUNK_ROWS`` as a whole number of at least 1 (``ValueError`` otherwise)."""
    rows = int(value)
    if rows < 1:
        raise ValueError(f"IMPORT_CHUNK_ROWS must be at least 1, not {value!r}")
    return rows


@dataclass
class Row:
    """One checked row of an import request: its place, the stored form of the achievement it becomes (what
    ``Achievement(...).to_mongo()`` gives, built directly: the form was validated by ``AchievementIn``, and
    mongoengine's walk over the nested record cost more than the write), and how to write it alone."""
    number: int
    document: dict
    registered_on: object = None  # the original registration date of an achievement registered elsewhere
    alone: tuple = field(default=())  # (handler, args) writing this row in a transaction of its own

    @property
    def id(self):
        return self.document["_id"]

    @property
    def draft(self):
        return self.registered_on is None


def stored(achievement_id, form, principal, at, status="draft", **registration):
    """The stored form of a new achievement (``Achievement.to_mongo()``) of ``form`` (its ``AchievementIn``)."""
    return {"_id": achievement_id, "owner_organization_id": form.organization_ids[0], "region_code": form.region_code,
            "status": status, "record": form.model_dump(mode="json"), "return_reasons": [], "created_at": at,
            "created_by": principal.sub, "updated_at": at, **registration}


def draft_row(number, import_key, form, principal, at):
    """A checked draft row (``form``: its ``AchievementIn``)."""
    return Row(number, stored(achievement_handlers.imported_draft_id(import_key, form), form, principal, at),
               alone=(achievement_handlers.import_row, (import_key, form, principal, at)))


def registered_row(number, form, registration_number, registered_on, principal, at):
    """A checked row of an achievement registered in an earlier system, or its rejection (another region)."""
    if not history_handlers.covers(principal, form.region_code):
        return history_handlers.other_region()
    return Row(number, stored(history.registered_id(registration_number), form, principal, at, status="registered",
                              registration_number=registration_number,
                              registered_at=history_handlers.china_midnight(registered_on)),
               registered_on=registered_on,
               alone=(history_handlers.import_registered, (form, registration_number, registered_on, principal, at)))


def import_chunk(uow, rows):
    """Write the ``rows`` of one chunk in the caller's transaction; ``{row number: outcome}``."""
    achievements = uow.collection(Achievement)
    stored_ids = {doc["_id"] for doc in achievements.find({"_id": {"$in": [row.id for row in rows]}}, {"_id": 1},
                                                          session=uow.session)}
    numbers = [row.document["registration_number"] for row in rows if not row.draft]
    holders = {doc["registration_number"]: doc["_id"] for doc in achievements.find(
        {"registration_number": {"$in": numbers}}, {"registration_number": 1}, session=uow.session)} if numbers else {}
    drafts = [row for row in rows if row.draft and row.id not in stored_ids]
    project_errors = dict(zip((row.number for row in drafts), achievement_handlers.plan_project_errors(
        uow, [row.document["record"] for row in drafts])))
    outcomes, fresh, taken = {}, [], set()
    for row in rows:
        if row.id in stored_ids or row.id in taken:
            outcomes[row.number] = {"status": "exists", "id": row.id}
        elif row.draft and project_errors.get(row.number):
            outcomes[row.number] = {"status": "rejected", "errors": [
                {"path": "funding.plan_project_id", "message": project_errors[row.number]}]}
        elif not row.draft and holders.get(row.document["registration_number"], row.id) != row.id:
            outcomes[row.number] = history_handlers.number_taken()
        else:
            taken.add(row.id)
            fresh.append(row)
            outcomes[row.number] = {"status": "created", "id": row.id}
    if fresh:
        achievements.insert_many([row.document for row in fresh], ordered=True, session=uow.session)
    for row in fresh:
        if not row.draft:
            uow.emit(history_handlers.ACHIEVEMENT_REGISTERED,
                     history_handlers.registered_data(uow.load(Achievement, row.document), row.registered_on),
                     subject=row.id)
    return outcomes


def write(store, rows, chunk, actor):
    """Write checked ``rows`` (``Row``) ``chunk`` at a time, each chunk in one transaction; a chunk refused at write
    is written again row by row. ``{row number: outcome}``."""
    outcomes = {}
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        try:
            outcomes.update(store.transact(import_chunk, part, actor=actor))
        except (BulkWriteError, DuplicateKeyError) as exc:  # a key or number raced in: nothing of the chunk stored
            log.warning("import chunk of %d rows refused at write (%s): writing its rows one by one", len(part),
                        type(exc).__name__)
            for row in part:
                handler, args = row.alone
                outcomes[row.number] = store.transact(handler, *args, actor=actor)
    return outcomes
