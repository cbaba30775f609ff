"""The transformation project handlers over a fake unit of work: what a proposal and an approval store and
announce, and what the lifecycle refuses, without any server."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import NotFound, TransitionRefused, Unprocessable
from ttp_testing.fakes import FakeUnitOfWork

from finance.documents import AchievementLink, TransformationProject
from finance.handlers import projects as handlers
from finance.projects import TransformationProjectIn

OWNER = Principal(sub="applicant", role=Roles.INSTITUTION, org="org-panzhihua-1")
REVIEWER = Principal(sub="reviewer-510400", role=Roles.REVIEWER, region="510400")
PROVINCE_REVIEWER = Principal(sub="reviewer-510000", role=Roles.REVIEWER, region="510000")
CHENGDU_REVIEWER = Principal(sub="reviewer-510100", role=Roles.REVIEWER, region="510100")
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
LATER = AT + dt.timedelta(days=30)


def body(**fields):
    return TransformationProjectIn(**{
        "title": "钒钛新材料成果转化", "category": "major", "programme": 3, "region_code": "510400",
        "organization_id": "org-panzhihua-1", "responsible_department": "省经济和信息化厅", "budget": "3500000.5",
        "achievement_ids": ["a-1"], **fields})


@pytest.fixture
def uow():
    uow = FakeUnitOfWork(TransformationProject, AchievementLink, service="finance")
    uow.insert(AchievementLink(id="a-1", status="published", organization_ids=["org-panzhihua-1"]))
    return uow


def test_a_proposal_names_only_achievements_the_replica_holds_usable(uow):
    uow.insert(AchievementLink(id="a-2", status="withdrawn", organization_ids=["org-panzhihua-1"]))
    with pytest.raises(Unprocessable) as refused:
        handlers.propose(uow, body(achievement_ids=["a-1", "a-2", "a-3"]), OWNER, AT)
    assert [(f["path"], f["message"][:30]) for f in refused.value.fields] == [
        ("achievement_ids.1", "achievement a-2 is withdrawn a"), ("achievement_ids.2", "achievement a-3 is not known h")]
    assert refused.value.code == "unknown_link" and uow.events == []
    assert handlers.propose(uow, body(), OWNER, AT).achievement_ids == ["a-1"]


def test_a_proposal_is_stored_proposed_and_announced_with_its_budget_to_the_fen(uow):
    project = handlers.propose(uow, body(), OWNER, AT)

    stored = uow.get(TransformationProject, project.id)
    assert (stored.status, stored.stage, stored.proposed_by, stored.budget) == (
        "proposed", "pilot", "applicant", Decimal("3500000.50"))
    [event] = uow.events
    assert event.name == "finance.transformation_project.proposed.v1" and event.subject == project.id
    assert event.data["budget"] == Decimal("3500000.50") and str(event.data["budget"]) == "3500000.50"


def test_only_the_organization_proposes_its_project(uow):
    with pytest.raises(Forbidden):
        handlers.propose(uow, body(organization_id="org-other"), OWNER, AT)
    assert uow.count(TransformationProject) == 0 and uow.events == []


def test_an_approval_by_the_regions_reviewer_is_stored_and_announced_once(uow):
    project = handlers.propose(uow, body(), OWNER, AT)

    approved = handlers.approve(uow, project.id, REVIEWER, LATER)
    stored = uow.get(TransformationProject, project.id)
    assert (stored.status, stored.approved_by, stored.approved_at) == ("approved", "reviewer-510400", LATER)
    assert approved.public() == stored.public()
    event = uow.events[-1]
    assert event.name == "finance.transformation_project.approved.v1" and event.subject == project.id
    assert event.data == {"project_id": project.id, "title": "钒钛新材料成果转化", "category": "major", "programme": 3,
                          "region_code": "510400", "organization_id": "org-panzhihua-1",
                          "responsible_department": "省经济和信息化厅", "achievement_ids": ["a-1"],
                          "budget": Decimal("3500000.50"), "approved_at": LATER,
                          "effective_date": dt.date(2026, 12, 31)}

    with pytest.raises(TransitionRefused, match="cannot approve a project that is approved"):
        handlers.approve(uow, project.id, PROVINCE_REVIEWER, LATER)
    assert uow.names().count("finance.transformation_project.approved.v1") == 1


def test_an_approval_takes_effect_on_chinas_date(uow):
    """16:30 UTC on 31 December is already 1 January in Sichuan: the project counts in the new year."""
    project = handlers.propose(uow, body(), OWNER, AT)
    handlers.approve(uow, project.id, REVIEWER, dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.timezone.utc))
    assert uow.events[-1].data["effective_date"] == dt.date(2027, 1, 1)


@pytest.mark.parametrize("caller", [OWNER, CHENGDU_REVIEWER], ids=["its-institution", "another-citys-reviewer"])
def test_an_approval_needs_a_reviewer_of_the_projects_region(uow, caller):
    project = handlers.propose(uow, body(), OWNER, AT)
    with pytest.raises(Forbidden):
        handlers.approve(uow, project.id, caller, LATER)
    assert uow.get(TransformationProject, project.id).status == "proposed"
    assert uow.names() == ["finance.transformation_project.proposed.v1"]


def test_the_lifecycle_moves_forward_and_is_announced_step_by_step(uow):
    project = handlers.propose(uow, body(stage="scale_up"), OWNER, AT)
    with pytest.raises(TransitionRefused):
        handlers.start(uow, project.id, OWNER, AT)  # not approved yet
    handlers.approve(uow, project.id, REVIEWER, AT)
    with pytest.raises(Forbidden):
        handlers.start(uow, project.id, REVIEWER, AT)  # the undertaking institution starts it
    handlers.start(uow, project.id, OWNER, AT)
    with pytest.raises(TransitionRefused, match="stages only move forward"):
        handlers.advance(uow, project.id, "pilot", OWNER, AT)
    handlers.advance(uow, project.id, "industrialisation", OWNER, AT)
    done = handlers.complete(uow, project.id, "通过验收", REVIEWER, LATER)

    assert (done.status, done.stage, done.completion_summary) == ("completed", "industrialisation", "通过验收")
    assert uow.names() == [f"finance.transformation_project.{e}.v1"
                           for e in ("proposed", "approved", "started", "stage_advanced", "completed")]
    advanced = uow.events[3].data
    assert (advanced["from_stage"], advanced["stage"]) == ("scale_up", "industrialisation")


def test_a_termination_names_the_status_it_ended_and_the_reason(uow):
    project = handlers.propose(uow, body(), OWNER, AT)
    terminated = handlers.terminate(uow, project.id, "不符合专项支持方向", REVIEWER, LATER)
    assert (terminated.status, terminated.termination_reason) == ("terminated", "不符合专项支持方向")
    event = uow.events[-1]
    assert event.name == "finance.transformation_project.terminated.v1"
    assert (event.data["from_status"], event.data["reason"], event.data["terminated_at"]) == (
        "proposed", "不符合专项支持方向", LATER)


def test_an_unknown_project_is_not_found(uow):
    with pytest.raises(NotFound, match="no such project"):
        handlers.approve(uow, "nope", REVIEWER, AT)
