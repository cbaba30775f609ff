"""The expert and mentorship handlers over a fake unit of work: the replica of the registry's achievements,
assignments that never draw an expert of the achievement's organizations, and mentor pairing."""
import datetime as dt

import pytest

from talent.documents import AchievementReplica, Assignment, Person
from talent.experts import AssignmentIn, MentorshipIn
from talent.handlers import experts as handlers, mentorships, people
from talent.people import PersonIn
from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, NotFound

REVIEWER = Principal(sub="kjt-reviewer", role=Roles.REVIEWER, region="510100")
ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)
INCUBATOR = Principal(sub="inc-1", role=Roles.INSTITUTION, org="org-inc")
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
FIELD = "新材料"


@pytest.fixture
def pool(uow):
    """Experts of org-a (two), org-b and none, one of another field, and a mentor."""
    made = {}
    for key, org, kinds, fields in [("a1", "org-a", ["expert"], [FIELD]), ("a2", "org-a", ["expert"], [FIELD]),
                                    ("b1", "org-b", ["expert"], [FIELD]), ("x1", None, ["expert"], [FIELD]),
                                    ("bio", "org-b", ["expert"], ["生物医药"]), ("m1", None, ["mentor"], ["创业"])]:
        made[key] = people.register(uow, PersonIn(name=f"专家{key}", kinds=kinds, organization_id=org,
                                                  fields=fields), ADMIN).id
    uow.events.clear()
    return made


def announce(uow, achievement_id, owner, organization_ids=(), step="submitted"):
    handlers.note_achievement(uow, f"registry.achievement.{step}.v1",
                              {"achievement_id": achievement_id, "organization_id": owner,
                               "organization_ids": list(organization_ids)}, AT)


def test_the_replica_only_ever_adds_the_organizations_events_name(uow):
    announce(uow, "ach-1", "org-a", ["org-a", "org-c"])
    announce(uow, "ach-1", "org-a", step="registered")
    replica = uow.get(AchievementReplica, "ach-1")
    assert (replica.organization_ids, replica.status, replica.updated_at) == (["org-a", "org-c"], "registered", AT)
    assert handlers.achievement_organizations(uow, "ach-1") == ["org-a", "org-c"]
    assert handlers.achievement_organizations(uow, "ach-unknown") is None


def test_an_assignment_never_draws_experts_of_the_achievements_organizations(uow, pool):
    announce(uow, "ach-1", "org-a")

    assignment, chosen = handlers.assign(uow, AssignmentIn(achievement_id="ach-1", field=FIELD, count=2), REVIEWER)

    assert sorted(p["id"] for p in chosen) == sorted([pool["b1"], pool["x1"]])
    assert uow.get(Assignment, assignment.id).record["excluded_organization_ids"] == ["org-a"]
    assert {p.id: p.assignments for p in uow.find(Person, {"fields": FIELD})} == {
        pool["a1"]: 0, pool["a2"]: 0, pool["b1"]: 1, pool["x1"]: 1}
    [event] = uow.events
    assert event.name == "talent.expert.assigned.v1"
    assert event.data == {"assignment_id": assignment.id, "achievement_id": "ach-1", "field": FIELD,
                          "person_ids": assignment.record["person_ids"], "excluded_organization_ids": ["org-a"]}


def test_an_assignment_refuses_unknown_achievements_too_few_experts_and_conflicted_names(uow, pool):
    with pytest.raises(Conflict) as unknown:
        handlers.assign(uow, AssignmentIn(achievement_id="ach-9", field=FIELD), REVIEWER)
    assert unknown.value.field == "achievement_id"
    announce(uow, "ach-1", "org-a")
    with pytest.raises(Conflict) as too_many:
        handlers.assign(uow, AssignmentIn(achievement_id="ach-1", field=FIELD, count=3), REVIEWER)
    assert too_many.value.field == "count"
    with pytest.raises(Conflict) as named:
        handlers.assign(uow, AssignmentIn(achievement_id="ach-1", field=FIELD,
                                          person_ids=[pool["b1"], pool["a1"], pool["bio"], "nobody"]), REVIEWER)
    assert [(f["path"], f["message"]) for f in named.value.fields] == [
        ("person_ids.1", "conflict of interest: the expert's own organization's achievement"),
        ("person_ids.2", f"not an expert in {FIELD}"), ("person_ids.3", "no such person")]
    assert uow.count(Assignment) == 0 and uow.events == []


def test_a_mentor_is_paired_with_a_team_of_the_callers_organization(uow, pool):
    body = {"mentor_person_id": pool["m1"], "team_name": "新材料创业团队", "team_organization_id": "org-inc",
            "starts_on": "2026-10-01"}

    mentorship = mentorships.pair(uow, MentorshipIn(**body), INCUBATOR)

    assert mentorships.visible_mentorship(uow, mentorship.id, INCUBATOR).record == body
    assert uow.events[-1].name == "talent.expert.mentor_paired.v1"
    assert uow.events[-1].data == {"mentorship_id": mentorship.id, **body, "starts_on": dt.date(2026, 10, 1)}
    with pytest.raises(NotFound, match="no such mentorship"):
        mentorships.visible_mentorship(uow, mentorship.id, Principal(sub="x", role=Roles.INSTITUTION, org="org-x"))
    with pytest.raises(Conflict) as not_mentor:
        mentorships.pair(uow, MentorshipIn(**{**body, "mentor_person_id": pool["x1"]}), INCUBATOR)
    assert not_mentor.value.field == "mentor_person_id"
    with pytest.raises(NotFound) as unknown:
        mentorships.pair(uow, MentorshipIn(**{**body, "mentor_person_id": "nobody"}), INCUBATOR)
    assert unknown.value.field == "mentor_person_id"
    with pytest.raises(Forbidden):
        mentorships.pair(uow, MentorshipIn(**{**body, "team_organization_id": "org-x"}), INCUBATOR)
    assert uow.count(Assignment, {"kind": "mentorship"}) == 1
