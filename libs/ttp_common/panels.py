"""Expert panels drawn from the talent pool (专家库) with conflict-of-interest exclusion (回避), without I/O.

The talent service names the candidates (its RPC ``talent.eligible_experts(field, organization_ids)``: experts
of a field, none of the organizations given); the drawing service checks them again and draws: never an expert
of an excluded organization, whatever the pool said, reproducible for one seed (the record's id) and spread over
the pool. Used by innovation's demonstration designations and the registry's IP analysis and review.
"""
import random

from .refusals import Conflict


def conflicted(expert, excluded_organization_ids):
    """An expert never reviews for their own organization: ``expert["organization_id"]`` among the excluded."""
    excluded = {excluded_organization_ids} if isinstance(excluded_organization_ids, str) \
        else set(excluded_organization_ids or ())
    return expert.get("organization_id") is not None and expert["organization_id"] in excluded


def draw_panel(candidates, excluded_organization_ids, size, seed):
    """``size`` experts drawn from ``candidates`` (dicts with ``id`` and ``organization_id``), none of the
    excluded organizations (one id or several); sorted by id. ``Conflict`` naming ``panel_size`` when too few
    are eligible."""
    eligible = sorted((c for c in candidates if not conflicted(c, excluded_organization_ids)), key=lambda c: c["id"])
    if len(eligible) < size:
        raise Conflict(f"only {len(eligible)} eligible experts in this field, {size} needed", field="panel_size",
                       detail=f"at most {len(eligible)} available")
    return sorted(random.Random(seed).sample(eligible, size), key=lambda c: c["id"])
