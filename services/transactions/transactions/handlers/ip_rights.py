"""The replica of the registry's IP rights (知识产权), kept from its events: a recording stores what the market
needs (kind, number, title, holders, state), a state change updates the state. A listing names rights from it
(``transactions.listings.check_ip_rights``); a valuation may take one as its subject."""
from ..documents import IpRightReplica

IP_RIGHT_RECORDED = "registry.ip_right.recorded.v1"
IP_RIGHT_STATUS_CHANGED = "registry.ip_right.status_changed.v1"


def apply(uow, event_name, data, at):
    """Apply a registry IP event to the replica."""
    if event_name == IP_RIGHT_RECORDED:
        replica = IpRightReplica(id=data["ip_right_id"], kind=data["kind"], number=data["number"],
                                 title=data["title"], holder_organization_ids=list(data["holder_organization_ids"]),
                                 status=data["status"], updated_at=at)
        if not uow.replace(replica):
            uow.insert(replica)
        return
    uow.update(IpRightReplica, {"_id": data["ip_right_id"]},
               {"$set": {"status": data["status"], "holder_organization_ids": list(data["holder_organization_ids"]),
                         "updated_at": at}})


def replicas(uow, ip_right_ids):
    """``{id: (status, holder ids)}`` of the rights the replica holds among ``ip_right_ids``."""
    if not ip_right_ids:
        return {}
    return {doc.id: (doc.status, tuple(doc.holder_organization_ids or ()))
            for doc in uow.find(IpRightReplica, {"_id": {"$in": list(ip_right_ids)}})}
