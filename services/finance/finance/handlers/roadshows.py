"""Roadshows and matchmaking events (路演, 对接会): a reviewer of the region (or an admin) schedules one with
listed financing needs presenting; an investor's institution registers the investor for it."""
import uuid

from ttp_common import auth
from ttp_common.refusals import Invalid, TransitionRefused

from ..documents import FinancingProject, Roadshow
from . import replace_unchanged
from .deals import investor_of

SCHEDULED = "finance.roadshow.scheduled.v1"
INVESTOR_REGISTERED = "finance.roadshow.investor_registered.v1"


def schedule(uow, body, principal):
    """A new event from ``body`` (``RoadshowIn``); every presenting project must be listed."""
    auth.require_region(principal, body.region_code)
    listed = {p.id for p in uow.find(FinancingProject, {"_id": {"$in": body.financing_project_ids},
                                                        "status": "listed"})}
    for i, project_id in enumerate(body.financing_project_ids):
        if project_id not in listed:
            raise Invalid("not a listed financing project", field=f"financing_project_ids.{i}")
    roadshow = Roadshow(id=uuid.uuid4().hex, scheduled_by=principal.sub, investor_ids=[], **body.model_dump())
    uow.insert(roadshow)
    uow.emit(SCHEDULED, {"roadshow_id": roadshow.id, **body.model_dump()}, subject=roadshow.id)
    return roadshow


def register_investor(uow, roadshow_id, investor_id, principal, at):
    """Register the caller's investor for the event, once."""
    investor = investor_of(uow, principal, investor_id)
    roadshow = uow.get(Roadshow, roadshow_id)
    if investor.id in roadshow.investor_ids:
        raise TransitionRefused("the investor is already registered")
    registered = list(roadshow.investor_ids)
    roadshow.investor_ids.append(investor.id)
    replace_unchanged(uow, roadshow, {"investor_ids": registered},
                      "the roadshow's registrations changed meanwhile; try again")
    uow.emit(INVESTOR_REGISTERED, {"roadshow_id": roadshow.id, "investor_id": investor.id, "registered_at": at},
             subject=roadshow.id)
    return roadshow
