"""The replica of the registry's announcements (never its database): organizations' kinds and regions, and
the achievements it registered, which the facility and incubation rules check."""
from ..documents import AchievementReplica, OrganizationReplica


def organization_registered(uow, data):
    """``registry.organization.registered.v1``: the organization's kind and region."""
    uow.update(OrganizationReplica, {"_id": data["organization_id"]},
               {"$set": {"kind": data["kind"], "region_code": data["region_code"]}}, upsert=True)


def achievement_registered(uow, data):
    """``registry.achievement.registered.v1``: the achievement is registered (科技成果登记)."""
    uow.update(AchievementReplica, {"_id": data["achievement_id"]},
               {"$set": {"organization_id": data["organization_id"], "registered_at": data["registered_at"]}},
               upsert=True)


def organization_kind(repo, org_id):
    """The registry's kind of ``org_id`` (None: the registry has not announced it)."""
    found = repo.find_one(OrganizationReplica, {"_id": org_id})
    return found.kind if found is not None else None


def registered_among(repo, achievement_ids):
    """The ids among ``achievement_ids`` the registry announced as registered."""
    return {a.id for a in repo.find(AchievementReplica, {"_id": {"$in": list(achievement_ids)}})}
