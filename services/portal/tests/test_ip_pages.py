"""IP rights in the portal (知识产权, issue 21 item 1): an IP right's public page (kind, number, state, holders by their
registered names, the published achievements it protects) and an achievement's public page listing its IP rights,
against real identity, registry, transactions, metrics and portal processes."""
import datetime as dt
import random

import pytest
import requests

from registry.ip import patent_check_character

from _portal import credit_code, publish, running_portal


@pytest.fixture(scope="module")
def stack():
    with running_portal() as running:
        yield running


def post(stack, path, body, token):
    response = requests.post(stack.urls["registry"] + path, json=body, timeout=10,
                             headers={"Authorization": f"Bearer {token}"})
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.mark.integration
def test_an_ip_rights_page_and_the_achievement_it_protects_link_each_other(stack):
    admin = stack.token("admin")
    holder = post(stack, "/api/v1/organizations", {"name": "西南交通大学（知识产权页面）", "credit_code": credit_code(),
                                                   "kind": "university", "region_code": "510100"}, admin)
    title = "高速列车轮轨降噪技术（知识产权页面）"
    achievement_id = publish(stack, title, org=holder["id"])
    digits = f"{dt.date.today().year - 3}1{random.randrange(10**7):07d}"
    number = f"{digits}.{patent_check_character(digits)}"
    right = post(stack, "/api/v1/ip-rights", {
        "kind": "invention_patent", "number": number, "title": "一种轮轨降噪阻尼装置",
        "holder_organization_ids": [holder["id"]], "status": "in_force",
        "filed_on": f"{dt.date.today().year - 3}-03-01", "granted_on": f"{dt.date.today().year - 1}-06-01",
        "achievement_ids": [achievement_id]}, admin)

    page = requests.get(f"{stack.portal_url}/ip-rights/{right['id']}", timeout=10)
    assert page.status_code == 200, page.text
    for expected in ("一种轮轨降噪阻尼装置", "发明专利", f"ZL{number}", "有效", "西南交通大学（知识产权页面）",
                     f'href="/achievements/{achievement_id}"', title):
        assert expected in page.text, expected

    achievement = requests.get(f"{stack.portal_url}/achievements/{achievement_id}", timeout=10)
    assert achievement.status_code == 200
    assert f'href="/ip-rights/{right["id"]}"' in achievement.text and f"发明专利 ZL{number}" in achievement.text

    missing = requests.get(f"{stack.portal_url}/ip-rights/no-such-right", timeout=10)
    assert missing.status_code == 404 and "没有这项知识产权的记录" in missing.text
