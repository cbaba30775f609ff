"""The designation workflow's service layer on a fake unit of work (no servers): one event per step, encoded
against the published schemas; who may take each step; a refused step writes no event."""
import datetime as dt
from decimal import Decimal

import pytest

from innovation import designations as rules
from innovation.documents import Designation
from innovation.handlers import designations as handlers
from innovation.handlers import replica
from ttp_common import auth
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, NotFound

NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
PROVINCE = auth.Principal(sub="reviewer-sc", role=auth.Roles.REVIEWER, region="510000")
CITY = auth.Principal(sub="reviewer-cd", role=auth.Roles.REVIEWER, region="510100")
OTHER_CITY = auth.Principal(sub="reviewer-my", role=auth.Roles.REVIEWER, region="510700")
POOL = [{"id": f"p{i}", "organization_id": org} for i, org in enumerate(["org-e", "org-u", "org-i", "org-x", "org-e"])]


def institution(org):
    return auth.Principal(sub=f"staff-{org}", role=auth.Roles.INSTITUTION, org=org)


@pytest.fixture
def call(uow):
    replica.organization_registered(uow, {"organization_id": "org-e", "kind": "enterprise", "region_code": "510100"})
    body = rules.CallIn(kind="demonstration_enterprise", year=2026, title="2026年度示范企业申报", panel_size=3,
                        expert_field="新材料", closes_on=(NOW + dt.timedelta(days=30)).date())
    return handlers.open_call(uow, body, PROVINCE, NOW)


def applied(uow, call, statements=None):
    codes = [c["code"] for c in call.criteria]
    body = rules.ApplicationIn(organization_id="org-e", statements=statements or {c: "情况说明" for c in codes})
    return handlers.apply(uow, call.id, body, institution("org-e"), NOW)


def test_call_to_designation_emits_one_event_a_step(uow, call):
    application = applied(uow, call)
    assert application.region_code == "510100" and application.status == "submitted"
    assert handlers.check_eligibility(uow, application.id, CITY, NOW).status == "eligible"
    panel = handlers.draw_panel(uow, application.id, POOL, CITY, NOW).panel
    assert len(panel) == 3 and not {"p0", "p4"} & set(panel)  # p0 and p4 are of the applicant's organization
    codes = [c["code"] for c in call.criteria]
    for person, score in zip(panel, (70, 80, 90)):
        scored = handlers.record_scores(uow, application.id, rules.ScoresIn(person_id=person,
                                                                            scores={c: score for c in codes}),
                                        CITY, NOW)
    assert scored.status == "scored" and scored.score == "80.00"
    decided, designation = handlers.decide(uow, application.id, PROVINCE, NOW)
    assert decided.status == "designated" and designation.kind == "demonstration_enterprise"
    assert uow.names() == ["innovation.designation_call.opened.v1",
                           "innovation.designation_application.submitted.v1",
                           "innovation.designation_application.eligibility_checked.v1",
                           "innovation.designation_application.panel_drawn.v1",
                           *["innovation.designation_application.scored.v1"] * 3,
                           "innovation.designation_application.decided.v1", "innovation.designation.granted.v1"]
    assert uow.events[3].data["excluded_organization_ids"] == ["org-e"]
    granted = uow.events[-1].data
    assert granted["prefecture_code"] == "510100" and granted["score"] == Decimal("80.00")
    kept = handlers.assess(uow, designation.id, rules.AssessmentIn(year=2027, score=70, remarks="年度考核合格"),
                           PROVINCE, NOW.replace(year=2027))
    assert kept.status == "designated"
    revoked = handlers.assess(uow, designation.id, rules.AssessmentIn(year=2028, score=40, remarks="未达考核要求"),
                              PROVINCE, NOW.replace(year=2028))
    assert revoked.status == "revoked" and [e.data["outcome"] for e in uow.events[-2:]] == ["kept", "revoked"]


def test_an_application_missing_a_statement_is_ineligible_with_the_reason(uow, call):
    application = applied(uow, call, {"growth": "近三年营收年均增长30%"})
    checked = handlers.check_eligibility(uow, application.id, CITY, NOW)
    assert checked.status == "ineligible"
    assert [r["criterion"] for r in checked.eligibility_reasons] == ["creation_capacity", "transfer_institution_team",
                                                                     "investment_rewards", "industry_influence"]
    assert uow.events[-1].data["eligible"] is False
    with pytest.raises(Conflict):
        handlers.draw_panel(uow, application.id, POOL, CITY, NOW)


def test_who_may_take_each_step(uow, call):
    before = len(uow.events)
    with pytest.raises(Forbidden):  # another organization's staff applying in its name
        handlers.apply(uow, call.id, rules.ApplicationIn(organization_id="org-e", statements={}),
                       institution("org-u"), NOW)
    with pytest.raises(Forbidden):  # only the province opens calls
        handlers.open_call(uow, rules.CallIn(kind="demonstration_zone", year=2026, title="示范区申报",
                                             expert_field="区域发展", closes_on=NOW.date()), CITY, NOW)
    application = applied(uow, call)
    with pytest.raises(Forbidden):
        handlers.check_eligibility(uow, application.id, OTHER_CITY, NOW)
    with pytest.raises(NotFound):
        handlers.visible_application(uow, application.id, OTHER_CITY)
    with pytest.raises(NotFound):
        handlers.visible_application(uow, application.id, institution("org-u"))
    assert handlers.visible_application(uow, application.id, institution("org-e")).id == application.id
    with pytest.raises(Conflict):  # once per organization and call
        applied(uow, call)
    assert uow.names()[before:] == ["innovation.designation_application.submitted.v1"]


def test_a_city_reviewer_does_not_designate_and_a_second_designation_in_force_is_refused(uow, call):
    application = applied(uow, call)
    handlers.check_eligibility(uow, application.id, CITY, NOW)
    panel = handlers.draw_panel(uow, application.id, POOL, CITY, NOW).panel
    for person in panel:
        handlers.record_scores(uow, application.id, rules.ScoresIn(
            person_id=person, scores={c["code"]: 90 for c in call.criteria}), CITY, NOW)
    with pytest.raises(Forbidden):
        handlers.decide(uow, application.id, CITY, NOW)
    handlers.decide(uow, application.id, PROVINCE, NOW)
    assert uow.count(Designation, {"organization_id": "org-e", "status": "designated"}) == 1
