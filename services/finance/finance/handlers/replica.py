"""The replica of other services' events (never their databases): what makes an organization eligible for
IP pledge financing, and the achievements and contracts that projects and financing needs may name
(``ttp_common.links``)."""
from ttp_common import clock, links

from ..documents import AchievementLink, ContractLink, Deal, IpRightLink, OrganizationFacts

PLEDGE_LAPSED = "finance.deal.pledge_lapsed.v1"
PLEDGEABLE = {links.IP_RIGHT: frozenset({"in_force"})}  # a pledge names rights in force (有效) only


def contract_registered(uow, data):
    """A registered technology contract (``transactions.contract.registered.v1``) makes its seller eligible
    and may be named by financing needs."""
    uow.update(OrganizationFacts, {"_id": data["seller_organization_id"]},
               {"$addToSet": {"registered_contract_ids": data["contract_id"]}}, upsert=True)
    uow.update(ContractLink, {"_id": data["contract_id"]},
               {"$set": {"status": "registered", "seller_organization_id": data["seller_organization_id"],
                         "buyer_organization_id": data.get("buyer_organization_id"),
                         "achievement_id": data.get("achievement_id")}}, upsert=True)


def contract_cancelled(uow, data):
    """A cancelled contract (``transactions.contract.cancelled.v1``, 注销) may no longer be named by a new financing
    need; the records that name it keep it, and its seller's eligibility stays (the record of having registered one,
    as a withdrawal leaves a publication's)."""
    uow.update(ContractLink, {"_id": data["contract_id"]}, {"$set": {"status": "cancelled"}}, upsert=True)


def achievement_event(uow, status, data):
    """An achievement event (registered, published, withdrawn; in the order of the achievement's topic): its
    status now, and every organization it named (owner and completing organizations, only ever added). A
    published achievement makes its completing organizations (they own the IP) eligible; a withdrawal does not
    take that back (the eligibility is the organization's record of having published)."""
    if status == "published":
        for org in data["organization_ids"]:
            uow.update(OrganizationFacts, {"_id": org},
                       {"$addToSet": {"published_achievement_ids": data["achievement_id"]}}, upsert=True)
    named = [o for o in [data.get("organization_id"), *(data.get("organization_ids") or [])] if o]
    uow.update(AchievementLink, {"_id": data["achievement_id"]},
               {"$set": {"status": status}, "$addToSet": {"organization_ids": {"$each": named}}}, upsert=True)


def ip_right_event(uow, data, changed=False):
    """A recorded IP right or a change of its state (``registry.ip_right.recorded/status_changed.v1``, in the
    order of its topic): its state and holders now. A right that lapses (失效, a state change: ``changed``) flags
    each closed deal that pledged it (``pledge_lapsed``); the ids of the deals flagged."""
    uow.update(IpRightLink, {"_id": data["ip_right_id"]},
               {"$set": {"status": data["status"], "holder_organization_ids": list(data["holder_organization_ids"])}},
               upsert=True)
    if not changed or data["status"] != "lapsed":  # a right recorded as lapsed was never pledged here
        return []
    return flag_lapsed_pledges(uow, data["ip_right_id"], data.get("effective_on"))


def flag_lapsed_pledges(uow, right_id, lapsed_on):
    """Flag the closed deals pledging ``right_id`` (``pledge_lapsed``: the right and the date it lapsed, China's
    calendar) and announce each (``finance.deal.pledge_lapsed.v1``), once per deal and right; the deals' ids."""
    lapsed_on = lapsed_on or clock.china_date(clock.now_ms())
    flagged = []
    for deal in uow.find(Deal, {"pledged_ip_right_ids": right_id, "status": "closed"}):
        if any(entry.get("ip_right_id") == right_id for entry in deal.pledge_lapsed or ()):
            continue
        entry = {"ip_right_id": right_id, "lapsed_on": lapsed_on.isoformat()}
        uow.update(Deal, {"_id": deal.id}, {"$push": {"pledge_lapsed": entry}})  # the transaction guards it
        uow.emit(PLEDGE_LAPSED, {
            "deal_id": deal.id, "financing_project_id": deal.financing_project_id,
            "organization_id": deal.organization_id, "region_code": deal.region_code, "investor_id": deal.investor_id,
            "ip_right_id": right_id, "lapsed_on": lapsed_on,
            "pledged_ip_right_ids": list(deal.pledged_ip_right_ids or ())}, subject=deal.id)
        flagged.append(deal.id)
    return flagged


def check_pledged_ip_rights(repo, ip_right_ids, borrower):
    """Refuse (422 ``unknown_link`` naming each path) pledged rights the replica does not hold in force and held
    by the borrowing organization ``borrower``."""
    statuses = {} if not ip_right_ids else {
        (links.IP_RIGHT, d.id): d.status if borrower in (d.holder_organization_ids or ()) else "not_held"
        for d in repo.find(IpRightLink, {"_id": {"$in": list(ip_right_ids)}})}
    links.check([("pledged_ip_right_ids", links.IP_RIGHT, list(ip_right_ids))], statuses, usable=PLEDGEABLE)


def link_statuses(repo, achievement_ids=(), contract_ids=()):
    """``{(kind, id): status}`` of the named achievements and contracts the replica holds."""
    found = {}
    for kind, document, ids in ((links.ACHIEVEMENT, AchievementLink, achievement_ids),
                                (links.CONTRACT, ContractLink, contract_ids)):
        if ids:
            found.update({(kind, d.id): d.status for d in repo.find(document, {"_id": {"$in": list(ids)}})})
    return found


def check_links(repo, achievement_ids=(), contract_ids=()):
    """Refuse (422 naming each id's path) achievement or contract ids this replica does not hold usable."""
    links.check([("achievement_ids", links.ACHIEVEMENT, list(achievement_ids)),
                 ("contract_ids", links.CONTRACT, list(contract_ids))],
                link_statuses(repo, achievement_ids, contract_ids))
