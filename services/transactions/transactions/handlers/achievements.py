"""The replica of the registry's published achievements (科技成果), kept from its events.

A publication (again) stores what the market needs of the achievement; a withdrawal marks it withdrawn, settles
its auctions that have ended as the clock would (their result stands), cancels its other open auctions and
closes its open listings (reason ``achievement_withdrawn``).
"""
from .. import auctions as auction_rules
from ..documents import AchievementReplica, Auction, Listing
from . import auctions, listings

ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"
ACHIEVEMENT_WITHDRAWN = "registry.achievement.withdrawn.v1"
REPLICATED = ("registration_number", "title", "summary", "keywords", "industry", "programme", "trl", "region_code",
              "organization_ids", "patent_numbers", "published_at")


def apply(uow, event_name, data, at):
    """Apply a registry event to the replica: None after a publication, the outcomes of the auctions a withdrawal
    closed (``sold``, ``unsold``, ``cancelled``) after a withdrawal."""
    if event_name == ACHIEVEMENT_PUBLISHED:
        replica = AchievementReplica(id=data["achievement_id"], status="published", updated_at=at,
                                     **{k: data[k] for k in REPLICATED})
        if not uow.replace(replica):
            uow.insert(replica)
        return None
    achievement_id = data["achievement_id"]
    uow.update(AchievementReplica, {"_id": achievement_id}, {"$set": {"status": "withdrawn", "updated_at": at}})
    outcomes = []
    for auction in uow.find(Auction, {"achievement_id": achievement_id, "status": "open"}):
        if auction_rules.is_due(auctions.state(auction), at):  # ended before the withdrawal: its result stands
            outcomes.append(auctions.settle(uow, auction, at))
        elif auctions.cancel(uow, auction, at):
            outcomes.append("cancelled")
    for listing in uow.find(Listing, {"achievement_id": achievement_id, "status": "open"}):
        listings.close(uow, listing, "achievement_withdrawn", at)
    return outcomes
