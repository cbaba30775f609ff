"""The achievement and catalogue handlers over a fake unit of work: what drafts, imported rows and each
lifecycle transition store and announce, and what they refuse, without any server."""
import datetime as dt

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Invalid, NotFound, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from registry.achievements import (AchievementIn, ClassifiedRefused, ImportRow, RegistrationNumbersExhausted,
                                   read_import_row)
from registry.catalogues import CatalogueEntryIn
from registry.documents import Achievement, CatalogueEntry, PlanProject, PublicAchievement
from registry.handlers import achievements as handlers
from registry.handlers import catalogues

ORG = "org-chengdu-university"
OWNER = Principal(sub="cdu-clerk", role=Roles.INSTITUTION, org=ORG)
OTHER_INSTITUTION = Principal(sub="other-clerk", role=Roles.INSTITUTION, org="org-other")
CHENGDU_REVIEWER = Principal(sub="reviewer-510100", role=Roles.REVIEWER, region="510100")
MIANYANG_REVIEWER = Principal(sub="reviewer-510700", role=Roles.REVIEWER, region="510700")
ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
LATER = AT + dt.timedelta(hours=1)


def form(**overrides):
    return AchievementIn.model_validate({
        "title": "高速列车转向架减振技术", "type": "applied", "summary": "面向高速列车转向架的主动减振控制技术。",
        "keywords": ["轨道交通", "减振"], "industry": "轨道交通装备", "programme": 3, "trl": 7,
        "region_code": "510100", "organization_ids": [ORG], "contributors": [{"name": "王五", "share": "100"}],
        "funding": {"fiscal": False}, "dual_use": True,
        "patents": [{"number": "ZL202010000002.3", "kind": "invention", "status": "granted"}], **overrides})


@pytest.fixture
def uow():
    return FakeUnitOfWork(Achievement, PublicAchievement, PlanProject, CatalogueEntry, service="registry")


def draft(uow, **overrides):
    return handlers.create_draft(uow, form(**overrides), OWNER, AT).id


def registered(uow):
    achievement_id = draft(uow)
    handlers.submit(uow, achievement_id, OWNER, AT)
    handlers.register(uow, achievement_id, CHENGDU_REVIEWER, AT)
    return achievement_id


def plan_project(uow, organization_id=ORG):
    return uow.insert(PlanProject(id=f"p-{organization_id}", code=f"2025ZDZX-{organization_id}", title="计划项目",
                                  organization_id=organization_id, region_code="510100", fiscal=True,
                                  fiscal_funding_yuan="100.00", end_date="2025-06-30", due_date="2025-09-28",
                                  created_by="reviewer")).id


# -- drafts ------------------------------------------------------------------------------

def test_a_draft_is_stored_for_the_callers_organization_without_an_event(uow):
    achievement_id = draft(uow)

    stored = uow.get(Achievement, achievement_id)
    assert (stored.status, stored.owner_organization_id, stored.region_code, stored.created_by) == (
        "draft", ORG, "510100", "cdu-clerk")
    assert stored.record["title"] == "高速列车转向架减振技术" and stored.created_at == AT
    assert uow.events == []


def test_a_draft_for_another_organization_or_an_unfitting_plan_project_is_refused(uow):
    with pytest.raises(Forbidden):
        handlers.create_draft(uow, form(), OTHER_INSTITUTION, AT)
    theirs = plan_project(uow, "org-other")
    for project_id in ("no-such-project", theirs):
        with pytest.raises(Invalid) as refused:
            handlers.create_draft(uow, form(funding={"fiscal": True, "plan_project_id": project_id}), OWNER, AT)
        assert refused.value.field == "funding.plan_project_id"
    assert uow.count(Achievement) == 0


def test_an_edit_replaces_the_form_of_a_draft_only(uow):
    achievement_id = draft(uow)

    edited = handlers.edit(uow, achievement_id, form(trl=8), OWNER, LATER)

    assert edited.record["trl"] == 8 and uow.get(Achievement, achievement_id).updated_at == LATER
    handlers.submit(uow, achievement_id, OWNER, LATER)
    with pytest.raises(TransitionRefused, match="cannot be edited"):
        handlers.edit(uow, achievement_id, form(trl=9), OWNER, LATER)
    assert uow.get(Achievement, achievement_id).record["trl"] == 8


# -- the lifecycle ---------------------------------------------------------------------------

