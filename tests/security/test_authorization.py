"""Nobody where they do not belong (issue 9), as one table: for every write operation of every
service, which roles pass its role check. Every other role gets 403 `forbidden` before the request
is looked at, and nothing is stored; a role in the table is never refused by role.

Roles: I = institution (acts for the organization in its token), R = reviewer (a department's
reviewer for the region in its token), A = administrator, N = institution administrator (manages its
organization's staff accounts), G = technology-contract registrar of a region, S = supervising
department, V = investor, U = auditor (reads the security audit), C = another system's client token
(scopes of every service, acting for nobody); a `public` token writes nothing. A client system that acts as a
role of an organization or region (ttp_common.client_access) passes exactly where that role passes, and only
with a scope covering the operation. Tokens are signed by the issuer the
service trusts (the test run's issuer; the identity service's own keys for the identity service).
A new write operation without a row here fails the test, so the table stays complete.

Passing the role check is not the end: the record decides the rest, and each service's tests
cover it with real records (a 403 for another organization's or another region's record, 409 for
a transition from the wrong state), e.g. registry test_api::test_a_reviewer_of_another_city_is_403,
test_accreditation::test_scope_and_roles_are_enforced, test_plan_projects::
test_plan_project_input_and_scope_are_checked; transactions test_api::
test_a_reviewer_of_another_city_cannot_register; finance test_api::test_the_wrong_role_or_region_is_403,
test_pool_api::test_deal_rules_wrong_role_state_instrument_and_terms; talent test_api::
test_a_post_of_another_organization_is_403_and_stores_nothing,
test_training_brokers::test_performance_is_not_for_other_organizations. Where a lifecycle action
is open to both sides at the role check (an achievement's submit/register/publish, a project's
approve/start), the transition table in the service's domain module names who may take it.
"""
import pytest

from ttp_testing import assert_error

from .conftest import concrete, operations, stored

pytestmark = pytest.mark.integration

WRITES = ("post", "put", "patch", "delete")
ROLES = {"I": ("institution", {"org": "org-of-the-caller"}), "R": ("reviewer", {"region": "510100"}),
         "A": ("admin", {}), "N": ("institution_admin", {"org": "org-of-the-caller"}),
         "G": ("registrar", {"region": "510100"}), "S": ("supervisor", {"org": "department-of-the-caller"}),
         "V": ("investor", {"org": "investor-of-the-caller"}), "U": ("auditor", {}),
         "C": ("client", {"scope": " ".join(f"{s}:write" for s in
                                            ("registry", "transactions", "finance", "talent", "metrics", "identity",
                                             "innovation", "delivery"))})}

