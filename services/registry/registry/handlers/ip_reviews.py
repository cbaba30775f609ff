"""IP analysis and review (知识产权分析评议): the request, the panel drawn from the talent pool's candidates
(the entrypoint asks talent over RPC; the draw, checked again, is here) and the recorded opinion, each with its
event. The rules are in ``registry.ip_reviews``; the draw in ``ttp_common.panels``.

The events name organizations, IP rights and the panel's person ids (talent's), never an expert's name, and not
the opinion's text (its conclusion only)."""
import uuid

from ttp_common import panels
from ttp_common.refusals import NotFound, Unprocessable

from .. import ip, ip_reviews
from ..documents import IpReview, IpRight, Organization
from .access import may_see, require_reviewer

IP_REVIEW_REQUESTED = "registry.ip_review.requested.v1"
IP_REVIEW_PANEL_DRAWN = "registry.ip_review.panel_drawn.v1"
IP_REVIEW_CONCLUDED = "registry.ip_review.concluded.v1"


def request(uow, body, principal, at):
    """A review (``IpReviewIn``) asked for by the requesting organization's staff, a reviewer of its region or an
    admin; the organization registered and every right named the registry's (422 naming each)."""
    organization = uow.find_one(Organization, {"_id": body.requesting_organization_id})
    if organization is None:
        raise Unprocessable(f"organization {body.requesting_organization_id} is not registered",
                            field="requesting_organization_id", code="unknown_organization")
    ip.require_actor(principal, [organization.id], [organization.region_code])
    found = {doc.id for doc in uow.find(IpRight, {"_id": {"$in": list(body.ip_right_ids)}})} if body.ip_right_ids \
        else set()
    missing = [(f"ip_right_ids.{i}", f"IP right {right_id} is not recorded here")
               for i, right_id in enumerate(body.ip_right_ids) if right_id not in found]
    if missing:
        raise Unprocessable("; ".join(f"{p}: {m}" for p, m in missing), fields=missing, code="unknown_link")
    review = IpReview(id=uuid.uuid4().hex, subject_kind=body.subject_kind, subject=body.subject,
                      reference=body.reference, requesting_organization_id=organization.id,
                      region_code=organization.region_code, ip_right_ids=list(body.ip_right_ids),
                      expert_field=body.expert_field, panel_size=body.panel_size, status="requested",
                      requested_at=at, requested_by=principal.sub)
    uow.insert(review)
    uow.emit(IP_REVIEW_REQUESTED, {
        "ip_review_id": review.id, "subject_kind": review.subject_kind, "subject": review.subject,
        "reference": review.reference, "requesting_organization_id": review.requesting_organization_id,
        "region_code": review.region_code, "ip_right_ids": review.ip_right_ids, "expert_field": review.expert_field,
        "panel_size": review.panel_size, "requested_at": at}, subject=review.id)
    return review


def panel_request(repo, review_id, principal):
    """(the review, the organizations whose experts may not sit), for a reviewer of its region about to draw:
    checked before talent is asked (so no one learns the pool by asking for a panel they may not draw)."""
    review = repo.get(IpReview, review_id)
    require_reviewer(principal, review.region_code)
    ip_reviews.check_step("panel", review.status)
    holders = {org for right in repo.find(IpRight, {"_id": {"$in": list(review.ip_right_ids or ())}})
               for org in right.holder_organization_ids}
    return review, ip_reviews.excluded_organizations(review.requesting_organization_id, holders)


def draw_panel(uow, review_id, candidates, principal, at):
    """The panel (``panel_size`` experts) from talent's ``candidates``, none of the excluded organizations."""
    review, excluded = panel_request(uow, review_id, principal)
    panel = panels.draw_panel(candidates or [], excluded, review.panel_size, seed=review.id)
    review.panel = [{"id": expert["id"], "organization_id": expert.get("organization_id")} for expert in panel]
    review.excluded_organization_ids, review.status, review.panel_drawn_at = excluded, "panel_drawn", at
    uow.replace(review)
    uow.emit(IP_REVIEW_PANEL_DRAWN, {
        "ip_review_id": review.id, "requesting_organization_id": review.requesting_organization_id,
        "expert_ids": [expert["id"] for expert in review.panel], "excluded_organization_ids": excluded,
        "drawn_at": at}, subject=review.id)
    return review


def record_opinion(uow, review_id, body, principal, at):
    """The panel's opinion (``OpinionIn``), signed by a majority of its experts, recorded by a reviewer of the
    review's region."""
    review = uow.get(IpReview, review_id)
    require_reviewer(principal, review.region_code)
    ip_reviews.check_step("opinion", review.status)
    ip_reviews.check_signatures(body.signed_by, {expert["id"] for expert in review.panel}, review.panel_size)
    review.conclusion, review.opinion, review.signed_by = body.conclusion, body.opinion, list(body.signed_by)
    review.status, review.concluded_at = "concluded", at
    uow.replace(review)
    uow.emit(IP_REVIEW_CONCLUDED, {
        "ip_review_id": review.id, "requesting_organization_id": review.requesting_organization_id,
        "region_code": review.region_code, "conclusion": review.conclusion, "signed_by_expert_ids": review.signed_by,
        "concluded_at": at}, subject=review.id)
    return review


def visible(repo, review_id, principal):
    """The review, for its requesting organization, the reviewers of its region and admins (others: 404)."""
    review = repo.get(IpReview, review_id)
    if not may_see(principal, review.requesting_organization_id, review.region_code):
        raise NotFound("no such IP review")
    return review
