"""Matches (供需对接): a demand and a listing proposed to each other, and the other side's decision. Free of
brokers and databases (the score itself is ``transactions.matching``).

Either side (or an admin) proposes a pair (``MatchIn``); it is ``proposed`` until the side that did not propose
(either side, when an admin proposed) accepts or declines it (``DecisionIn``). One pair has at most one live
(proposed or accepted) match; a declined pair may be proposed again.
"""
from pydantic import Field

from ttp_common.models import StrictModel
from ttp_common.refusals import NotAllowed, TransitionRefused

from .fields import Id

MATCH_STATUSES = ("proposed", "accepted", "declined")
MATCH_TRANSITIONS = {
    "accept": ({"proposed"}, "accepted"),
    "decline": ({"proposed"}, "declined"),
}


class MatchIn(StrictModel):
    demand_id: Id
    listing_id: Id
    note: str = Field(default="", max_length=1000)


class DecisionIn(StrictModel):
    note: str = Field(default="", max_length=1000)


def live_pair(demand_id, listing_id):
    """The key unique among live matches (a unique partial index): one per demand and listing."""
    return f"{demand_id} {listing_id}"


def check_decider(decider_org, proposer_org):
    """The side that proposed does not decide (an admin, ``decider_org`` None, decides for either)."""
    if decider_org is not None and decider_org == proposer_org:
        raise NotAllowed("the other side decides on a proposed match")


def check_acceptable(action, listing_status):
    """A match is accepted only while its listing is open (it may have been proposed before it closed)."""
    if action == "accept" and listing_status != "open":
        raise TransitionRefused("the listing is no longer open")