def test_each_transition_stores_its_state_and_announces_it(uow):
    achievement_id = draft(uow)

    handlers.submit(uow, achievement_id, OWNER, AT)
    returned = handlers.return_(uow, achievement_id, ["缺少知识产权证明"], CHENGDU_REVIEWER, AT)
    assert returned.status == "returned" and returned.return_reasons == ["缺少知识产权证明"]
    resubmitted = handlers.submit(uow, achievement_id, OWNER, LATER)
    assert resubmitted.return_reasons == []
    registered = handlers.register(uow, achievement_id, CHENGDU_REVIEWER, LATER)
    assert registered.registration_number == "501202610001" and registered.registered_at == LATER
    handlers.publish(uow, achievement_id, CHENGDU_REVIEWER, LATER)

    assert uow.get(Achievement, achievement_id).status == "published"
    public = uow.get(PublicAchievement, achievement_id)
    assert public.registration_number == "501202610001" and public.published_at == LATER
    assert uow.names() == ["registry.achievement.submitted.v1", "registry.achievement.returned.v1",
                           "registry.achievement.submitted.v1", "registry.achievement.registered.v1",
                           "registry.achievement.published.v1"]
    submitted, returned_event, _, registered_event, published = uow.events
    assert submitted.data["organization_ids"] == [ORG] and submitted.subject == achievement_id
    assert returned_event.data["reasons"] == ["缺少知识产权证明"]
    assert registered_event.data["registration_number"] == "501202610001"
    assert published.data["patent_numbers"] == ["ZL202010000002.3"] and published.data["trl"] == 7


def test_registration_numbers_count_up_per_body_year_and_type(uow):
    first, second = registered(uow), registered(uow)
    assert [uow.get(Achievement, i).registration_number for i in (first, second)] == ["501202610001",
                                                                                     "501202610002"]
    uow.db["sequences"].update_one({"_id": "achievement|501|2026|applied"}, {"$set": {"value": 9999}})
    achievement_id = draft(uow)
    handlers.submit(uow, achievement_id, OWNER, AT)
    with pytest.raises(RegistrationNumbersExhausted, match="9,999"):
        handlers.register(uow, achievement_id, CHENGDU_REVIEWER, AT)


def test_registering_fulfils_only_a_plan_project_of_the_achievements_organizations(uow):
    ours = plan_project(uow)
    achievement_id = draft(uow, funding={"fiscal": True, "plan_project_id": ours})
    handlers.submit(uow, achievement_id, OWNER, AT)
    handlers.register(uow, achievement_id, CHENGDU_REVIEWER, AT)
    assert uow.get(PlanProject, ours).satisfied is True


def test_a_transition_from_the_wrong_state_or_by_the_wrong_side_is_refused_and_announces_nothing(uow):
    achievement_id = draft(uow)
    with pytest.raises(TransitionRefused, match="draft"):
        handlers.publish(uow, achievement_id, CHENGDU_REVIEWER, AT)
    with pytest.raises(Forbidden):
        handlers.submit(uow, achievement_id, CHENGDU_REVIEWER, AT)  # owners submit
    with pytest.raises(Forbidden):
        handlers.submit(uow, achievement_id, OTHER_INSTITUTION, AT)
    handlers.submit(uow, achievement_id, OWNER, AT)
    with pytest.raises(Forbidden):
        handlers.register(uow, achievement_id, OWNER, AT)  # reviewers register
    with pytest.raises(Forbidden):
        handlers.register(uow, achievement_id, MIANYANG_REVIEWER, AT)  # another city
    with pytest.raises(NotFound, match="no such achievement"):
        handlers.submit(uow, "missing", OWNER, AT)
    assert uow.get(Achievement, achievement_id).status == "submitted"
    assert uow.names() == ["registry.achievement.submitted.v1"]


@pytest.mark.parametrize("level", ["secret", "confidential", "top_secret"])
def test_a_classified_achievement_is_refused_before_anything_is_stored(uow, level):
    with pytest.raises(ClassifiedRefused):
        draft(uow, secrecy=level)
    achievement_id = draft(uow)
    with pytest.raises(ClassifiedRefused):
        handlers.edit(uow, achievement_id, form(secrecy=level), OWNER, LATER)
    assert uow.get(Achievement, achievement_id).record["secrecy"] == "public"
    legacy = uow.get(Achievement, achievement_id)  # one stored as 秘密 before the levels were refused
    legacy.record = {**legacy.record, "secrecy": level}
    uow.replace(legacy)
    with pytest.raises(ClassifiedRefused):
        handlers.submit(uow, achievement_id, OWNER, AT)
    assert uow.count(Achievement) == 1 and uow.events == []


