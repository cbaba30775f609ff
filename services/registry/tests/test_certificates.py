"""The achievement registration certificate (科技成果登记证书) as PDF: its Chinese text read back with pypdf states
the registration number, the completing organizations by name and the contributors; only they, the region's
reviewers and admins get it, and only while the registration stands."""
import datetime as dt
import io
import uuid

import pypdf
import pytest

from registry import certificates
from registry.documents import Achievement
from ttp_common.reference import uscc_check_character
from ttp_testing import assert_error, metric_sample

ACHIEVEMENTS = "/api/v1/achievements"


def text_of(pdf):
    return "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def form(organization_ids, **overrides):
    return {"title": "高速列车转向架主动减振技术", "type": "applied", "summary": "面向高速列车转向架的主动减振控制技术。",
            "keywords": ["轨道交通"], "industry": "轨道交通装备", "trl": 7, "region_code": "510100",
            "organization_ids": organization_ids, "funding": {"fiscal": False},
            "contributors": [{"name": "王五", "share": "60"}, {"name": "赵六", "share": "40"}],
            "patents": [{"number": "ZL202010000002.3", "kind": "invention", "status": "granted"}], **overrides}


def test_the_certificate_states_number_title_organizations_contributors_and_the_registering_body():
    achievement = Achievement(id="a1", owner_organization_id="org-a", region_code="510104", status="registered",
                              record=form(["org-a", "org-b"]), registration_number="501202610003",
                              created_by="x", registered_at=dt.datetime(2026, 12, 2, 16, 30, tzinfo=dt.timezone.utc))
    text = text_of(certificates.certificate(achievement, {"org-a": "西南交通大学"}))
    for expected in ("科技成果登记证书", "登记号：501202610003", "高速列车转向架主动减振技术", "应用技术", "西南交通大学",
                     "org-b", "王五、赵六", "锦江区", "ZL202010000002.3", "成都市科技成果登记机构（登记机构代码 501）",
                     "2026年12月3日"):  # 16:30 UTC on 2 December is 3 December in China
        assert expected in text, expected


@pytest.mark.parametrize("status", ["draft", "submitted", "returned", "withdrawn"])
def test_only_a_standing_registration_has_a_certificate(status):
    with pytest.raises(certificates.TransitionRefused):
        certificates.check_certified(status)


def register_organization(api, name, kind):
    first17 = f"91510100MA{uuid.uuid4().int % 10**7:07d}"
    body = {"name": name, "credit_code": first17 + uscc_check_character(first17), "kind": kind,
            "region_code": "510100"}
    response = api.post("/api/v1/organizations", body, token=api.token("admin"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.integration
def test_the_organizations_and_the_regions_reviewer_download_the_certificate_and_others_do_not(api):
    owner_org = register_organization(api, "西南交通大学", "university")
    partner_org = register_organization(api, "成都轨道交通装备有限公司", "enterprise")
    owner = api.token("institution", sub="swjtu-clerk", org=owner_org)
    created = api.post(ACHIEVEMENTS, form([owner_org, partner_org]), token=owner)
    assert created.status_code == 201, created.text
    achievement_id = created.json()["id"]
    path = f"{ACHIEVEMENTS}/{achievement_id}/certificate"
    assert_error(api.get(path, token=owner), 409, "not_registered")

    reviewer = api.token("reviewer", region="510100")
    assert api.post(f"{ACHIEVEMENTS}/{achievement_id}/submit", {}, token=owner).status_code == 200
    registered = api.post(f"{ACHIEVEMENTS}/{achievement_id}/register", {}, token=reviewer)
    number = registered.json()["registration_number"]
    before = metric_sample(api.get("/metrics").text, "ttp_registry_certificates_issued_total") or 0
    for token in (owner, api.token("institution", org=partner_org), reviewer, api.token("reviewer", region="510000"),
                  api.token("admin")):
        response = api.get(path, token=token)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == "application/pdf"
        assert f'filename="achievement-certificate-{number}.pdf"' in response.headers["Content-Disposition"]
        text = text_of(response.content)
        for expected in (f"登记号：{number}", "高速列车转向架主动减振技术", "西南交通大学", "成都轨道交通装备有限公司",
                         "王五、赵六"):
            assert expected in text, expected

    assert metric_sample(api.get("/metrics").text, "ttp_registry_certificates_issued_total") == before + 5
    assert_error(api.get(path, token=api.token("institution", org="org-stranger")), 404, "not_found")
    assert_error(api.get(path, token=api.token("reviewer", region="510700")), 404, "not_found")  # another city's
    assert_error(api.get(path, token=api.token("registrar", region="510100")), 403, "forbidden")
    assert_error(api.get(path), 401, "unauthenticated")

    withdrawn = api.post(f"{ACHIEVEMENTS}/{achievement_id}/withdraw", {"reason": "成果已转让，撤回登记"}, token=owner)
    assert withdrawn.status_code == 200, withdrawn.text
    assert_error(api.get(path, token=owner), 409, "not_registered")


@pytest.mark.integration
def test_other_services_read_organization_names_over_rpc(rpc_api):
    """What transactions prints on its contract certificate: registered names by id, unknown ids left out."""
    university = register_organization(rpc_api, "西南石油大学", "university")
    with rpc_api.rpc() as cluster:
        assert cluster.registry.organization_names([university, "no-such-organization"]) == {university: "西南石油大学"}
        beyond_the_first_100 = [f"org-{i}" for i in range(100)] + [university]
        assert cluster.registry.organization_names(beyond_the_first_100) == {}  # at most 100 ids are looked up