ALLOWED = {
    # delivery (a client system manages its own subscriptions by its scope, whoever it acts for elsewhere; another
    # client's are 404: services/delivery/tests/test_delivery.py::test_a_client_sees_and_manages_only_its_own_subscriptions)
    ("delivery", "DELETE /api/v1/subscriptions/{subscription_id}"): "AC",
    ("delivery", "POST /api/v1/subscriptions"): "AC",
    ("delivery", "POST /api/v1/subscriptions/{subscription_id}/redelivery"): "AC",
    ("delivery", "POST /api/v1/subscriptions/{subscription_id}/secret-rotation"): "AC",
    # finance
    ("finance", "POST /api/v1/deals"): "IAV",
    ("finance", "POST /api/v1/deals/{deal_id}/close"): "IAV",
    ("finance", "POST /api/v1/deals/{deal_id}/decline"): "IAV",
    ("finance", "POST /api/v1/deals/{deal_id}/due-diligence"): "IAV",
    ("finance", "POST /api/v1/financing-projects"): "IA",
    ("finance", "POST /api/v1/financing-projects/{financing_project_id}/withdraw"): "IA",
    ("finance", "POST /api/v1/funds"): "A",
    ("finance", "POST /api/v1/investors"): "A",
    ("finance", "POST /api/v1/roadshows"): "RA",
    ("finance", "POST /api/v1/roadshows/{roadshow_id}/registrations"): "IAV",
    ("finance", "POST /api/v1/subsidies"): "IA",
    ("finance", "POST /api/v1/subsidies/{subsidy_id}/approve"): "RA",
    ("finance", "POST /api/v1/subsidies/{subsidy_id}/reject"): "RA",
    ("finance", "POST /api/v1/transformation-projects"): "IA",
    ("finance", "POST /api/v1/transformation-projects/history"): "RA",
    ("finance", "POST /api/v1/transformation-projects/{project_id}/advance"): "IRA",
    ("finance", "POST /api/v1/transformation-projects/{project_id}/approve"): "IRA",
    ("finance", "POST /api/v1/transformation-projects/{project_id}/complete"): "IRA",
    ("finance", "POST /api/v1/transformation-projects/{project_id}/start"): "IRA",
    ("finance", "POST /api/v1/transformation-projects/{project_id}/terminate"): "IRA",
    # identity (who manages whom beyond the role check: services/identity/tests/test_admin_api.py)
    ("identity", "POST /api/v1/accounts"): "AN",
    ("identity", "POST /api/v1/accounts/{account_id}/disable"): "AN",
    ("identity", "POST /api/v1/accounts/{account_id}/enable"): "AN",
    ("identity", "POST /api/v1/accounts/{account_id}/password-reset"): "AN",
    ("identity", "POST /api/v1/accounts/{account_id}/role"): "AN",
    ("identity", "POST /api/v1/accounts/{account_id}/totp-reset"): "AN",
    ("identity", "POST /api/v1/accounts/{account_id}/unlock"): "AN",
    ("identity", "POST /api/v1/clients"): "A",
    ("identity", "POST /api/v1/clients/{client_id}/revocation"): "A",
    ("identity", "POST /api/v1/clients/{client_id}/secret-rotation"): "A",
    ("identity", "POST /api/v1/keys/rotation"): "A",
    ("identity", "POST /api/v1/me/password"): "IRANGSVU",
    ("identity", "POST /api/v1/me/sessions/{session_id}/revocation"): "IRANGSVU",
    # innovation (an owner decides only on requests for its facilities, an enterprise sees only its own, a
    # carrier's operator records its entries, an applicant applies in its own name, a city's reviewer reviews its
    # city's applications and only the province opens calls, designates and assesses: services/innovation/tests/
    # test_facilities_api.py, test_incubation_api.py, test_designations_api.py)
    ("innovation", "POST /api/v1/carriers"): "RA",
    ("innovation", "POST /api/v1/carriers/{carrier_id}/incubations"): "IA",
    ("innovation", "POST /api/v1/designation-applications/{application_id}/decision"): "RA",
    ("innovation", "POST /api/v1/designation-applications/{application_id}/eligibility"): "RA",
    ("innovation", "POST /api/v1/designation-applications/{application_id}/panel"): "RA",
    ("innovation", "POST /api/v1/designation-applications/{application_id}/scores"): "RA",
    ("innovation", "POST /api/v1/designation-calls"): "RA",
    ("innovation", "POST /api/v1/designation-calls/{call_id}/applications"): "IA",
    ("innovation", "POST /api/v1/designations/{designation_id}/assessments"): "RA",
    ("innovation", "POST /api/v1/facilities"): "IA",
    ("innovation", "POST /api/v1/facility-bookings"): "IA",
    ("innovation", "POST /api/v1/facility-bookings/{booking_id}/accept"): "IA",
    ("innovation", "POST /api/v1/facility-bookings/{booking_id}/decline"): "IA",
    ("innovation", "POST /api/v1/facility-bookings/{booking_id}/use"): "IA",
    ("innovation", "POST /api/v1/incubations/{incubation_id}/graduation"): "IA",
    # metrics
    ("metrics", "PATCH /api/v1/tasks/{task_id}"): "A",
    # registry
    ("registry", "DELETE /api/v1/catalogues/{catalogue}/entries/{achievement_id}"): "RA",
    ("registry", "POST /api/v1/achievements"): "IA",
    ("registry", "POST /api/v1/achievements/import"): "IRA",
    ("registry", "POST /api/v1/accreditations/history"): "RA",
    ("registry", "POST /api/v1/achievements/{achievement_id}/publish"): "IRA",
    ("registry", "POST /api/v1/achievements/{achievement_id}/register"): "IRA",
    ("registry", "POST /api/v1/achievements/{achievement_id}/return"): "IRA",
    ("registry", "POST /api/v1/achievements/{achievement_id}/submit"): "IRA",
    ("registry", "POST /api/v1/achievements/{achievement_id}/withdraw"): "IRA",
    ("registry", "POST /api/v1/annual-reports"): "IA",
    ("registry", "POST /api/v1/annual-reports/missing-check"): "A",
    ("registry", "POST /api/v1/annual-reports/reminder-check"): "A",
    ("registry", "POST /api/v1/annual-reports/{report_id}/accept"): "RA",
    ("registry", "POST /api/v1/annual-reports/{report_id}/forward"): "RA",
    ("registry", "POST /api/v1/annual-reports/{report_id}/return"): "RA",
    ("registry", "POST /api/v1/catalogues/{catalogue}/entries"): "RA",
    # a disclosure's institution discloses, decides (not the discloser) and drafts: registry test_disclosures.py
    ("registry", "POST /api/v1/disclosures"): "IA",
    ("registry", "POST /api/v1/disclosures/overdue-check"): "A",
    ("registry", "POST /api/v1/disclosures/{disclosure_id}/achievement"): "IA",
    ("registry", "POST /api/v1/disclosures/{disclosure_id}/decision"): "IA",
    # IP records (知识产权): a holder's staff, a reviewer of a holder's region (registry test_ip_rights.py)
    # IP analysis and review (知识产权分析评议): the requesting organization's staff ask, its region's reviewers
    # draw the panel and record the opinion (registry test_ip_reviews.py)
    ("registry", "POST /api/v1/ip-reviews"): "IRA",
    ("registry", "POST /api/v1/ip-reviews/{ip_review_id}/opinion"): "RA",
    ("registry", "POST /api/v1/ip-reviews/{ip_review_id}/panel"): "RA",
    ("registry", "POST /api/v1/ip-rights"): "IRA",
    ("registry", "POST /api/v1/ip-rights/expiry-check"): "A",
    ("registry", "POST /api/v1/ip-rights/{ip_right_id}/links"): "IRA",
    ("registry", "POST /api/v1/ip-rights/{ip_right_id}/status"): "IRA",
    ("registry", "POST /api/v1/organizations"): "RA",
    ("registry", "POST /api/v1/organizations/{organization_id}/accreditation"): "RA",
    ("registry", "POST /api/v1/organizations/{organization_id}/accreditation/revocation"): "RA",
    # a correction (主体信息变更): the reviewer of its region (test_accreditation::test_a_reviewer_corrects_...)
    ("registry", "PATCH /api/v1/organizations/{organization_id}"): "RA",
    ("registry", "POST /api/v1/plan-projects"): "RA",
    ("registry", "POST /api/v1/plan-projects/overdue-check"): "A",
    ("registry", "POST /api/v1/plan-projects/{project_id}/tech-reports"): "IA",
    ("registry", "PUT /api/v1/achievements/{achievement_id}"): "IA",
    # talent
    ("talent", "POST /api/v1/brokers/{person_id}/certificates"): "A",
    ("talent", "POST /api/v1/certificates/expiry-check"): "A",
    ("talent", "POST /api/v1/certificates/{number}/reinstatement"): "A",
    ("talent", "POST /api/v1/certificates/{number}/suspension"): "A",
    ("talent", "POST /api/v1/expert-assignments"): "RA",
    ("talent", "POST /api/v1/mentorships"): "IA",
    ("talent", "POST /api/v1/people"): "IA",
    ("talent", "PATCH /api/v1/people/{person_id}"): "IA",
    ("talent", "POST /api/v1/people/{person_id}/posts"): "IA",
    ("talent", "POST /api/v1/people/{person_id}/talent-programmes"): "IA",
    ("talent", "POST /api/v1/rewards"): "IA",
    ("talent", "POST /api/v1/training/enrolments/{enrolment_id}/assessment"): "IA",
    ("talent", "POST /api/v1/training/enrolments/{enrolment_id}/attendance"): "IA",
    ("talent", "POST /api/v1/training/enrolments/{enrolment_id}/completion"): "IA",
    ("talent", "POST /api/v1/training/programmes"): "IA",
    ("talent", "POST /api/v1/training/programmes/{programme_id}/enrolments"): "IA",
    # transactions
    ("transactions", "POST /api/v1/auctions"): "IA",
    ("transactions", "POST /api/v1/auctions/{auction_id}/bids"): "I",
    ("transactions", "POST /api/v1/clock"): "A",
    ("transactions", "POST /api/v1/consultations"): "I",
    ("transactions", "POST /api/v1/consultations/{consultation_id}/answer"): "I",
    ("transactions", "POST /api/v1/contracts"): "IA",
    ("transactions", "POST /api/v1/contracts/history"): "GA",
    ("transactions", "POST /api/v1/contracts/{contract_id}/register"): "GA",
    ("transactions", "POST /api/v1/contracts/{contract_id}/return"): "GA",
    ("transactions", "POST /api/v1/contracts/{contract_id}/income"): "IA",
    ("transactions", "POST /api/v1/contracts/{contract_id}/changes"): "GA",
    ("transactions", "POST /api/v1/contracts/{contract_id}/cancellation"): "GA",
    ("transactions", "PUT /api/v1/contract-incomes/{income_id}"): "IA",
    ("transactions", "POST /api/v1/contract-incomes/{income_id}/verify"): "GA",
    ("transactions", "POST /api/v1/contract-incomes/{income_id}/return"): "GA",
    ("transactions", "POST /api/v1/demands"): "I",
    ("transactions", "POST /api/v1/demands/{demand_id}/withdraw"): "IA",
    ("transactions", "POST /api/v1/listings"): "IA",
    ("transactions", "POST /api/v1/listings/{listing_id}/withdraw"): "IA",
    ("transactions", "POST /api/v1/matches"): "IA",
    ("transactions", "POST /api/v1/matches/{match_id}/{action}"): "IA",
    ("transactions", "POST /api/v1/valuations"): "IA",
    ("transactions", "PUT /api/v1/contracts/{contract_id}"): "IA",
}


