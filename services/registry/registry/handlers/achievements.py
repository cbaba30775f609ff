"""Achievement registration (科技成果登记): drafts, bulk-import rows and the lifecycle.

An institution records a draft for its own organization and edits it while draft or returned; then
submit (owner) → register with a 12-digit number, or return with reasons (reviewer of the region) →
publish to the public query service (reviewer) → withdraw (owner), each with its event. The plan project an
achievement names must exist and belong to one of its organizations (checked on every draft and at
submit); registering fulfils that project's reporting duty; a withdrawal also takes the achievement out of
the public query service and the dual-use catalogues. Classified achievements (涉密) are refused (422)
before anything is stored; the events about an internal (内部) one carry none of its text
(``achievements.announced``). The rules are in ``registry.achievements``.
"""
import uuid

from ttp_common import clock
from ttp_common.mongo import next_serial
from ttp_common.refusals import Invalid

from .. import achievements
from ..documents import Achievement, PlanProject, PublicAchievement
from .access import require_owner, require_reviewer
from .catalogues import leave_catalogues

IMPORT_NAMESPACE = uuid.UUID("6f1c2d4e-9a5b-4c3d-8e7f-0a1b2c3d4e5f")  # ids of imported rows
PUBLISHED_FIELDS = ("title", "type", "summary", "keywords", "industry", "programme", "trl", "region_code",
                    "organization_ids", "dual_use")


def create_draft(uow, body, principal, at):
    """A draft of ``body`` (``AchievementIn``) for the caller's own organization (the first completing one)."""
    require_owner(principal, body.organization_ids[0])
    achievements.check_not_classified(body.model_dump())
    achievement = _draft(uuid.uuid4().hex, body, principal, at)
    _check_plan_project(uow, achievement.record)
    return uow.insert(achievement)


def import_row(uow, import_key, form, principal, at):
    """One row of a bulk import (``form``: its ``AchievementIn``, already checked by
    ``achievements.read_import_row``), created as a draft once: its id derives from the owner and the key.
    Returns the row's outcome: created, exists, or rejected with its errors."""
    achievement = _draft(imported_draft_id(import_key, form), form, principal, at)
    if uow.find_one(Achievement, {"_id": achievement.id}):
        return {"status": "exists", "id": achievement.id}
    project_error = _plan_project_error(uow, achievement.record)
    if project_error:
        return {"status": "rejected", "errors": [{"path": "funding.plan_project_id", "message": project_error}]}
    uow.insert(achievement)
    return {"status": "created", "id": achievement.id}


def imported_draft_id(import_key, form):
    """The id of the draft an import row becomes: it derives from the owner and the row's key."""
    return uuid.uuid5(IMPORT_NAMESPACE, f"{form.organization_ids[0]}|{import_key}").hex


def plan_project_errors(uow, records):
    """``plan_project_error`` of each of ``records`` (None where it fits or names none), their plan projects read
    with one query."""
    wanted = {r["funding"].get("plan_project_id") for r in records} - {None, ""}
    projects = {p.id: p for p in uow.find(PlanProject, {"_id": {"$in": sorted(wanted)}})} if wanted else {}
    return [achievements.plan_project_error(projects.get(r["funding"]["plan_project_id"]), r["organization_ids"])
            if r["funding"].get("plan_project_id") else None for r in records]


def edit(uow, achievement_id, body, principal, at):
    """The owner replaces the form of a draft or returned achievement; the owner stays one of its organizations."""
    achievement = achievement_for(uow, achievement_id, principal, achievements.OWNER)
    achievements.check_editable(achievement.status)
    require_owner(principal, body.organization_ids[0])
    achievements.check_not_classified(body.model_dump())
    achievement.record, achievement.updated_at = body.model_dump(mode="json"), at
    _check_plan_project(uow, achievement.record)
    achievement.owner_organization_id, achievement.region_code = body.organization_ids[0], body.region_code
    uow.replace(achievement)
    return achievement


def achievement_for(uow, achievement_id, principal, actor):
    """The achievement, read in the transaction, if ``principal`` may act on it as ``actor`` (its owner, or
    a reviewer of its region)."""
    achievement = uow.get(Achievement, achievement_id)
    if actor == achievements.OWNER:
        require_owner(principal, achievement.owner_organization_id)
    else:
        require_reviewer(principal, achievement.region_code)
    return achievement


# -- the lifecycle: one function per transition ---------------------------------------------

