"""The rule of links that hold (``ttp_common.links``): which achievement and contract ids a new record may name,
from a replica's statuses, and how a refusal names every entry at fault."""
import pytest

from ttp_common import links, refusals
from ttp_common.refusals import Unprocessable

A, C, P = links.ACHIEVEMENT, links.CONTRACT, links.IP_RIGHT


@pytest.mark.parametrize("kind, status, accepted", [
    (A, "registered", True), (A, "published", True), (A, "withdrawn", False), (A, None, False),
    (C, "registered", True), (C, "cancelled", False), (C, None, False),
    (P, "pending", True), (P, "in_force", True), (P, "lapsed", False), (P, "not_held", False), (P, None, False),
])
def test_which_states_may_be_named(kind, status, accepted):
    assert (links.problem(kind, "x-1", status) is None) == accepted


def test_not_known_says_yet_and_to_retry_withdrawn_says_withdrawn():
    assert "not known here yet" in links.problem(A, "a-1", None) and "retry" in links.problem(A, "a-1", None)
    assert "a-1 is withdrawn" in links.problem(A, "a-1", "withdrawn")


def test_every_entry_at_fault_is_named_by_its_path_in_one_422():
    statuses = {(A, "a-1"): "published", (A, "a-2"): "withdrawn", (C, "c-1"): "registered"}
    with pytest.raises(Unprocessable) as refused:
        links.check([("achievement_ids", A, ["a-1", "a-2", "a-3"]), ("contract_ids", C, ["c-1", "c-2"]),
                     ("achievement_id", A, "a-2")], statuses)
    assert [f["path"] for f in refused.value.fields] == [
        "achievement_ids.1", "achievement_ids.2", "contract_ids.1", "achievement_id"]
    error = refusals.to_api_error(refused.value)
    assert (error.status, error.code) == (422, "unknown_link")


def test_nothing_to_refuse():
    assert links.check([("achievement_ids", A, []), ("achievement_id", A, "a-1")], {(A, "a-1"): "registered"}) is None


def test_an_ip_right_lapsed_or_held_by_another_is_refused_and_a_pledge_asks_for_one_in_force():
    assert "has lapsed" in links.problem(P, "p-1", "lapsed")
    assert "not held" in links.problem(P, "p-1", "not_held")
    statuses = {(P, "p-1"): "pending", (P, "p-2"): "in_force"}
    links.check([("ip_right_ids", P, ["p-1", "p-2"])], statuses)
    with pytest.raises(Unprocessable) as refused:
        links.check([("pledged_ip_right_ids", P, ["p-1", "p-2"])], statuses, usable={P: {"in_force"}})
    assert [f["path"] for f in refused.value.fields] == ["pledged_ip_right_ids.0"]
    assert "must be in_force" in refused.value.fields[0]["message"]
