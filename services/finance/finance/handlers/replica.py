"""The replica of other services' events (never their databases): what makes an organization eligible for
IP pledge financing."""
from ..documents import OrganizationFacts


def contract_registered(uow, data):
    """A registered technology contract (``transactions.contract.registered.v1``) makes its seller eligible."""
    uow.update(OrganizationFacts, {"_id": data["seller_organization_id"]},
               {"$addToSet": {"registered_contract_ids": data["contract_id"]}}, upsert=True)


def achievement_published(uow, data):
    """A published achievement (``registry.achievement.published.v1``) makes its completing organizations
    (they own the IP) eligible."""
    for org in data["organization_ids"]:
        uow.update(OrganizationFacts, {"_id": org},
                   {"$addToSet": {"published_achievement_ids": data["achievement_id"]}}, upsert=True)
