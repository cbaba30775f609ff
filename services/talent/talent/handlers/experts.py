"""Experts (专家库): drawing or naming experts to review an achievement, never from its organizations as the
registry announced them (the replica of its achievement events), and the experts of a field as they are
listed. The rules are in ``talent.experts``.
"""
import uuid

from .. import experts
from ..documents import AchievementReplica, Assignment, Person

EXPERTS_ASSIGNED = "talent.expert.assigned.v1"
LISTED = 1000  # experts of a field listed at most


def assign(uow, body, principal):
    """Experts for an appraisal (``AssignmentIn``): the named ones, or ``count`` drawn from the field's pool
    (``experts.select``), none of the excluded organizations. Returns (the assignment, the experts)."""
    excluded = experts.excluded_organizations(achievement_organizations(uow, body.achievement_id),
                                              body.organization_ids)
    if body.person_ids:
        found = {p.id: p.as_dict() for p in uow.find(Person, {"_id": {"$in": body.person_ids}})}
        chosen = [found.get(p) for p in body.person_ids]
        experts.check_named(chosen, excluded, body.field)
    else:
        candidates = [p.as_dict() for p in uow.find(Person, {"kinds": "expert", "fields": body.field})]
        chosen = experts.select(candidates, excluded, body.count)
    ids = [p["id"] for p in chosen]
    uow.update(Person, {"_id": {"$in": ids}}, {"$inc": {"assignments": 1}}, many=True)
    record = {"achievement_id": body.achievement_id, "field": body.field, "person_ids": ids,
              "excluded_organization_ids": excluded}
    assignment = Assignment(id=uuid.uuid4().hex, kind="review", record=record, created_by=principal.sub)
    uow.insert(assignment)
    uow.emit(EXPERTS_ASSIGNED, {"assignment_id": assignment.id, **record}, subject=assignment.id)
    return assignment, chosen


def note_achievement(uow, event_name, data, at):
    """The replica of a registry achievement event: every organization it names is added (never removed)."""
    uow.update(AchievementReplica, {"_id": data["achievement_id"]},
               {"$addToSet": {"organization_ids": {"$each": experts.announced_organizations(data)}},
                "$set": {"status": event_name.split(".")[2], "updated_at": at}}, upsert=True)


def achievement_organizations(repo, achievement_id):
    """The organizations of an achievement as the registry announced them, or None if it has not."""
    found = repo.find_one(AchievementReplica, {"_id": str(achievement_id)})
    return None if found is None else list(found.organization_ids or [])


def expert_query(field, excluded_organization_ids):
    """The experts (of ``field``, if given) with no conflict with the excluded organizations (``experts.conflicted``
    as a query: an expert of no organization never conflicts)."""
    query = {"kinds": "expert", **({"fields": field} if field else {})}
    if excluded_organization_ids:
        query["organization_id"] = {"$nin": sorted(set(excluded_organization_ids))}
    return query


def experts_of(repo, field, excluded_organization_ids):
    """The first ``LISTED`` experts of ``expert_query`` by id, for drawing a panel."""
    people = [p.as_dict() for p in repo.find(Person, expert_query(field, excluded_organization_ids), sort=[("_id", 1)],
                                             limit=LISTED)]
    return [p for p in people if not experts.conflicted(p, excluded_organization_ids)]


def expert_view(person):
    """What reviewers see of an expert: no contact details or identity number."""
    return {k: person[k] for k in ("id", "name", "organization_id", "fields", "title", "assignments")}
