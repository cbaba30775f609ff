"""Drive a realistic scenario through the public HTTP APIs of a running stack (`make up`).

    .venv/bin/python scripts/demo.py [--registry URL] [--metrics URL]

What it drives (only APIs seen working when it was written; the transactions, finance and
talent APIs were still changing, so their figures come from their own events, not from here):
  - registry: service institutions in several of the 21 divisions registered and accredited
    (科技成果转移转化专业化服务机构, the 1,000-institution target), universities and institutes
    registered under their supervising departments, annual reports filed for last year;
  - metrics: task-ledger updates for tasks of the annex.
Idempotent: every organization has a fixed credit code, so a rerun meets 409 and skips it; task
updates that change nothing publish no event. Afterwards it prints the progress and ledger.
"""
import argparse
import datetime as dt
import sys
import time

import requests

from ttp_common.auth import mint_token
from ttp_common.reference import SICHUAN_REGIONS, uscc_check_character
from ttp_common.settings import DEFAULTS

INSTITUTIONS = [  # (name, region)
    ("成都技术转移（集团）有限公司", "510100"), ("西南技术转移中心", "510100"), ("绵阳科技城技术转移中心", "510700"),
    ("德阳重装技术转移服务中心", "510600"), ("宜宾市科技成果转化服务中心", "511500"), ("南充科技成果转化中心", "511300"),
    ("攀枝花钒钛技术转移中心", "510400"), ("泸州白酒产业技术转移中心", "510500"),
]
FILERS = [  # (name, kind, region, supervising department)
    ("四川大学", "university", "510100", "教育厅"), ("西南交通大学", "university", "510100", "教育厅"),
    ("西南科技大学", "university", "510700", "教育厅"), ("四川省农业科学院", "institute", "510100", "农业厅"),
]
TASK_UPDATES = [("22", {"status": "done", "note": "已建立由省领导召集的协同推进机制和年度工作台账"}),
                ("1", {"status": "in_progress", "note": "15个专项已启动，项目持续立项"}),
                ("6", {"status": "done", "note": "军民融合技术转移中心已建成"}),
                ("23", {"status": "done", "note": "《四川省促进科技成果转化条例》已修订"})]


def credit_code(n, region):
    first17 = f"91{region}MA{n:07d}"[:17]
    return first17 + uscc_check_character(first17)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--registry", default="http://127.0.0.1:8101")
    parser.add_argument("--metrics", default="http://127.0.0.1:8105")
    parser.add_argument("--secret", default=DEFAULTS["JWT_SECRET"], help="the stack's JWT secret (TTP_JWT_SECRET)")
    args = parser.parse_args(argv)
    admin = {"Authorization": f"Bearer {mint_token('demo-admin', 'admin', secret=args.secret)}"}

    created = skipped = 0
    filer_ids = []
    orgs = [(name, "service_institution", region, None) for name, region in INSTITUTIONS] + FILERS
    for n, (name, kind, region, department) in enumerate(orgs, start=1):
        body = {"name": name, "credit_code": credit_code(n, region), "kind": kind, "region_code": region}
        if department:
            body["supervising_department"] = department
        response = requests.post(f"{args.registry}/api/v1/organizations", json=body, headers=admin, timeout=10)
        if response.status_code == 409:
            skipped += 1
            continue
        response.raise_for_status()
        created += 1
        org_id = response.json()["id"]
        if kind == "service_institution":
            requests.post(f"{args.registry}/api/v1/organizations/{org_id}/accreditation", json={"basis": "川科转〔2019〕1号"},
                          headers=admin, timeout=10).raise_for_status()
        else:
            filer_ids.append(org_id)
    last_year = dt.date.today().year - 1
    deals = {"count": 2, "amount_yuan": "1200000.00"}
    for org_id in filer_ids[:-1]:  # the last one files nothing: the registry's missing-check flags it
        report = {"year": last_year, "organization_id": org_id, "transfers": deals, "licences": deals,
                  "equity_investments": deals, "cooperation_contracts": deals, "rewards_paid_yuan": "360000.00",
                  "rewarded_people": 12, "summary": "本年度科技成果转移转化总体成效良好，存在专业人才不足等问题。"}
        response = requests.post(f"{args.registry}/api/v1/annual-reports", json=report, headers=admin, timeout=10)
        if response.status_code >= 400:
            print(f"annual report of {org_id}: {response.status_code} {response.text[:200]}", file=sys.stderr)
    for task_id, update in TASK_UPDATES:
        requests.patch(f"{args.metrics}/api/v1/tasks/{task_id}", json=update, headers=admin,
                       timeout=10).raise_for_status()
    print(f"registry: {created} organizations registered, {skipped} already there")

    time.sleep(2)  # events travel outbox → Kafka → metrics
    progress = requests.get(f"{args.metrics}/api/v1/progress?breakdowns=false", timeout=10).json()
    for target in progress["targets"]:
        print(f"  {target['label']}: {target['value']} / {target['goal']} (expected today {target['expected']})")
    ledger = requests.get(f"{args.metrics}/api/v1/tasks", timeout=10).json()["summary"]
    print(f"  task ledger: {ledger}")
    print(f"  regions: {len(SICHUAN_REGIONS)} divisions; see the Grafana dashboards for the breakdowns")
    return 0


if __name__ == "__main__":
    sys.exit(main())
