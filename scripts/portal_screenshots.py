"""``make portal-screenshots``: a PNG of each main page of the portal under ``docs/portal/``.

It starts what it needs itself, as the portal's browser tests do (``services/portal/tests/_portal.py``): identity
(with the development accounts of ``tests/portal-accounts.yaml``), registry, transactions, metrics and the portal as
``nameko run`` processes on free ports against the local servers (``ttp-stack infra-up``), each with databases of
its own; it fills them with a few achievements, a listing and an auction, contracts, an accredited institution
and a ledger update through the services' APIs, signs in as the development accounts in Chromium and saves the
pages: the home page at phone width and at desktop width (the whole page, its charts too), the rest at desktop
width (what a 1280 × 900 window shows). Nothing of ``make up`` is
used or changed. The PNGs are reduced to a 256-colour palette (Pillow) to keep them small."""
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "services" / "portal" / "tests"
sys.path.insert(0, str(TESTS))

from _portal import ORG, achievement, browser_sign_in, credit_code, publish, running_portal, until_ok  # noqa: E402

from ttp_testing.browser import run_steps  # noqa: E402

OUT = ROOT / "docs" / "portal"
DESKTOP, PHONE = 1280, 390


def seed(stack):
    """Data for the pages: returns the ids the shots name."""
    auth = lambda token: {"Authorization": f"Bearer {token}"}  # noqa: E731
    registry, transactions, metrics = (stack.urls[n] for n in ("registry", "transactions", "metrics"))
    admin = stack.token("admin")
    published = [publish(stack, "高原光伏储能协同控制技术", keywords=["光伏", "储能"]),
                 publish(stack, "川南页岩气压裂返排液处理技术", keywords=["页岩气", "环保"], industry="节能环保", programme=4),
                 publish(stack, "攀西钒钛磁铁矿高效利用技术", org="org-auction-seller", keywords=["钒钛", "冶金"],
                         industry="新材料", programme=8)]
    seller = stack.token("institution", org="org-auction-seller")
    listing = until_ok(lambda: requests.post(f"{transactions}/api/v1/listings", headers=auth(seller), timeout=10, json={
        "achievement_id": published[2], "mode": "transfer", "asking_price": "500000"}), "the listing")
    ends = (datetime.now(timezone.utc) + timedelta(hours=26)).isoformat()
    auction = until_ok(lambda: requests.post(f"{transactions}/api/v1/auctions", headers=auth(seller), timeout=10, json={
        "listing_id": listing["id"], "start_price": "300000", "increment": "10000", "ends_at": ends}), "the auction")
    for amount, org in (("300000", ORG), ("320000", "org-bidder-b")):
        until_ok(lambda: requests.post(f"{transactions}/api/v1/auctions/{auction['id']}/bids", timeout=10,
                                     headers=auth(stack.token("institution", org=org)), json={"amount": amount}),
               "a bid")
    owner = stack.token("institution", org=ORG)
    draft = until_ok(lambda: requests.post(f"{registry}/api/v1/achievements", headers=auth(owner), timeout=10,
                                         json=achievement("成都平原智慧灌溉决策系统", keywords=["灌溉", "农业"],
                                                          industry="现代农业", programme=12)), "a draft")
    until_ok(lambda: requests.post(f"{registry}/api/v1/achievements/{draft['id']}/submit", headers=auth(owner),
                                 json={}, timeout=10), "the submission")
    for title, amount in (("光伏储能控制技术转让合同", "800000"), ("页岩气返排液处理技术开发合同", "1200000")):
        until_ok(lambda: requests.post(f"{transactions}/api/v1/contracts", headers=auth(owner), timeout=10, json={
            "contract_type": "transfer", "title": title, "contract_amount": amount,
            "technology_transaction_amount": str(int(amount) * 3 // 4), "seller_organization_id": ORG,
            "buyer_name": "成都高新区某能源企业", "region_code": "510100"}), "a contract")
    institution = until_ok(lambda: requests.post(f"{registry}/api/v1/organizations", headers=auth(admin), timeout=10,
                                               json={"name": "四川省技术转移中心（示例）", "credit_code": credit_code(),
                                                     "kind": "service_institution", "region_code": "510100"}),
                         "a service institution")
    until_ok(lambda: requests.post(f"{registry}/api/v1/organizations/{institution['id']}/accreditation",
                                 headers=auth(admin), timeout=10, json={"basis": "川科函〔2026〕8号"}), "accreditation")
    university = until_ok(lambda: requests.post(f"{registry}/api/v1/organizations", headers=auth(admin), timeout=10,
                                              json={"name": "西南示例大学", "credit_code": credit_code(),
                                                    "kind": "university", "region_code": "510100",
                                                    "supervising_department": "四川省教育厅"}), "a university")
    until_ok(lambda: requests.post(f"{registry}/api/v1/organizations/{university['id']}/accreditation",
                                 headers=auth(admin), timeout=10,
                                 json={"basis": "川科函〔2026〕12号", "unit": "西南示例大学技术转移中心"}), "a unit")
    task = requests.get(f"{metrics}/api/v1/tasks", timeout=10).json()["tasks"][0]
    until_ok(lambda: requests.patch(f"{metrics}/api/v1/tasks/{task['id']}", headers=auth(admin), timeout=10,
                                  json={"status": "in_progress", "note": "已印发实施细则，正在组织推进"}), "a task")
    return {"achievement": published[0], "auction": auction["id"], "university": university["id"]}


def shrink(file):
    """The PNG as a 256-colour palette image (Chinese text stays sharp; a page is a few tens of kB)."""
    try:
        from PIL import Image  # Pillow comes with reportlab (the certificates' PDFs)
    except ImportError:
        return
    with Image.open(file) as image:
        image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(file, optimize=True)


def main():
    import tempfile

    OUT.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="ttp-portal-shots-"))
    with running_portal() as stack:
        url = stack.portal_url
        ids = seed(stack)
        people = {name: browser_sign_in(stack, folder, name) for name in
                  ("dev-institution", "dev-reviewer-chengdu", "dev-registrar-chengdu", "dev-admin")}
        clerk, reviewer, admin = people["dev-institution"], people["dev-reviewer-chengdu"], people["dev-admin"]
        shots = [
            ["home-phone.png", "/", PHONE, None, False], ["home.png", "/", DESKTOP, None, True],
            ["achievements.png", "/achievements?q=光伏", DESKTOP, None, False],
            ["achievement.png", f"/achievements/{ids['achievement']}", DESKTOP, None, False],
            ["listings.png", "/listings", DESKTOP, None, False],
            ["auction.png", f"/auctions/{ids['auction']}", DESKTOP, clerk, False],
            ["institutions.png", "/institutions", DESKTOP, None, False],
            ["tasks.png", "/tasks", DESKTOP, None, False],
            ["my-achievements.png", "/my/achievements", DESKTOP, clerk, False],
            ["achievement-form.png", "/my/achievements/new", DESKTOP, clerk, False],
            ["my-contracts.png", "/my/contracts", DESKTOP, clerk, False],
            ["review-achievements.png", "/review/achievements", DESKTOP, reviewer, False],
            ["review-contracts.png", "/review/contracts", DESKTOP, people["dev-registrar-chengdu"], False],
            ["notifications.png", "/notifications", DESKTOP, clerk, False],
            ["admin-accounts.png", "/admin/accounts", DESKTOP, admin, False],
            ["admin-organization.png", f"/admin/organizations/{ids['university']}", DESKTOP, admin, False],
            ["admin-tasks.png", "/admin/tasks", DESKTOP, admin, False],
        ]
        sizes = run_steps(TESTS / "screenshot_steps.py", "capture", timeout=600, portal=url, shots=shots,
                          out_dir=str(OUT))
    for name in sizes:
        shrink(OUT / name)
        print(f"docs/portal/{name}: {(OUT / name).stat().st_size // 1024} kB")


if __name__ == "__main__":
    main()