def submit(uow, achievement_id, principal, at):
    achievement, data = _start("submit", uow, achievement_id, principal, at)
    record = achievement.record
    achievements.check_not_classified(record)  # one recorded before classified levels were refused
    _check_plan_project(uow, record)
    data.update(title=record["title"], organization_ids=record["organization_ids"])
    achievement.return_reasons = []
    return _finish("submit", uow, achievement, achievements.announced(record, data))


def register(uow, achievement_id, principal, at):
    """Register with the next number of the registering body, year and category (drawn outside the
    transaction: ``next_serial``); fulfils the reporting duty of the plan project it names."""
    achievement, data = _start("register", uow, achievement_id, principal, at)
    record = achievement.record
    serial = next_serial(uow.db, f"achievement|{achievements.registration_body(achievement.region_code)}"
                                 f"|{at.year}|{record['type']}")
    achievement.registration_number = achievements.registration_number(
        achievement.region_code, at.year, record["type"], serial)
    achievement.registered_at = at
    project_id = record["funding"].get("plan_project_id")
    if project_id:  # a registered achievement fulfils its own organizations' project's reporting duty
        uow.update(PlanProject, {"_id": project_id, "organization_id": {"$in": record["organization_ids"]}},
                   {"$set": {"satisfied": True}})
    data.update(registration_number=achievement.registration_number, type=record["type"], registered_at=at,
                effective_date=clock.china_date(at))
    return _finish("register", uow, achievement, data)


def return_(uow, achievement_id, reasons, principal, at):
    """Return a submitted achievement to its owner with ``reasons`` (``return`` is a keyword)."""
    achievement, data = _start("return", uow, achievement_id, principal, at)
    achievement.return_reasons = reasons
    data["reasons"] = reasons
    return _finish("return", uow, achievement, achievements.announced(achievement.record, data))


def publish(uow, achievement_id, principal, at):
    """Publish a registered public (公开) achievement to the public query service."""
    achievement, _ = _start("publish", uow, achievement_id, principal, at)
    record = achievement.record
    achievements.check_publishable(record)
    achievement.published_at = at
    data = {"achievement_id": achievement.id, "registration_number": achievement.registration_number,
            **{k: record[k] for k in PUBLISHED_FIELDS},
            "patent_numbers": [p["number"] for p in record["patents"]], "published_at": at}
    return _finish("publish", uow, achievement, data, then=lambda: uow.insert(PublicAchievement.of(achievement, at)))


def withdraw(uow, achievement_id, reason, principal, at):
    """The owner withdraws a registered or published achievement: it leaves the public query service and
    every catalogue."""
    achievement, data = _start("withdraw", uow, achievement_id, principal, at)
    achievement.withdraw_reason = reason
    data["reason"] = reason

    def leave():
        uow.delete(PublicAchievement, {"_id": achievement.id})
        leave_catalogues(uow, achievement.id, "withdrawn")

    return _finish("withdraw", uow, achievement, achievements.announced(achievement.record, data), then=leave)


def _start(action, uow, achievement_id, principal, at):
    """The achievement in its new state, if ``principal`` may take ``action`` from its current one, and the
    event data every transition has."""
    t = achievements.TRANSITIONS[action]
    achievement = achievement_for(uow, achievement_id, principal, t.actor)
    achievements.transition(action, achievement.status)
    achievement.status, achievement.updated_at = t.target, at
    return achievement, {"achievement_id": achievement.id, "organization_id": achievement.owner_organization_id,
                         "region_code": achievement.region_code}


def _finish(action, uow, achievement, data, then=None):
    """Store the achievement, then what the transition changes besides (``then``), then its event."""
    uow.replace(achievement)
    if then:
        then()
    uow.emit(achievements.TRANSITIONS[action].event, data, subject=achievement.id)
    return achievement


def _draft(achievement_id, form, principal, at):
    return Achievement(id=achievement_id, owner_organization_id=form.organization_ids[0], region_code=form.region_code,
                       status="draft", record=form.model_dump(mode="json"), created_by=principal.sub,
                       created_at=at, updated_at=at)


def _plan_project_error(uow, record):
    """Why the plan project ``record`` names does not fit it, or None (also when it names none)."""
    project_id = record["funding"].get("plan_project_id")
    if not project_id:
        return None
    return achievements.plan_project_error(uow.find_one(PlanProject, {"_id": project_id}), record["organization_ids"])


def _check_plan_project(uow, record):
    error = _plan_project_error(uow, record)
    if error:
        raise Invalid(error, field="funding.plan_project_id")