def writes(service):
    return [(f"{method.upper()} {path}", path, method, op) for path, method, op in operations(service.spec)
            if method in WRITES]


def test_the_table_has_a_row_for_every_write_operation(service):
    documented = {key for key, *_ in writes(service)}
    in_table = {key for (name, key) in ALLOWED if name == service.name}
    assert documented - in_table == set(), "write operations without a row in ALLOWED"
    assert in_table - documented == set(), "rows in ALLOWED for operations the document does not have"


def test_a_role_outside_the_table_is_403_and_one_inside_is_not(service):
    before = stored(service)
    for key, path, method, op in writes(service):
        allowed = ALLOWED[(service.name, key)]
        callers = [("public", {}, False)] + [(role, claims, code in allowed) for code, (role, claims) in ROLES.items()]
        for role, claims, may in callers:
            response = service.request(method.upper(), concrete(path, op), token=service.token(role, **claims), json={})
            if may:
                assert response.status_code not in (401, 403), f"{key} refused {role}: {response.text}"
            else:
                assert response.status_code == 403, f"{key} let {role} through: {response.status_code} {response.text}"
                assert_error(response, 403, "forbidden")
    assert stored(service) == before


ACTS_AS = "IRGSV"  # the roles a client system may act as (never A: no client is an administrator)


def test_a_client_acting_as_a_role_passes_where_that_role_passes_and_only_with_its_scope(service):
    before = stored(service)
    for key, path, method, op in writes(service):
        allowed = ALLOWED[(service.name, key)]
        for code in ACTS_AS:
            role, claims = ROLES[code]
            for scope in (f"{service.name}:write", op.get("x-client-scope")):
                acting = service.token("client", "svc-acting", scope=scope, audience=service.name, acts_as=role,
                                       client_id="svc-acting", **claims)
                response = service.request(method.upper(), concrete(path, op), token=acting, json={})
                # "C" in the row: a client passes by its own scope, whoever it acts for
                if (code in allowed or "C" in allowed) and service.name != "identity":
                    assert response.status_code not in (401, 403), f"{key} refused a client as {role}: {response.text}"
                else:
                    assert_error(response, 403, "forbidden")
            elsewhere = service.token("client", "svc-elsewhere", scope=f"{service.name}:elsewhere:write",
                                      audience=service.name, acts_as=role, client_id="svc-elsewhere", **claims)
            response = service.request(method.upper(), concrete(path, op), token=elsewhere, json={})
            assert_error(response, 403, "forbidden")  # the right role, another resource's scope
    assert stored(service) == before
