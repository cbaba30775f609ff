"""Matching (供需对接): proposing a demand and a listing to each other, the other side's decision, declining the
proposed matches of a demand or listing that is gone, and ranking the candidates of either side.

Ranking scores at most ``MATCH_CANDIDATES`` candidates, newest first: those sharing the programme or a
non-generic term of the keywords (every keyword match shares one, see ``transactions.matching``); others are
not ranked.
"""
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common import auth
from ttp_common.refusals import Conflict, Invalid, NotAllowed, NotFound, TransitionRefused

from .. import matches, matching, states
from ..demands import today
from ..documents import Demand, Listing, Match
from .common import acting_org

MATCH_CANDIDATES = 2000  # candidates scored per ranking (see the module's docstring)
PROPOSED, DECLINED = "transactions.match.proposed.v1", "transactions.match.declined.v1"


def propose(uow, body, principal, at):
    """Either side (or an admin) proposes a demand and a listing (``MatchIn``) to each other; both sides get the
    event."""
    demand = uow.get(Demand, body.demand_id)
    listing = uow.get(Listing, body.listing_id)
    if not auth.acts_for(principal, demand.organization_id, listing.seller_organization_id):
        raise NotAllowed("only the demand's or the listing's organization may propose this match")
    if listing.status != "open":
        raise Invalid("the listing is not open", field="listing_id")
    # The guard: a concurrent withdrawal of the demand also writes the demand, so one of the two transactions
    # conflicts, runs again and sees the other's write (no proposed match is left on a withdrawn demand).
    if demand.deadline < today() or uow.update(Demand, {"_id": demand.id, "status": "open"},
                                               {"$set": {"last_proposed_at": at}}) != 1:
        raise Invalid("the demand is not open", field="demand_id")
    if uow.find_one(Match, {"demand_id": demand.id, "listing_id": listing.id,
                            "status": {"$in": ["proposed", "accepted"]}}):
        raise TransitionRefused("this demand and listing are already matched")
    value, reasons = matching.score(demand_side(demand), supply_side(listing))
    match = Match(id=uuid.uuid4().hex, demand_id=demand.id, listing_id=listing.id,
                  demand_organization_id=demand.organization_id, seller_organization_id=listing.seller_organization_id,
                  proposed_by_organization_id=acting_org(principal), status="proposed", score=value,
                  reasons=[r["detail"] for r in reasons], note=body.note, proposed_at=at, proposed_by=principal.sub,
                  live_pair=matches.live_pair(demand.id, listing.id))
    try:
        uow.insert(match)
    except DuplicateKeyError:  # a concurrent proposal of the same pair committed first (live_pair)
        raise Conflict("this demand and listing are already matched") from None
    uow.emit(PROPOSED, {**match_data(match), "proposed_by_organization_id": match.proposed_by_organization_id,
                        "score": value, "reasons": match.reasons, "proposed_at": at}, subject=match.id)
    return match


def decide(uow, match_id, action, note, principal, at):
    """``accept`` or ``decline``: the side that did not propose (either side when an admin proposed), admins."""
    match = uow.get(Match, match_id)
    if not auth.acts_for(principal, match.demand_organization_id, match.seller_organization_id):
        raise NotFound("no such match")
    matches.check_decider(acting_org(principal), match.proposed_by_organization_id)
    match.status = states.transition(matches.MATCH_TRANSITIONS, action, match.status)
    matches.check_acceptable(action, uow.get(Listing, match.listing_id).status)
    match.decided_at, match.decision_note = at, note
    if match.status == "declined":
        match.live_pair = None  # the pair may be proposed again
    uow.replace(match)
    uow.emit(f"transactions.match.{match.status}.v1", {
        **match_data(match), "decided_by_organization_id": acting_org(principal), "note": note,
        f"{match.status}_at": at}, subject=match.id)
    return match


def decline_proposed(uow, query, note, decided_by, at):
    """Decline the proposed matches of ``query`` (a demand's or a listing's that is gone), each side told by
    ``transactions.match.declined.v1``; accepted matches stay, the two sides having agreed to talk."""
    for match in uow.find(Match, {**query, "status": "proposed"}):
        match.status, match.decided_at, match.decision_note, match.live_pair = "declined", at, note, None
        uow.replace(match)
        uow.emit(DECLINED, {**match_data(match), "decided_by_organization_id": decided_by, "note": note,
                            "declined_at": at}, subject=match.id)


def match_data(match):
    """The fields every transactions.match.* event has."""
    return {k: match[k] for k in ("demand_id", "listing_id", "demand_organization_id",
                                  "seller_organization_id")} | {"match_id": match.id}


# -- ranking (reads) ------------------------------------------------------------------------

def demand_side(demand):
    return matching.Demand(matching.meaningful_terms(demand.title, demand.problem, *demand.keywords),
                           demand.programme, demand.region_code, demand.min_trl, demand.budget, tuple(demand.keywords))


def supply_side(listing):
    return matching.Supply(frozenset(listing.terms), listing.programme, listing.region_code, listing.trl,
                           listing.asking_price, tuple(listing.keywords), listing.title)


def listings_for(repo, demand_id, limit):
    """Open listings ranked for the open demand, each with the reasons it matched: ``{demand_id, items}``."""
    demand = repo.get(Demand, demand_id)
    if demand.status != "open":
        raise NotFound("no such open demand")
    side = demand_side(demand)
    items = _ranked(repo, Listing, {"status": "open"}, matching.listing_prefilter_terms(demand.keywords),
                    demand.programme, "opened_at", lambda listing: matching.score(side, supply_side(listing)), limit)
    return {"demand_id": demand.id, "items": [{**r, "listing": listing.view()} for r, listing in items]}


def demands_for(repo, listing_id, limit):
    """Open demands (deadline not passed) ranked for the open listing, with the reasons: ``{listing_id, items}``."""
    listing = repo.get(Listing, listing_id)
    if listing.status != "open":
        raise NotFound("no such open listing")
    supply = supply_side(listing)
    items = _ranked(repo, Demand, {"status": "open", "deadline": {"$gte": today()}},
                    matching.demand_prefilter_terms(listing.title, listing.keywords), listing.programme,
                    "published_at", lambda demand: matching.score(demand_side(demand), supply), limit)
    return {"listing_id": listing.id, "items": [{**r, "demand": demand.view()} for r, demand in items]}


def _ranked(repo, document_class, query, terms, programme, newest, score, limit):
    """(ranking, document) of the best ``limit`` of at most MATCH_CANDIDATES candidates of ``query`` sharing one of
    ``terms`` or the programme, newest first, by ``score``."""
    alternatives = [{"terms": {"$in": terms}}] + ([{"programme": programme}] if programme is not None else [])
    found = {doc.id: doc for doc in repo.find(document_class, {**query, "$or": alternatives},
                                              sort=[(newest, -1), ("_id", -1)], limit=MATCH_CANDIDATES)}
    return [(r, found[r["id"]]) for r in matching.rank(score, found.items(), limit=limit)]
