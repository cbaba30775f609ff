"""Intellectual property records (知识产权): recording a right, changing its state, linking it to the
achievements it protects, each with its event. The rules are in ``registry.ip``.

The events carry the right's public record (kind, number, title, holders, state, dates, linked achievements)
and never a person: no inventor, no designer, no reason text.
"""
import datetime as dt
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common.refusals import Conflict

from .. import ip
from ..documents import Achievement, IpRight, Organization

IP_RIGHT_RECORDED = "registry.ip_right.recorded.v1"
IP_RIGHT_STATUS_CHANGED = "registry.ip_right.status_changed.v1"
IP_RIGHT_LINKED = "registry.ip_right.linked.v1"


def _date(value):
    return value.isoformat() if value else None


def _holder_regions(uow, holder_ids):
    return {doc.id: doc.region_code for doc in uow.find(Organization, {"_id": {"$in": list(holder_ids)}})}


def _check_links(uow, achievement_ids, holder_ids, field="achievement_ids"):
    found = {doc.id: (doc.status, doc.owner_organization_id, tuple(doc.record.get("organization_ids") or ()))
             for doc in uow.find(Achievement, {"_id": {"$in": list(achievement_ids)}})} if achievement_ids else {}
    ip.check_links(achievement_ids, found, holder_ids, field=field)


def record(uow, body, principal, at):
    """A new right from ``body`` (``IpRightIn``): holders registered, the caller one of theirs, links held."""
    holders = _holder_regions(uow, body.holder_organization_ids)
    ip.check_holders(body.holder_organization_ids, holders)
    ip.require_actor(principal, body.holder_organization_ids, holders.values())
    ip.check_dates(body.status, body.filed_on, body.granted_on, body.lapsed_on, body.expires_on)
    expires_on = body.expires_on or ip.default_expiry(body.kind, body.filed_on)
    _check_links(uow, body.achievement_ids, body.holder_organization_ids)
    right = IpRight(id=uuid.uuid4().hex, kind=body.kind, number=body.number,
                    number_key=ip.number_key(body.kind, body.number), title=body.title,
                    holder_organization_ids=list(body.holder_organization_ids), status=body.status,
                    filed_on=body.filed_on.isoformat(), granted_on=_date(body.granted_on),
                    lapsed_on=_date(body.lapsed_on), expires_on=_date(expires_on),
                    achievement_ids=list(body.achievement_ids), history=[], recorded_at=at, recorded_by=principal.sub)
    try:
        uow.insert(right)
    except DuplicateKeyError:
        raise Conflict("this right is already recorded", field="number", detail="taken") from None
    uow.emit(IP_RIGHT_RECORDED, {
        "ip_right_id": right.id, "kind": right.kind, "number": right.number, "title": right.title,
        "holder_organization_ids": right.holder_organization_ids, "status": right.status,
        "filed_on": body.filed_on, "granted_on": body.granted_on, "lapsed_on": body.lapsed_on,
        "expires_on": expires_on, "achievement_ids": right.achievement_ids}, subject=right.id)
    return right


def change_status(uow, right_id, body, principal, at):
    """Grant (in force) or lapse the right (``IpStatusIn``), from a state the table allows, dated."""
    right = uow.get(IpRight, right_id)
    ip.require_actor(principal, right.holder_organization_ids,
                     _holder_regions(uow, right.holder_organization_ids).values())
    return _change(uow, right, body.status, body.effective_on, body.reason, principal.sub, at)


def expire(uow, right_id, today, at):
    """Lapse the right if its term ended before ``today`` (China's date), once, with an event; its id, or None."""
    right = uow.get(IpRight, right_id)
    expires_on = dt.date.fromisoformat(right.expires_on) if right.expires_on else None
    if not ip.is_expired(right.status, expires_on, today):
        return None
    _change(uow, right, "lapsed", expires_on + dt.timedelta(days=1), "期限届满", "service:registry", at)
    return right.id


def _change(uow, right, status, effective_on, reason, by, at):
    granted = dt.date.fromisoformat(right.granted_on) if right.granted_on else None
    ip.check_transition(right.status, status, dt.date.fromisoformat(right.filed_on), granted, effective_on)
    previous = right.status
    right.status = status
    if status == "in_force":
        right.granted_on = effective_on.isoformat()
    else:
        right.lapsed_on = effective_on.isoformat()
    right.history = list(right.history or ()) + [{
        "status": status, "effective_on": effective_on.isoformat(), "reason": reason, "at": at.isoformat(), "by": by}]
    uow.replace(right)
    uow.emit(IP_RIGHT_STATUS_CHANGED, {
        "ip_right_id": right.id, "kind": right.kind, "number": right.number,
        "holder_organization_ids": list(right.holder_organization_ids), "previous_status": previous,
        "status": right.status, "effective_on": effective_on}, subject=right.id)
    return right


def link(uow, right_id, body, principal):
    """Link the right to more achievements of its holders (``IpLinksIn``); those already linked are kept."""
    right = uow.get(IpRight, right_id)
    ip.require_actor(principal, right.holder_organization_ids,
                     _holder_regions(uow, right.holder_organization_ids).values())
    new = [achievement_id for achievement_id in body.achievement_ids
           if achievement_id not in (right.achievement_ids or ())]
    _check_links(uow, body.achievement_ids, right.holder_organization_ids)
    if not new:
        return right
    right.achievement_ids = list(right.achievement_ids or ()) + new
    uow.replace(right)
    uow.emit(IP_RIGHT_LINKED, {"ip_right_id": right.id, "kind": right.kind,
                               "holder_organization_ids": list(right.holder_organization_ids),
                               "achievement_ids": new, "linked_achievement_ids": list(right.achievement_ids)},
             subject=right.id)
    return right