def test_an_internal_achievement_is_registered_never_published_and_announced_without_its_text(uow):
    achievement_id = draft(uow, secrecy="internal")
    handlers.submit(uow, achievement_id, OWNER, AT)
    handlers.return_(uow, achievement_id, ["高速列车转向架减振的试验数据不全"], CHENGDU_REVIEWER, AT)
    assert uow.get(Achievement, achievement_id).return_reasons == ["高速列车转向架减振的试验数据不全"]  # the owner reads them
    handlers.submit(uow, achievement_id, OWNER, AT)
    handlers.register(uow, achievement_id, CHENGDU_REVIEWER, AT)
    with pytest.raises(TransitionRefused, match="internal"):
        handlers.publish(uow, achievement_id, CHENGDU_REVIEWER, AT)
    handlers.withdraw(uow, achievement_id, "高速列车转向架减振技术已转让", OWNER, LATER)
    assert uow.count(PublicAchievement) == 0
    assert uow.names() == ["registry.achievement.submitted.v1", "registry.achievement.returned.v1",
                           "registry.achievement.submitted.v1", "registry.achievement.registered.v1",
                           "registry.achievement.withdrawn.v1"]
    submitted, returned, _, registered, withdrawn = (e.data for e in uow.events)
    assert submitted["title"] == "" and submitted["secrecy"] == "internal" and submitted["organization_ids"] == [ORG]
    assert returned["reasons"] == [] and withdrawn["reason"] == "" and returned["secrecy"] == "internal"
    assert "title" not in registered and "secrecy" not in registered
    assert not any("高速列车" in str(e.data) or "王五" in str(e.data) for e in uow.events)


def test_a_withdrawal_leaves_the_public_query_service_and_every_catalogue_first(uow):
    achievement_id = registered(uow)
    handlers.publish(uow, achievement_id, CHENGDU_REVIEWER, AT)
    for catalogue in ("military_to_civil", "civil_to_military"):
        catalogues.add_entry(uow, catalogue, CatalogueEntryIn(achievement_id=achievement_id), ADMIN, AT)

    withdrawn = handlers.withdraw(uow, achievement_id, "成果已转让，停止公开", OWNER, LATER)

    assert withdrawn.status == "withdrawn" and withdrawn.withdraw_reason == "成果已转让，停止公开"
    assert uow.count(PublicAchievement) == 0 and uow.count(CatalogueEntry) == 0
    assert uow.names()[-3:] == ["registry.catalogue.entry_removed.v1", "registry.catalogue.entry_removed.v1",
                                "registry.achievement.withdrawn.v1"]
    assert {e.data["reason"] for e in uow.events[-3:-1]} == {"withdrawn"}


# -- catalogues ----------------------------------------------------------------------------

def test_only_published_dual_use_achievements_enter_a_catalogue_once_by_a_reviewer_of_their_region(uow):
    civil = registered(uow)
    with pytest.raises(TransitionRefused, match="only published"):
        catalogues.add_entry(uow, "military_to_civil", CatalogueEntryIn(achievement_id=civil), ADMIN, AT)
    handlers.publish(uow, civil, CHENGDU_REVIEWER, AT)
    with pytest.raises(Forbidden):
        catalogues.add_entry(uow, "military_to_civil", CatalogueEntryIn(achievement_id=civil), MIANYANG_REVIEWER, AT)
    with pytest.raises(NotFound, match="no catalogue"):
        catalogues.add_entry(uow, "no_such", CatalogueEntryIn(achievement_id=civil), ADMIN, AT)

    catalogues.add_entry(uow, "military_to_civil", CatalogueEntryIn(achievement_id=civil, note="推荐"),
                         CHENGDU_REVIEWER, AT)
    with pytest.raises(TransitionRefused, match="already"):
        catalogues.add_entry(uow, "military_to_civil", CatalogueEntryIn(achievement_id=civil), CHENGDU_REVIEWER, AT)
    [added] = [e for e in uow.events if e.name == "registry.catalogue.entry_added.v1"]
    assert added.subject == "military_to_civil" and added.data["note"] == "推荐"

    catalogues.remove_entry(uow, "military_to_civil", civil, CHENGDU_REVIEWER)
    with pytest.raises(NotFound, match="not in this catalogue"):
        catalogues.remove_entry(uow, "military_to_civil", civil, CHENGDU_REVIEWER)


# -- bulk import -------------------------------------------------------------------------------

def test_an_imported_row_is_created_once_and_a_bad_row_is_rejected_alone(uow):
    row = ImportRow(import_key="HIS-1", form=form().model_dump(mode="json"))
    checked, errors = read_import_row(row, OWNER)
    assert errors == []

    first = handlers.import_row(uow, row.import_key, checked, OWNER, AT)
    again = handlers.import_row(uow, row.import_key, checked, OWNER, AT)

    assert first["status"] == "created" and again == {"status": "exists", "id": first["id"]}
    assert uow.count(Achievement) == 1 and uow.get(Achievement, first["id"]).status == "draft"
    assert read_import_row(ImportRow(import_key="", form={}), OWNER)[1][0]["path"] == "import_key"
    assert read_import_row(ImportRow(import_key="HIS-2", form={**row.form, "trl": 12}), OWNER)[1][0]["path"] == "trl"
    assert read_import_row(row, OTHER_INSTITUTION)[1] == [{"path": "organization_ids.0",
                                                           "message": "not the caller's organization"}]
    unfitting = form(funding={"fiscal": True, "plan_project_id": "no-such-project"})
    assert handlers.import_row(uow, "HIS-3", unfitting, OWNER, AT)["errors"][0]["path"] == "funding.plan_project_id"
