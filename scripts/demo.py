"""Drive a realistic scenario through the public HTTP APIs of all five running services (`make up`).

    .venv/bin/python scripts/demo.py [--registry URL] [--transactions URL] [--finance URL]
                                     [--talent URL] [--metrics URL] [--innovation URL] [--identity URL]
                                     [--credentials FILE] [--state FILE]

What it drives, each step with the token of whoever does it in real life (an institution for its
own organization, the reviewer of the region, an administrator), each signed in through the identity
service's sign-in form (ttp_tools.signin): the administrator as the seeded development account
dev-admin (password and TOTP secret from .run/identity/dev-credentials.json, or --credentials); each
organization's clerk (demo-<organization>), each region's reviewer (demo-reviewer-<region>) and each
region's contract registrar (demo-registrar-<region>) as an account the administrator creates through
identity's API when the demo first needs it, signed in with its one-time password, which it changes at
once (the reviewers and registrars enrol TOTP too):
  - registry: universities, institutes, enterprises, investors and service institutions in eight of
    the 21 divisions; six service institutions accredited (认定); a fiscal plan project (科技计划项目);
    achievements imported as drafts, submitted by their institution, registered and published by
    their region's reviewer (one left waiting in the queue); a dual-use entry in a catalogue; annual
    reports for last year filed and accepted, and the missing-report check;
  - transactions (after its replica has seen the published achievements): a licence listing, a
    demand, the ranked matches, a match proposed by the demand side and accepted by the seller; a
    transfer listing sold by an English auction (three bids, anti-sniping, closed on time); four
    technology contracts (licence, transfer, development, service) submitted by a party, with
    brokers, and returned or registered by the region's registration body (its registrar);
  - history (the samples of examples/history/, each as its import command sends it): five contracts
    (transactions), twelve approved transformation projects (finance), nine accreditations, three of
    them revoked, and eight registered achievements (registry) of 2016-2020 loaded from earlier
    systems with their original numbers and dates: the 2016-2020 plan counts them in their own years
    (the samples' deliberately bad rows are shown rejected);
  - finance: four transformation projects approved (two major, two promoted), one still proposed,
    one started and advanced; a guidance fund and a sub-fund; investors; a financing project, a
    roadshow, an equity deal through due diligence to close, a guidance-plan subsidy applied and
    approved; the IP-pledge replica;
  - innovation: 四川大学's pilot line for vanadium-titanium (中试生产线) catalogued, time requested by 东方汽轮机,
    accepted and its use recorded; a provincial incubator in 德阳 recorded by the region's reviewer, with
    中车眉山 entering built on the registered rail-noise achievement (the conversion-incubation rate); a
    provincial call for demonstration enterprises (示范企业) to which 东方汽轮机 applies: the 德阳 reviewer checks
    it and draws three experts of 能源装备 from talent's pool (the fourth, 东方汽轮机's own, never), records their
    sheets, and the province designates it;
  - registry IP records (知识产权): 四川大学's invention patent ZL202010567890.X recorded in force (its check
    character verified) and linked to the vanadium achievement it protects;
  - talent: brokers trained on the four modules (attendance, assessment, completion) and
    certified junior; contributors, a transfer post, a reward plan checked against article 45;
    broker performance computed from the registered contracts;
  - metrics: task-ledger updates, annual-report compliance, and the plan progress before and after.

Idempotent: organizations have fixed credit codes (found again with the registry's lookup by
credit code), achievements fixed import keys, plan projects fixed codes (found again in the
region's project list); records without a natural key are remembered by id in the state file
(default .run/demo-state.json, removed by `make clean` with the databases) and every state change
is made only when the record is not there yet. A second run creates nothing, moves no target and
publishes no event (a re-run finds the demo's accounts and resets their passwords, and the reviewers' and
registrars' second factor, to sign in again: audited by identity, never published).
"""
import argparse
import datetime as dt
import json
import os
import secrets
import sys
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

import requests

from ttp_common import tabular
from ttp_common.reference import SICHUAN_REGIONS, uscc_check_character
from ttp_common.regions import PROVINCE
from ttp_common.settings import DEFAULTS
from ttp_tools.signin import DEV_CREDENTIALS, Flow, SignInError, dev_credentials

REPO = Path(__file__).resolve().parents[1]
HISTORY = REPO / "examples" / "history"  # 2016-2020 records of earlier systems: contracts, projects, accreditations, …
TODAY = dt.date.today()
LAST_YEAR = TODAY.year - 1
WAIT_SECONDS = 60  # bound on every wait for another service's replica


# -- data ---------------------------------------------------------------------------------
def credit_code(n, region):
    """A valid unified social credit code (GB 32100-2015), fixed per organization."""
    first17 = f"91{region}MA6D{n:05d}"[:17]
    return first17 + uscc_check_character(first17)


ORGANIZATIONS = {  # key: (name, kind, region, supervising department, accredit?)
    "scu": ("四川大学", "university", "510100", "教育厅", False),
    "swjtu": ("西南交通大学", "university", "510100", "教育厅", False),
    "swust": ("西南科技大学", "university", "510700", "教育厅", False),
    "cdutcm": ("成都中医药大学", "university", "510100", "教育厅", False),
    "saas": ("四川省农业科学院", "institute", "510100", "农业厅", False),
    "crrc": ("中车眉山车辆有限公司", "enterprise", "511400", None, False),
    "pangang": ("攀钢集团研究院有限公司", "enterprise", "510400", None, False),
    "dongfang": ("东方电气集团东方汽轮机有限公司", "enterprise", "510600", None, False),
    "luzhou": ("泸州老窖股份有限公司", "enterprise", "510500", None, False),
    "swttc": ("国家技术转移西南中心", "service_institution", "510100", None, True),
    "mianyang_ttc": ("绵阳科技城技术转移中心", "service_institution", "510700", None, True),
    "deyang_ttc": ("德阳重装技术转移服务中心", "service_institution", "510600", None, True),
    "yibin_ttc": ("宜宾市科技成果转化服务中心", "service_institution", "511500", None, True),
    "nanchong_ttc": ("南充科技成果转化中心", "service_institution", "511300", None, True),
    "luzhou_ttc": ("泸州白酒产业技术转移中心", "service_institution", "510500", None, True),
    "panzhihua_ttc": ("攀枝花钒钛技术转移中心", "service_institution", "510400", None, False),  # not yet accredited
    "guidance_mgr": ("四川省科技成果转化投资引导基金管理有限公司", "investor", "510100", None, False),
    "vc": ("川创投（成都）创业投资有限公司", "investor", "510100", None, False),
    "bank": ("成都银行科技支行", "investor", "510100", None, False),
}
ACCREDITATION_BASIS = "川科转〔2026〕12号"

PLAN_PROJECT = {"code": "2024ZDZX0018", "title": "钒钛磁铁矿资源综合利用关键技术研究", "owner": "scu",
                "region_code": "510100", "fiscal": True, "fiscal_funding_yuan": "3000000.00",
                "end_date": "2025-12-31", "allowed_days": 180}

ACHIEVEMENTS = {  # key: (owner, import key, form without organization ids, publish?)
    "rail_noise": ("swjtu", "SWJTU-2026-001", {
        "title": "高速列车轮轨噪声主动控制技术", "type": "applied", "trl": 7, "programme": 3, "region_code": "510100",
        "industry": "轨道交通装备", "keywords": ["轮轨噪声", "降噪", "轨道交通"],
        "summary": "针对高速列车轮轨噪声，研发主动控制算法与阻尼车轮，实测车内噪声降低4分贝以上，已在动车组完成线路试验。",
        "contributors": [{"name": "刘志强", "share": 60}, {"name": "赵敏", "share": 40}],
        "patents": [{"number": "ZL201910345678.2", "kind": "invention", "status": "granted"}],
        "research_started": "2019-03-01", "research_ended": "2025-06-30", "funding": {"fiscal": False}}, True),
    "vanadium": ("scu", "SCU-2026-017", {
        "title": "钒钛磁铁矿高效清洁提钒新工艺", "type": "applied", "trl": 6, "programme": 8, "region_code": "510100",
        "industry": "新材料", "keywords": ["钒钛", "提钒", "清洁冶金"],
        "summary": "钙化焙烧-酸浸提钒新工艺，钒回收率提高8个百分点，废水近零排放，已完成千吨级中试。",
        "contributors": [{"name": "王建华", "share": 70}, {"name": "陈丽", "share": 30}],
        "patents": [{"number": "ZL202010567890.X", "kind": "invention", "status": "granted"}],
        "research_started": "2020-01-01", "research_ended": "2025-10-31", "funding": {"fiscal": True}}, True),
    "glass": ("swust", "SWUST-2026-005", {
        "title": "放射性废物玻璃固化关键材料", "type": "applied", "trl": 6, "programme": 14, "region_code": "510700",
        "industry": "核技术应用", "keywords": ["玻璃固化", "核废物", "军民两用"], "dual_use": True,
        "summary": "面向中低放废物处理的玻璃固化基础配方与熔制工艺，浸出率优于国家标准，可用于民用核电站废物处理。",
        "contributors": [{"name": "孙伟", "share": 100}],
        "patents": [{"number": "ZL201810234567.9", "kind": "invention", "status": "granted"}],
        "funding": {"fiscal": False}}, True),
    "chuanxiong": ("cdutcm", "CDUTCM-2026-003", {
        "title": "川芎道地药材质量控制与饮片加工技术", "type": "applied", "trl": 8, "programme": 11, "region_code": "510100",
        "industry": "现代中药", "keywords": ["川芎", "道地药材", "饮片加工"],
        "summary": "建立川芎指纹图谱质量标准和规范化饮片加工技术，已在都江堰、彭州种植基地推广应用。",
        "contributors": [{"name": "彭成", "share": 100}], "funding": {"fiscal": False}}, True),
    "rice": ("saas", "SAAS-2026-011", {
        "title": "杂交水稻机械化制种关键技术", "type": "applied", "trl": 5, "programme": 12, "region_code": "510100",
        "industry": "现代农业", "keywords": ["杂交水稻", "机械化制种"],
        "summary": "研究杂交水稻父母本混播与机械化收获制种技术，制种成本降低三成，待区域试验验证。",
        "contributors": [{"name": "李军", "share": 100}], "funding": {"fiscal": False}}, False),  # left in the queue
}

TASK_UPDATES = [("22", {"status": "done", "note": "已建立由省领导召集的协同推进机制和年度工作台账"}),
                ("1", {"status": "in_progress", "note": "15个专项已启动，项目持续立项"}),
                ("6", {"status": "done", "note": "军民融合技术转移中心已建成"}),
                ("23", {"status": "done", "note": "《四川省促进科技成果转化条例》已修订"})]

# What a first run adds to the targets (the integration test checks these).
REGION_NAMES = {PROVINCE: "四川省", **SICHUAN_REGIONS}
DESIGNATION_EXPERTS = [("person:expert-scu", "scu", "刘志强"), ("person:expert-swjtu", "swjtu", "赵海燕"),
                       ("person:expert-swust", "swust", "孙立新"), ("person:expert-dongfang", "dongfang", "周建国")]
EXPECTED = {"transformation_projects": 4, "major_transformation_projects": 2, "promoted_technologies": 2,
            "service_institutions": 6, "contract_turnover_yuan": Decimal("10300000.00"),
            "contract_amount_yuan": Decimal("10800000.00")}


# -- the client ---------------------------------------------------------------------------
class DemoError(Exception):
    pass


class Api:
    """One service's HTTP API: JSON in and out, a bearer token per call, unexpected answers raise."""

    def __init__(self, name, base, session, correlation):
        self.name, self.base, self.http, self.correlation = name, base.rstrip("/"), session, correlation

    def call(self, method, path, token=None, body=None, accept=(200, 201), params=None):
        headers = {"X-Correlation-Id": self.correlation}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.http.request(method, self.base + path, json=body, params=params, headers=headers, timeout=15)
        if response.status_code not in accept:
            raise DemoError(f"{method} {self.name} {path} answered {response.status_code}: {response.text[:800]}"
                            + (f"\n  request body: {json.dumps(body, ensure_ascii=False)[:800]}" if body else ""))
        return response.status_code, (response.json() if response.content else None)

    def get(self, path, token=None, **kw):
        return self.call("GET", path, token, **kw)[1]

    def post(self, path, body=None, token=None, **kw):
        return self.call("POST", path, token, body if body is not None else {}, **kw)


class Demo:
    def __init__(self, args):
        session = requests.Session()
        correlation = f"demo-{uuid.uuid4().hex[:12]}"
        self.registry, self.transactions, self.finance, self.talent, self.metrics, self.identity, self.innovation = (
            Api(name, getattr(args, name), session, correlation)
            for name in ("registry", "transactions", "finance", "talent", "metrics", "identity", "innovation"))
        self.credentials_path = args.credentials
        self.signed_in = {}  # username -> password, TOTP secret, token and until when it is good
        self.state_path = Path(args.state)
        self.state = json.loads(self.state_path.read_text()) if self.state_path.exists() else {}
        for key in [k for k in self.state if k.startswith(("org:", "plan:"))]:  # kept by older versions
            del self.state[key]
        self.created, self.existing = Counter(), Counter()
        self.org = {}   # key -> id
        self.ach = {}   # key -> id

    # tokens of the people who act (signed in through identity once, again when the token is about to expire)
    def admin(self):
        return self.token_of("dev-admin", self.sign_in_developer)

    def institution(self, org_key):
        return self.token_of(f"demo-{org_key}", lambda username: self.demo_account(
            username, f"{ORGANIZATIONS[org_key][0]}经办人（演示）", "institution", organization_id=self.org[org_key]))

    def reviewer(self, region):
        return self.token_of(f"demo-reviewer-{region}", lambda username: self.demo_account(
            username, f"{REGION_NAMES[region]}成果登记审核员（演示）", "reviewer", region_code=region))

    def registrar(self, region):
        """The region's technology-contract registration body (技术合同登记机构): it registers and returns contracts."""
        return self.token_of(f"demo-registrar-{region}", lambda username: self.demo_account(
            username, f"{SICHUAN_REGIONS[region]}技术合同登记员（演示）", "registrar", region_code=region))

    def token_of(self, username, first):
        known = self.signed_in.get(username)
        if known is None:
            return first(username)
        if time.time() >= known["until"]:
            return self.sign_in(username, known["password"], known["totp_secret"])
        return known["token"]

    def sign_in(self, username, password, totp_secret=None, new_password=None):
        flow = Flow(self.identity.base, client_secret=self.portal_secret)
        try:
            response = flow.sign_in(username, password, totp_secret=totp_secret, new_password=new_password)
        except SignInError as exc:
            raise DemoError(f"identity refused the sign-in of {username}: {exc}") from None
        self.signed_in[username] = {"password": new_password or password, "totp_secret": flow.totp_secret or totp_secret,
                                 "token": response["access_token"],
                                 "until": time.time() + int(response.get("expires_in", 900)) - 60}
        return response["access_token"]

    def sign_in_developer(self, username):
        """A seeded development account (the credentials file the identity service wrote at its start)."""
        account = self.developer_credentials["accounts"].get(username)
        if account is None:
            raise DemoError(f"no {username} in the development credentials ({self.credentials_path or DEV_CREDENTIALS})")
        return self.sign_in(username, account["password"], account.get("totp_secret"))

    def demo_account(self, username, display_name, role, **belonging):
        """The token of a demo person: their account created by the administrator (or, made by an earlier run,
        found and its password reset: a reviewer's or registrar's second factor too), signed in with the one-time
        password, which is changed at once, as identity asks at a first sign-in (a reviewer or registrar enrols
        TOTP then)."""
        body = {"username": username, "display_name": display_name, "role": role, **belonging}
        status, made = self.identity.call("POST", "/api/v1/accounts", self.admin(), body, accept=(201, 409))
        if status == 201:
            self.created["account"] += 1
            print(f"  + account: {username} ({role}, identity)")
            one_time = made["one_time_password"]
        else:
            account = self.find_account(username, role)
            if any(account.get(key) != value for key, value in belonging.items()):  # another database's ids
                self.identity.post(f"/api/v1/accounts/{account['id']}/role", {"role": role, **belonging}, self.admin())
                self.created["account moved"] += 1
                print(f"  → account moved: {username} to {belonging}")
            elif account["status"] != "active" or account.get("locked"):
                raise DemoError(f"the demo account {username} is disabled or locked in identity")
            if account.get("totp_enabled"):
                self.identity.post(f"/api/v1/accounts/{account['id']}/totp-reset", None, self.admin())
            one_time = self.identity.post(f"/api/v1/accounts/{account['id']}/password-reset", None,
                                          self.admin())[1]["one_time_password"]
            self.existing["account"] += 1
        return self.sign_in(username, one_time, new_password=f"Demo-{secrets.token_urlsafe(18)}")

    def find_account(self, username, role):
        offset = 0
        while True:
            page = self.identity.get("/api/v1/accounts", self.admin(), params={"role": role, "limit": 100,
                                                                              "offset": offset})["items"]
            found = next((a for a in page if a["username"] == username), None)
            if found or len(page) < 100:
                if found is None:
                    raise DemoError(f"identity says {username} exists but does not list it among the {role} accounts")
                return found
            offset += 100

    @property
    def developer_credentials(self):
        if not hasattr(self, "_dev_credentials"):
            try:
                self._dev_credentials = dev_credentials(self.credentials_path)
            except SignInError as exc:
                raise DemoError(str(exc)) from None
        return self._dev_credentials

    @property
    def portal_secret(self):
        portal = self.developer_credentials["clients"].get("portal")
        if portal is None:
            raise DemoError(f"no portal client in the development credentials "
                            f"({self.credentials_path or DEV_CREDENTIALS})")
        return portal["client_secret"]

    # bookkeeping
    def remember(self, key, value):
        self.state[key] = value
        self.state_path.parent.mkdir(parents=True, exist_ok=True)
        self.state_path.write_text(json.dumps(self.state, ensure_ascii=False, indent=1))

    def ensure(self, kind, key, create, label):
        """The id of the record remembered as `key`, else the id `create()` returns (and remember it)."""
        if key in self.state:
            self.existing[kind] += 1
            return self.state[key]
        record_id = create()
        self.remember(key, record_id)
        self.created[kind] += 1
        print(f"  + {kind}: {label}")
        return record_id

    def contract_history(self):
        """The earlier systems' 2016-2020 records (the samples of examples/history/), each loaded by its owning
        service once, as its import command reads the file: a second run finds every record there. The samples'
        deliberately bad rows (examples/history/README.md) are rejected, with their reasons."""
        from finance import importer as projects
        from registry import accreditation_importer as accreditations, importer as achievements
        from transactions import importer as contracts

        print("history: 2016-2020 records of the earlier systems (历史数据, examples/history/)")
        self.history("history contract", "技术合同", self.transactions, "/api/v1/contracts/history", "contracts.csv",
                     contracts.COLUMNS, contracts.REQUIRED, contracts.to_item,
                     lambda item: f"{item['registration_number']} of {item['registered_on']}")
        self.history("history project", "科技成果转化项目", self.finance, "/api/v1/transformation-projects/history",
                     "transformation-projects.csv", projects.COLUMNS, projects.REQUIRED, projects.to_item,
                     lambda item: f"{item['project_number']} of {item['approved_on']}")
        self.history("history accreditation", "认定", self.registry, "/api/v1/accreditations/history",
                     "accreditations.csv", accreditations.COLUMNS, accreditations.REQUIRED, accreditations.to_item,
                     lambda item: f"{item['unit'] or item['credit_code']} of {item['accredited_on']}"
                                  + (f", revoked {item['revoked_on']}" if item["revoked_on"] else ""))
        self.history("history achievement", "已登记科技成果", self.registry, "/api/v1/achievements/import",
                     "achievements.csv", {**achievements.COLUMNS, **achievements.REGISTERED_COLUMNS},
                     ("registration_number", "title"), achievements.to_item,
                     lambda item: f"{item['registration_number']} of {item['registered_on']}")

    def history(self, kind, label, api, path, file, columns, required, to_item, describe):
        """One sample file of examples/history/ sent to ``path`` of ``api`` as an administrator."""
        items = []
        for number, cells in tabular.read_rows(HISTORY / file, columns, required):
            try:
                items.append((number, to_item(cells)))
            except tabular.RowError as exc:
                print(f"  ✗ {file} row {number} rejected: {exc}")
        results = api.post(path, {"rows": [item for _, item in items]}, self.admin())[1]["results"]
        print(f"  {label} ({file}):")
        for (number, item), result in zip(items, results):
            if result["status"] == "rejected":  # one of the sample's documented bad rows
                reasons = "; ".join(f"{e['path']}: {e['message']}" for e in result["errors"])
                print(f"  ✗ row {number} rejected (see examples/history/README.md): {reasons}")
                continue
            self.step(kind, result["status"] == "created", lambda: None, describe(item))

    def step(self, kind, needed, do, label):
        """A state change done only when `needed` (counted as done now or already done)."""
        if needed:
            do()
            self.created[kind] += 1
            print(f"  → {kind}: {label}")
        else:
            self.existing[kind] += 1

    @staticmethod
    def wait(check, what):
        deadline = time.time() + WAIT_SECONDS
        print(f"  … waiting for {what}", end="", flush=True)
        while time.time() < deadline:
            value = check()
            if value:
                print(" ok")
                return value
            time.sleep(0.3)
        print()
        raise DemoError(f"timed out after {WAIT_SECONDS} s waiting for {what} (is every service up? `make health`)")

    # -- registry -----------------------------------------------------------------------
    def find_organization(self, code):
        """The registered organization with this credit code, or None."""
        found = self.registry.get("/api/v1/organizations", params={"credit_code": code})["items"]
        return found[0] if found else None

    def organizations(self):
        print("registry: organizations (主体登记) and accreditation (认定)")
        for n, (key, (name, kind, region, department, accredit)) in enumerate(ORGANIZATIONS.items(), start=1):
            code = credit_code(n, region)
            found = self.find_organization(code)
            if n == 1 and found is None and self.state:  # a fresh registry: the state file is another database's
                print("  (the state file belongs to another database: starting afresh)")
                self.state.clear()
                self.state_path.write_text("{}")
            if found is None:
                body = {"name": name, "credit_code": code, "kind": kind, "region_code": region,
                        "supervising_department": department}
                found = self.registry.post("/api/v1/organizations", body, self.reviewer(region))[1]
                self.created["organization"] += 1
                print(f"  + organization: {name} ({kind}, {SICHUAN_REGIONS[region]})")
            else:
                self.existing["organization"] += 1
            self.org[key] = found["id"]
            if accredit:
                org = self.registry.get(f"/api/v1/organizations/{self.org[key]}")
                self.step("accreditation", not org["accredited"], lambda: self.registry.post(
                    f"/api/v1/organizations/{self.org[key]}/accreditation", {"basis": ACCREDITATION_BASIS},
                    self.reviewer(region)), f"{name} accredited by the {SICHUAN_REGIONS[region]} reviewer")

    def plan_project(self):
        print("registry: plan project (科技计划项目)")
        p = PLAN_PROJECT
        body = {k: v for k, v in p.items() if k != "owner"} | {"organization_id": self.org[p["owner"]]}

        def listed():
            items = self.registry.get("/api/v1/plan-projects", self.admin(), params={"region": p["region_code"]})
            return next((i for i in items["items"] if i["code"] == p["code"]), None)

        found = listed()
        if found:
            self.existing["plan project"] += 1
        else:
            self.registry.post("/api/v1/plan-projects", body, self.reviewer(p["region_code"]))
            self.created["plan project"] += 1
            print(f"  + plan project: {p['code']} {p['title']}")
            found = listed()
        project, reports = found["id"], found["tech_reports"]
        self.step("tech report", not reports, lambda: self.registry.post(
            f"/api/v1/plan-projects/{project}/tech-reports", {"title": f"{p['title']}科技报告",
                                                              "report_number": f"{p['code']}-R1"},
            self.institution(p["owner"])), "科技报告 submitted by 四川大学")
        return project

    def achievements(self, plan_project_id):
        print("registry: achievements (科技成果登记): import → submit → register → publish")
        for key, (owner, import_key, form, publish) in ACHIEVEMENTS.items():
            form = json.loads(json.dumps(form))
            form["organization_ids"] = [self.org[owner]]
            if form["funding"]["fiscal"]:
                form["funding"].update(plan_project_id=plan_project_id, amount_yuan="3000000.00")
            token = self.institution(owner)
            _, result = self.registry.post("/api/v1/achievements/import",
                                           {"rows": [{"import_key": import_key, "form": form}]}, token)
            [row] = result["results"]
            if row["status"] not in ("created", "exists"):
                raise DemoError(f"import of {form['title']} refused: {row}")
            self.ach[key] = row["id"]
            self.created["achievement"] += row["status"] == "created"
            self.existing["achievement"] += row["status"] == "exists"
            if row["status"] == "created":
                print(f"  + achievement: {form['title']} (draft)")
            reviewer = self.reviewer(form["region_code"])
            path = f"/api/v1/achievements/{row['id']}"
            wanted = ["submitted", "registered", "published"] if publish else ["submitted"]
            actions = {"submitted": ("submit", token), "registered": ("register", reviewer),
                       "published": ("publish", reviewer)}
            order = ["draft", "submitted", "registered", "published"]
            status = self.registry.get(path, token)["status"]
            for target in wanted:
                action, actor = actions[target]
                needed = status in order and order.index(status) < order.index(target)
                self.step(f"achievement {action}", needed,
                          lambda: self.registry.post(f"{path}/{action}", None, actor), f"{form['title']} {target}")
                status = target if needed else status
            if publish:
                number = self.registry.get(path)["registration_number"]
                print(f"    {form['title']}: 登记号 {number}")
        # the public query service (公益查询) finds the published ones by Chinese keywords (with the search read model
        # of `make run`, a moment after their events: registry.search_index)
        for _ in range(20):
            found = self.registry.get("/api/v1/achievements", params={"q": "钒钛 提钒"})["items"]
            if found:
                break
            time.sleep(0.25)
        print(f"  public search '钒钛 提钒': {[a['title'] for a in found][:3]}")

    def catalogue(self):
        print("registry: dual-use catalogue (军民两用目录)")
        entries = self.registry.get("/api/v1/catalogues/military_to_civil")
        present = any(e["achievement"]["id"] == self.ach["glass"] for e in entries["entries"])
        self.step("catalogue entry", not present, lambda: self.registry.post(
            "/api/v1/catalogues/military_to_civil/entries",
            {"achievement_id": self.ach["glass"], "note": "军用技术转民用推广"}, self.reviewer("510700"),
            accept=(201, 409)), "放射性废物玻璃固化关键材料 → 军用技术转民用推广目录")

    def annual_reports(self):
        print(f"registry: annual reports (年度报告) for {LAST_YEAR}")
        deals = {"count": 3, "amount_yuan": "8600000.00"}
        for key in ("scu", "swjtu", "swust", "cdutcm"):  # the institute files nothing: the check flags it
            name, _, region = ORGANIZATIONS[key][:3]
            report_id = f"{self.org[key]}:{LAST_YEAR}"
            status, report = self.registry.call("GET", f"/api/v1/annual-reports/{report_id}", self.admin(),
                                                accept=(200, 404))
            body = {"year": LAST_YEAR, "organization_id": self.org[key], "transfers": deals, "licences": deals,
                    "equity_investments": {"count": 1, "amount_yuan": "5000000.00"}, "cooperation_contracts": deals,
                    "rewards_paid_yuan": "2700000.00", "rewarded_people": 18,
                    "summary": f"{name}{LAST_YEAR}年度科技成果转移转化总体成效良好，转让、许可和作价投资稳步增长；存在专业化技术经纪人才不足等问题。"}
            self.step("annual report filed", status == 404, lambda: self.registry.post(
                "/api/v1/annual-reports", body, self.institution(key)), f"{name}")
            report = self.registry.get(f"/api/v1/annual-reports/{report_id}", self.admin())
            self.step("annual report accepted", report["status"] == "submitted", lambda: self.registry.post(
                f"/api/v1/annual-reports/{report_id}/accept", None, self.reviewer(region)), f"{name} (主管部门)")
        _, flagged = self.registry.post("/api/v1/annual-reports/missing-check", None, self.admin(),
                                        params={"year": LAST_YEAR})
        print(f"  missing-report check flagged now: {len(flagged['flagged'])}")

    # -- transactions -------------------------------------------------------------------
    def listing(self, key, achievement_key, seller, body):
        def create():
            payload = {"achievement_id": self.ach[achievement_key], **body}

            def attempt():  # the market lists only what its replica has seen published
                status, data = self.transactions.post("/api/v1/listings", payload, self.institution(seller),
                                                      accept=(201, 400))
                if status == 400 and "not a published achievement" not in json.dumps(data):
                    raise DemoError(f"listing refused: {data}")
                return data["id"] if status == 201 else None

            return self.wait(attempt, f"the transactions replica to see {ACHIEVEMENTS[achievement_key][2]['title']}")

        return self.ensure("listing", key, create, f"{ACHIEVEMENTS[achievement_key][2]['title']} ({body['mode']})")

    def market(self, brokers):
        print("transactions: listing, demand, matching (挂牌·需求·供需对接)")
        listing = self.listing("listing:rail_noise", "rail_noise", "swjtu",
                               {"mode": "licence", "asking_price": "3000000.00", "period_days": 180,
                                "description": "普通许可，许可期限5年，提供技术培训与现场指导"})
        valuation = self.ensure("valuation", "valuation:rail_noise", lambda: self.transactions.post(
            "/api/v1/valuations", {"achievement_id": self.ach["rail_noise"], "method": "income", "income": {
                "projected_revenues": ["20000000", "30000000", "35000000", "35000000", "30000000"],
                "royalty_rate": "0.03", "discount_rate": "0.10"}}, self.institution("swjtu"))[1]["id"],
            "income-approach valuation (评价评估) of 轮轨噪声主动控制技术")
        print(f"  valuation: ¥{self.transactions.get(f'/api/v1/valuations/{valuation}', self.admin())['value']}")
        consultation = self.ensure("consultation", "consultation:crrc", lambda: self.transactions.post(
            "/api/v1/consultations", {"institution_organization_id": self.org["swttc"], "topic": "技术许可合同条款",
                                      "question": "引进高校降噪技术采用普通许可还是独占许可更合适？许可费如何约定？"},
            self.institution("crrc"))[1]["id"], "中车眉山 asks 国家技术转移西南中心 (咨询辅导)")
        current = self.transactions.get(f"/api/v1/consultations/{consultation}", self.institution("swttc"))
        self.step("consultation answered", current["status"] == "open", lambda: self.transactions.post(
            f"/api/v1/consultations/{consultation}/answer", {"answer": "建议普通许可，入门费加销售提成，并约定技术培训与后续改进成果归属。"},
            self.institution("swttc")), "西南中心 answers")
        demand = self.ensure("demand", "demand:crrc", lambda: self.transactions.post("/api/v1/demands", {
            "title": "城轨车辆轮轨降噪减振技术需求", "problem": "城轨车辆运行噪声超标，需要成熟的轮轨噪声控制与阻尼车轮技术。",
            "keywords": ["轮轨噪声", "降噪", "轨道交通"], "programme": 3, "region_code": "511400",
            "budget": "3500000.00", "min_trl": 6, "deadline": (TODAY + dt.timedelta(days=365)).isoformat()},
            self.institution("crrc"))[1]["id"], "城轨车辆轮轨降噪减振技术需求 (中车眉山)")
        ranked = self.transactions.get(f"/api/v1/demands/{demand}/matches")["items"]
        print(f"  ranked listings for the demand: {[(r['listing']['title'], r.get('score')) for r in ranked][:3]}")
        match = self.ensure("match", "match:crrc", lambda: self.transactions.post("/api/v1/matches", {
            "demand_id": demand, "listing_id": listing, "note": "中车眉山提出对接"}, self.institution("crrc"))[1]["id"],
            "中车眉山 proposes the licence listing")
        status = self.transactions.get(f"/api/v1/matches/{match}", self.admin())["status"]
        self.step("match accepted", status == "proposed", lambda: self.transactions.post(
            f"/api/v1/matches/{match}/accept", {"note": "同意对接"}, self.institution("swjtu")), "西南交通大学 accepts")

        print("transactions: English auction (竞价拍卖)")
        lot = self.listing("listing:vanadium", "vanadium", "scu",
                           {"mode": "transfer", "asking_price": "5000000.00", "period_days": 30,
                            "description": "专利权转让，含工艺包与中试数据"})
        if "auction:vanadium" not in self.state:  # the bidders signed in first: the auction lasts 6 seconds
            self.institution("pangang"), self.institution("dongfang")
        auction = self.ensure("auction", "auction:vanadium", lambda: self.transactions.post("/api/v1/auctions", {
            "listing_id": lot, "start_price": "4800000.00", "increment": "100000.00", "reserve_price": "5000000.00",
            "ends_at": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=6)).isoformat(),
            "extension_seconds": 2}, self.institution("scu"))[1]["id"], "提钒新工艺 starting at ¥4,800,000")
        state = self.transactions.get(f"/api/v1/auctions/{auction}")
        if state["status"] == "open" and state["bids"] == 0:
            for bidder, amount in (("pangang", "4800000.00"), ("dongfang", "4900000.00"), ("pangang", "5200000.00")):
                self.transactions.post(f"/api/v1/auctions/{auction}/bids", {"amount": amount}, self.institution(bidder))
                print(f"  → bid ¥{amount} by {ORGANIZATIONS[bidder][0]}")
                self.created["bid"] += 1
        elif state["status"] != "open":
            self.existing["bid"] += state["bids"]

        def closed():
            self.transactions.post("/api/v1/clock", None, self.admin())  # or wait for the service's own timer
            return self.transactions.get(f"/api/v1/auctions/{auction}")["status"] != "open" and \
                self.transactions.get(f"/api/v1/auctions/{auction}")
        state = closed() or self.wait(closed, "the auction to end (anti-sniping may extend it)")
        print(f"  auction {state['status']} at ¥{state['current_price']} to {self.org_name(state['leader_organization_id'])}")

        print("transactions: technology contracts (技术合同认定登记)")
        contracts = [
            ("contract:licence", "licence", "swjtu", {"listing_id": listing, "buyer_organization_id": self.org["crrc"],
             "buyer_name": "中车眉山车辆有限公司", "title": "高速列车轮轨噪声主动控制技术许可合同",
             "contract_amount": "3200000.00", "technology_transaction_amount": "3000000.00", "region_code": "510100",
             "broker_person_ids": [brokers[0]]}),
            ("contract:transfer", "transfer", "scu", {"auction_id": auction, "title": "提钒新工艺专利权转让合同",
             "buyer_name": "攀钢集团研究院有限公司", "contract_amount": state["current_price"],
             "technology_transaction_amount": state["current_price"], "region_code": "510100",
             "broker_person_ids": brokers}),
            ("contract:development", "development", "swust", {"achievement_id": self.ach["glass"],
             "buyer_organization_id": self.org["dongfang"], "buyer_name": "东方电气集团东方汽轮机有限公司",
             "title": "核电站废物处理玻璃固化材料技术开发合同", "contract_amount": "1800000.00",
             "technology_transaction_amount": "1500000.00", "region_code": "510700"}),
            ("contract:service", "service", "deyang_ttc", {"buyer_organization_id": self.org["dongfang"],
             "buyer_name": "东方电气集团东方汽轮机有限公司", "title": "重型燃机叶片检测技术服务合同",
             "contract_amount": "600000.00", "technology_transaction_amount": "600000.00", "region_code": "510600"}),
        ]
        ids = {}
        for key, kind, seller, body in contracts:
            payload = {"contract_type": kind, "seller_organization_id": self.org[seller], **body}
            incomplete = {**payload, "buyer_name": ""} if key == "contract:service" else payload  # returned first
            ids[key] = contract = self.ensure("contract", key, lambda: self.transactions.post(
                "/api/v1/contracts", incomplete, self.institution(seller))[1]["id"], f"{body['title']} submitted")
            path = f"/api/v1/contracts/{contract}"
            status = self.transactions.get(path, self.admin())["status"]
            if incomplete is not payload:
                returned = f"{key}:returned" in self.state
                self.step("contract returned", status == "submitted" and not returned, lambda: (
                    self.transactions.post(f"{path}/return", {"reasons": ["买方名称未填写，请补正后重新提交"]},
                                           self.registrar(body["region_code"])), self.remember(f"{key}:returned", True)),
                    f"{body['title']} returned: 买方名称未填写")
                status = self.transactions.get(path, self.admin())["status"]
                self.step("contract resubmitted", status == "returned", lambda: self.transactions.call(
                    "PUT", path, self.institution(seller), payload), f"{body['title']} corrected and resubmitted")
                status = self.transactions.get(path, self.admin())["status"]
            self.step("contract registered", status == "submitted", lambda: self.transactions.post(
                f"{path}/register", None, self.registrar(body["region_code"])),
                f"{body['title']} by the {SICHUAN_REGIONS[body['region_code']]} registration body")
        turnover = self.transactions.get("/api/v1/turnover")
        print(f"  registered turnover (all): {turnover['contracts']} contracts, 技术交易额 ¥{turnover['technology_transaction_amount']}")
        return ids

    def org_name(self, org_id):
        return next((ORGANIZATIONS[k][0] for k, v in self.org.items() if v == org_id), org_id)

    # -- finance ------------------------------------------------------------------------
    def finance_scenario(self, contracts):
        print("finance: transformation projects (科技成果转化项目)")
        projects = [  # key, owner, body, approve?
            ("tp:rail", "crrc", {"title": "高速列车轮轨降噪技术产业化", "category": "major", "programme": 3,
                                 "responsible_department": "省经济和信息化委", "budget": "48000000.00",
                                 "achievement_ids": [self.ach["rail_noise"]]}, True),
            ("tp:vanadium", "pangang", {"title": "钒钛资源清洁提钒新工艺产业化", "category": "major", "programme": 8,
                                        "responsible_department": "省科技厅", "budget": "50000000.00",
                                        "achievement_ids": [self.ach["vanadium"]]}, True),
            ("tp:chuanxiong", "cdutcm", {"title": "川芎道地药材规范化加工技术推广", "category": "promoted", "programme": 11,
                                         "responsible_department": "省中医药局", "budget": "12000000.00",
                                         "achievement_ids": [self.ach["chuanxiong"]]}, True),
            ("tp:baijiu", "luzhou", {"title": "白酒固态发酵智能化酿造技术推广", "category": "promoted", "programme": 13,
                                     "responsible_department": "省经济和信息化委", "budget": "9000000.00"}, True),
            ("tp:rice", "saas", {"title": "杂交水稻机械化制种技术推广", "category": "promoted", "programme": 12,
                                 "responsible_department": "省农业厅", "budget": "6000000.00"}, False),
        ]
        ids = {}
        for key, owner, body, approve in projects:
            region = ORGANIZATIONS[owner][2]
            payload = {**body, "organization_id": self.org[owner], "region_code": region}
            ids[key] = project = self.ensure("transformation project", key, lambda: self.wait(  # 422 until the
                lambda: self._created(self.finance.call(  # finance replica has the achievement's event
                    "POST", "/api/v1/transformation-projects", self.institution(owner), payload, accept=(201, 422))),
                "finance to know the achievement the project names"), f"{body['title']} ({body['category']}) proposed")
            current = self.finance.get(f"/api/v1/transformation-projects/{project}", self.admin())
            if approve:
                self.step("project approved", current["status"] == "proposed", lambda: self.finance.post(
                    f"/api/v1/transformation-projects/{project}/approve", None, self.reviewer(region)),
                    f"{body['title']} by the {SICHUAN_REGIONS[region]} reviewer")
        rail = ids["tp:rail"]
        current = self.finance.get(f"/api/v1/transformation-projects/{rail}", self.admin())
        self.step("project started", current["status"] == "approved", lambda: self.finance.post(
            f"/api/v1/transformation-projects/{rail}/start", None, self.institution("crrc")), "轮轨降噪产业化 started")
        current = self.finance.get(f"/api/v1/transformation-projects/{rail}", self.admin())
        self.step("project advanced", current["stage"] == "pilot", lambda: self.finance.post(
            f"/api/v1/transformation-projects/{rail}/advance", {"stage": "scale_up"}, self.institution("crrc")),
            "轮轨降噪产业化 → 工程化")

        print("finance: investors, guidance fund and sub-fund (引导基金)")
        known = {i["organization_id"]: i["id"] for i in self.finance.get("/api/v1/investors", self.admin())["items"]}
        investors = {}
        for key, kind in (("guidance_mgr", "guidance_fund_manager"), ("vc", "venture_capital"), ("bank", "bank")):
            def create(key=key, kind=kind):
                return known.get(self.org[key]) or self.finance.post("/api/v1/investors", {
                    "name": ORGANIZATIONS[key][0], "kind": kind, "organization_id": self.org[key]},
                    self.admin())[1]["id"]
            if self.org[key] in known and f"investor:{key}" not in self.state:
                self.remember(f"investor:{key}", known[self.org[key]])
            investors[key] = self.ensure("investor", f"investor:{key}", create, ORGANIZATIONS[key][0])
        guidance = self.ensure("fund", "fund:guidance", lambda: self.finance.post("/api/v1/funds", {
            "name": "四川省科技成果转化投资引导基金", "kind": "guidance", "investor_id": investors["guidance_mgr"],
            "committed_amount": "2000000000.00"}, self.admin())[1]["id"], "四川省科技成果转化投资引导基金 ¥20亿")
        sub_fund = self.ensure("fund", "fund:sub", lambda: self.finance.post("/api/v1/funds", {
            "name": "四川新材料产业成果转化子基金", "kind": "sub_fund", "investor_id": investors["vc"],
            "parent_fund_id": guidance, "committed_amount": "500000000.00"}, self.admin())[1]["id"],
            "四川新材料产业成果转化子基金 ¥5亿")

        print("finance: financing pool, roadshow, deal, subsidy (投融资·路演·引导计划)")
        self.wait(lambda: self.ach["vanadium"] in self.finance.get(
            f"/api/v1/organizations/{self.org['scu']}/eligibility", self.admin())["published_achievement_ids"],
            "the finance replica to see 四川大学's published achievement (知识产权质押 eligibility)")
        need_body = {
            "title": "提钒新工艺千吨级产业化项目融资", "organization_id": self.org["pangang"], "region_code": "510400",
            "amount": "30000000.00", "stage": "scale_up", "instruments": ["equity", "loan"], "industry": "新材料",
            "summary": "受让四川大学提钒新工艺专利，建设千吨级生产线。", "achievement_ids": [self.ach["vanadium"]],
            "contract_ids": [contracts["contract:transfer"]], "transformation_project_id": ids["tp:vanadium"]}
        need = self.ensure("financing project", "fp:vanadium", lambda: self.wait(lambda: self._created(  # 422 until
            self.finance.call("POST", "/api/v1/financing-projects", self.institution("pangang"), need_body,
                              accept=(201, 422))), "finance to know the registered transfer contract"),  # it arrives
            "提钒新工艺千吨级产业化项目融资 ¥3,000万")
        roadshow = self.ensure("roadshow", "roadshow:panzhihua", lambda: self.finance.post("/api/v1/roadshows", {
            "title": f"{TODAY.year}年攀西战略资源创新开发科技成果路演", "kind": "roadshow", "region_code": "510400",
            "starts_at": f"{TODAY.isoformat()}T01:30:00Z", "organizer": "攀枝花市科学技术局",
            "financing_project_ids": [need]}, self.reviewer("510400"))[1]["id"], "攀西科技成果路演")
        registered = investors["vc"] in self.finance.get(f"/api/v1/roadshows/{roadshow}")["investor_ids"]
        self.step("roadshow registration", not registered, lambda: self.finance.post(
            f"/api/v1/roadshows/{roadshow}/registrations", {"investor_id": investors["vc"]}, self.institution("vc")),
            "川创投 registers for the roadshow")
        deal = self.ensure("deal", "deal:vanadium", lambda: self.finance.post("/api/v1/deals", {
            "financing_project_id": need, "investor_id": investors["vc"], "instrument": "equity", "fund_id": sub_fund,
            "roadshow_id": roadshow}, self.institution("vc"))[1]["id"], "川创投 expresses interest (equity, sub-fund)")
        status = self.finance.get(f"/api/v1/deals/{deal}", self.admin())["status"]
        self.step("deal due diligence", status == "interested", lambda: self.finance.post(
            f"/api/v1/deals/{deal}/due-diligence", None, self.institution("vc")), "尽职调查")
        status = self.finance.get(f"/api/v1/deals/{deal}", self.admin())["status"]
        self.step("deal closed", status == "due_diligence", lambda: self.finance.post(
            f"/api/v1/deals/{deal}/close", {"amount": "20000000.00", "terms": "子基金投资2,000万元，占股12%"},
            self.institution("vc")), "¥2,000万 equity closed")
        subsidy = self.ensure("subsidy", "subsidy:vanadium", lambda: self.finance.post("/api/v1/subsidies", {
            "deal_id": deal, "instrument": "guidance"}, self.institution("pangang"))[1]["id"],
            "科技成果转化引导计划 applied by 攀钢")
        current = self.finance.get(f"/api/v1/subsidies/{subsidy}", self.admin())
        self.step("subsidy approved", current["status"] == "applied", lambda: self.finance.post(
            f"/api/v1/subsidies/{subsidy}/approve", None, self.reviewer("510400")), f"¥{current['amount']} approved")
        fund = self.finance.get(f"/api/v1/funds/{guidance}", self.admin())
        print(f"  guidance fund: sub-funds committed ¥{fund['sub_funds_committed_amount']}, invested "
              f"¥{fund['sub_funds_invested_amount']}")

    # -- talent -------------------------------------------------------------------------
    def people(self):
        print("talent: people (人才库)")
        people = [("person:zhang", "swttc", {"name": "张明远", "kinds": ["broker"], "fields": ["技术转移", "新材料"],
                                              "title": "高级工程师", "public_fields": ["name", "kinds", "organization_id"]}),
                  ("person:li", "mianyang_ttc", {"name": "李晓雯", "kinds": ["broker"], "fields": ["技术转移", "轨道交通"],
                                                 "public_fields": ["name", "kinds"]}),
                  ("person:wang", "scu", {"name": "王建华", "kinds": ["researcher", "expert"], "fields": ["冶金工程"],
                                          "title": "教授", "public_fields": ["name", "title", "fields"]}),
                  ("person:chen", "scu", {"name": "陈丽", "kinds": ["researcher"], "fields": ["冶金工程"], "title": "副教授"})]
        ids = {}
        for key, org, body in people:
            ids[key] = self.ensure("person", key, lambda: self.talent.post(
                "/api/v1/people", {**body, "organization_id": self.org[org]}, self.institution(org))[1]["id"],
                f"{body['name']} ({', '.join(body['kinds'])}, {ORGANIZATIONS[org][0]})")
        person = self.talent.get(f"/api/v1/people/{ids['person:wang']}", self.admin())
        self.step("transfer post", not person.get("posts"), lambda: self.talent.post(
            f"/api/v1/people/{ids['person:wang']}/posts", {"organization_id": self.org["scu"],
            "post_kind": "tech_manager", "starts_on": f"{TODAY.year}-03-01"}, self.institution("scu")),
            "王建华 科技成果转移转化岗 at 四川大学")
        return ids

    def brokers(self, people):
        print("talent: broker training and certification (技术经纪人培训·认证)")
        sessions = [{"code": f"S{i}", "topic": topic, "date": f"{TODAY.year}-0{i + 3}-15", "hours": 12}
                    for i, topic in enumerate(("通识知识模块", "政策法规模块", "实务技能模块", "能力提升模块"), start=1)]
        programme = self.ensure("training programme", "programme:junior", lambda: self.talent.post(
            "/api/v1/training/programmes", {
                "title": f"{TODAY.year}年四川省初级技术经纪人培训班", "kind": "broker_course", "level": "junior",
                "provider_organization_id": self.org["swttc"], "provider_name": "国家技术转移西南中心人才培养基地",
                "sessions": sessions, "pass_mark": 60}, self.institution("swttc"))[1]["id"],
            "初级技术经纪人培训班 (4 modules, 48 hours)")
        provider = self.institution("swttc")
        for key, score in (("person:zhang", 86), ("person:li", 79)):
            person = people[key]
            enrolment = self.ensure("enrolment", f"enrolment:{key}", lambda: self.talent.post(
                f"/api/v1/training/programmes/{programme}/enrolments", {"person_id": person}, provider)[1]["id"],
                f"{ {'person:zhang': '张明远', 'person:li': '李晓雯'}[key]} enrolled")
            path = f"/api/v1/training/enrolments/{enrolment}"
            current = self.talent.get(path, provider)
            for s in sessions:
                self.step("attendance", current["status"] == "enrolled" and s["code"] not in current["attended"],
                          lambda: self.talent.post(f"{path}/attendance", {"session": s["code"]}, provider),
                          f"{s['topic']} attended")
            self.step("assessment", current["status"] == "enrolled" and current.get("score") is None,
                      lambda: self.talent.post(f"{path}/assessment", {"score": score}, provider), f"score {score}")
            self.step("training completed", current["status"] == "enrolled", lambda: self.talent.post(
                f"{path}/completion", None, provider), "completed")
            broker = self.talent.get(f"/api/v1/brokers/{person}", self.admin())
            held = any(c["level"] == "junior" and c["status"] == "active" for c in broker["certificates"])
            self.step("broker certified", not held, lambda: self.talent.post(
                f"/api/v1/brokers/{person}/certificates", {"level": "junior"}, self.admin()), "初级技术经纪人")
            number = self.talent.get(f"/api/v1/brokers/{person}", self.admin())["certificates"][0]["number"]
            print(f"    certificate {number}: {self.talent.get(f'/api/v1/certificates/{number}')['status']}")

    def rewards(self, people):
        print("talent: reward plan for contributors (奖励与报酬, 第四十五条)")
        existing = [r for r in self.talent.get("/api/v1/rewards", self.institution("scu"))["items"]
                    if r["achievement_id"] == self.ach["vanadium"]]
        if existing:
            self.remember("reward:vanadium", existing[0]["id"])
        self.ensure("reward plan", "reward:vanadium", lambda: self.talent.post("/api/v1/rewards", {
            "organization_id": self.org["scu"], "achievement_id": self.ach["vanadium"], "mode": "transfer",
            "occurred_on": TODAY.isoformat(), "net_income_yuan": "5000000.00",
            "allocations": [{"person_id": people["person:wang"], "cash_yuan": "1800000.00"},
                            {"person_id": people["person:chen"], "cash_yuan": "900000.00"}]},
            self.institution("scu"))[1]["id"], "提钒新工艺 transfer: ¥2,700,000 of ¥5,000,000 net income (54%)")
        flagged = self.talent.get("/api/v1/rewards", self.admin(), params={"flagged": "true"})["items"]
        print(f"  non-compliant plans on the platform: {len(flagged)}")

    def broker_performance(self, people):
        broker = self.wait(lambda: (b := self.talent.get(f"/api/v1/brokers/{people['person:zhang']}", self.admin()))
                           ["performance"]["contracts"] >= 2 and b,
                           "the talent service to count the registered contracts for 张明远")
        p = broker["performance"]
        print(f"  张明远: {p['contracts']} contracts, 技术交易额 ¥{p['technology_transaction_amount']}")

    # -- metrics ------------------------------------------------------------------------
    def progress(self):
        targets = self.metrics.get("/api/v1/progress", params={"breakdowns": "false"})["targets"]
        return {t["key"]: Decimal(t["value"]) for t in targets}

    # -- innovation -----------------------------------------------------------------------
    def innovation_scenario(self):
        """A shared facility's request, acceptance and use; a carrier and an enterprise entering it."""
        print("innovation: shared facilities (共享设施) and the incubation ladder (孵化链条)")
        facility = self.ensure("facility", "facility:vanadium-pilot", lambda: self.innovation.post(
            "/api/v1/facilities", {"owner_organization_id": self.org["scu"], "kind": "pilot_line",
                                   "name": "钒钛资源清洁利用中试生产线", "region_code": "510100",
                                   "terms": "面向中小企业开放，工作日 8:30-17:30，按机时收费 300 元/小时，需经安全培训",
                                   "open_hours_per_year": 1600}, self.institution("scu"))[1]["id"],
            "四川大学 钒钛资源清洁利用中试生产线 (pilot line)")
        start = dt.datetime.combine(TODAY + dt.timedelta(days=7), dt.time(9), dt.timezone(dt.timedelta(hours=8)))
        request = {"facility_id": facility, "enterprise_organization_id": self.org["dongfang"], "hours": 8,
                   "purpose": "叶片用钛合金小批量试制", "starts_at": start.isoformat(),
                   "ends_at": (start + dt.timedelta(hours=32)).isoformat()}
        booking = self.ensure("facility request", "booking:dongfang-vanadium", lambda: self.wait(
            lambda: self._created(self.innovation.call("POST", "/api/v1/facility-bookings", self.institution(
                "dongfang"), request, accept=(201, 400))), "the innovation replica to know 东方汽轮机 as an enterprise"),
            "东方汽轮机 requests 8 hours")
        status = self.innovation.get(f"/api/v1/facility-bookings/{booking}", self.institution("scu"))["status"]
        self.step("facility request accepted", status == "requested", lambda: self.innovation.post(
            f"/api/v1/facility-bookings/{booking}/accept", {}, self.institution("scu")), "四川大学 accepts")
        status = self.innovation.get(f"/api/v1/facility-bookings/{booking}", self.institution("scu"))["status"]
        self.step("facility use recorded", status == "accepted", lambda: self.innovation.post(
            f"/api/v1/facility-bookings/{booking}/use", {"hours_used": "6.5"}, self.institution("scu")),
            "6.5 hours used")
        carrier = self.ensure("carrier", "carrier:deyang-incubator", lambda: self.innovation.post(
            "/api/v1/carriers", {"name": "德阳高新区科技企业孵化器", "kind": "incubator", "level": "provincial",
                                 "region_code": "510600", "operator_organization_id": self.org["deyang_ttc"]},
            self.reviewer("510600"))[1]["id"], "德阳高新区科技企业孵化器 (省级孵化器)")
        entry = {"enterprise_organization_id": self.org["crrc"], "entered_on": (TODAY - dt.timedelta(days=90)).isoformat(),
                 "achievement_ids": [self.ach["rail_noise"]]}
        self.ensure("incubation", "incubation:crrc-deyang", lambda: self.wait(
            lambda: self._created(self.innovation.call("POST", f"/api/v1/carriers/{carrier}/incubations",
                                                       self.institution("deyang_ttc"), entry, accept=(201, 400))),
            "the innovation replica to know 中车眉山 and the registered rail-noise achievement"),
            "中车眉山 enters, built on the registered rail-noise achievement")
        rate = self.innovation.get(f"/api/v1/carriers/{carrier}")["conversion"]
        print(f"  conversion-incubation rate of the incubator: {rate['rate']} ({rate['built_on_achievement']} of "
              f"{rate['enterprises']})")

    def designation_scenario(self):
        """A call for demonstration enterprises (示范企业): 东方汽轮机 applies; the 德阳 reviewer checks it, draws the
        panel from talent's experts of 能源装备 (one of them 东方汽轮机's own, never drawn) and records the sheets;
        the province designates."""
        print("innovation: demonstration designations (示范企业认定)")
        for key, org, name in DESIGNATION_EXPERTS:
            self.ensure("person", key, lambda: self.talent.post("/api/v1/people", {
                "name": name, "kinds": ["expert"], "organization_id": self.org[org], "fields": ["能源装备"],
                "title": "教授级高级工程师"}, self.institution(org))[1]["id"],
                f"{name} (expert, 能源装备, {ORGANIZATIONS[org][0]})")
        province, deyang = self.reviewer(PROVINCE), self.reviewer("510600")
        call = self.ensure("designation call", "designation-call:enterprise", lambda: self.innovation.post(
            "/api/v1/designation-calls", {"kind": "demonstration_enterprise", "year": TODAY.year,
                                          "title": f"{TODAY.year}年度四川省科技成果转移转化示范企业申报", "panel_size": 3,
                                          "expert_field": "能源装备",
                                          "closes_on": (TODAY + dt.timedelta(days=60)).isoformat()},
            province)[1]["id"], "示范企业 call (the plan's five criteria, 20 % each)")
        criteria = self.innovation.get(f"/api/v1/designation-calls/{call}")["criteria"]
        statements = {"creation_capacity": "近三年获授权发明专利46项，登记科技成果12项", "transfer_institution_team":
                      "设有技术转移中心，专职人员18人，其中技术经理人5人", "investment_rewards":
                      "年研发投入占营业收入5.2%，成果转化奖励按净收入50%提取", "growth": "近三年营业收入年均增长14%",
                      "industry_influence": "重型燃气轮机国产化牵头单位，主持制定行业标准3项"}
        body = {"organization_id": self.org["dongfang"], "statements": {c["code"]: statements.get(c["code"], "见附件")
                                                                        for c in criteria}}
        application = self.ensure("designation application", "designation-application:dongfang", lambda: self.wait(
            lambda: self._created(self.innovation.call("POST", f"/api/v1/designation-calls/{call}/applications",
                                                       self.institution("dongfang"), body, accept=(201, 400))),
            "the innovation replica to know 东方汽轮机"), "东方汽轮机 applies")
        path = f"/api/v1/designation-applications/{application}"

        def status():
            return self.innovation.get(path, deyang)["status"]
        self.step("designation eligibility", status() == "submitted", lambda: self.innovation.post(
            f"{path}/eligibility", {}, deyang), "the 德阳 reviewer finds it eligible")
        # 409/503 retried: talent starting, or (on a shared development broker) another talent instance answering
        self.step("expert panel", status() == "eligible", lambda: self.wait(lambda: self.innovation.call(
            "POST", f"{path}/panel", deyang, {}, accept=(200, 409, 503))[0] == 200, "talent's expert pool"),
            "three experts of 能源装备 drawn, none of 东方汽轮机")
        drawn = self.innovation.get(path, deyang)
        if self.state.get("person:expert-dongfang") in drawn["panel"]:
            raise DemoError("an expert of 东方汽轮机 was drawn to review 东方汽轮机's own application")
        scored = {sheet["person_id"] for sheet in drawn["sheets"]}
        for person, score in zip(drawn["panel"], (86, 78, 91)):
            self.step("expert sheet", person not in scored, lambda: self.innovation.post(f"{path}/scores", {
                "person_id": person, "scores": {c["code"]: score for c in criteria}}, deyang),
                f"an expert scores {score} on every criterion")
        self.step("designated", status() == "scored", lambda: self.innovation.post(f"{path}/decision", {}, province),
                  "the province designates 东方汽轮机 a 示范企业")
        final = self.innovation.get(path, deyang)
        print(f"  东方汽轮机: {final['status']}, panel score {final['score']}")

    def ip_scenario(self):
        """四川大学's invention patent protecting the vanadium achievement, recorded in force and linked to it (found
        again by holder and number on a later run)."""
        print("registry: IP records (知识产权)")
        number, staff = "202010567890.X", self.institution("scu")

        def create():
            found = [r for r in self.registry.get("/api/v1/ip-rights", params={
                "holder": self.org["scu"], "kind": "invention_patent", "limit": 100})["items"] if r["number"] == number]
            if found:
                return found[0]["id"]
            return self.registry.post("/api/v1/ip-rights", {
                "kind": "invention_patent", "number": f"ZL{number}", "title": "一种钒钛磁铁矿钙化焙烧-酸浸提钒方法",
                "holder_organization_ids": [self.org["scu"]], "status": "in_force", "filed_on": "2020-07-15",
                "granted_on": "2022-03-08", "achievement_ids": [self.ach["vanadium"]]}, staff)[1]["id"]
        right = self.ensure("IP right", "ip-right:vanadium-patent", create,
                            f"ZL{number} (发明专利, 有效), protecting the vanadium achievement")
        record = self.registry.get(f"/api/v1/ip-rights/{right}")
        print(f"  {record['patent_number']}: {record['status_label']}, expires {record['expires_on']}")
        self.ip_review(right)

    def ip_review(self, right):
        """攀钢集团研究院 asks for an IP analysis and review (知识产权分析评议) of its vanadium industrialization project
        resting on 四川大学's patent: three experts of 能源装备 from talent's pool, none of 攀钢 or of 四川大学 (the
        holder), and a majority of them signs the opinion."""
        admin = self.admin()
        review = self.ensure("IP review", "ip-review:vanadium-project", lambda: self.registry.post(
            "/api/v1/ip-reviews", {
                "subject_kind": "major_project", "subject": "攀西钒钛磁铁矿提钒新工艺产业化重大项目",
                "reference": f"{TODAY.year}ZD003", "requesting_organization_id": self.org["pangang"],
                "ip_right_ids": [right], "expert_field": "能源装备", "panel_size": 3},
            self.institution("pangang"))[1]["id"], "攀钢's major project, resting on 四川大学's patent")
        path = f"/api/v1/ip-reviews/{review}"

        def status():
            return self.registry.get(path, admin)["status"]
        # 503 retried: talent starting (as for the designation panel)
        self.step("IP review panel", status() == "requested", lambda: self.wait(lambda: self.registry.call(
            "POST", f"{path}/panel", admin, {}, accept=(200, 409, 503))[0] == 200, "talent's expert pool"),
            "three experts of 能源装备 drawn, none of 攀钢 or 四川大学")
        drawn = self.registry.get(path, admin)
        if {p.get("organization_id") for p in drawn["panel"]} & {self.org["pangang"], self.org["scu"]}:
            raise DemoError("an expert of the requesting or the holding organization was drawn for the IP review")
        self.step("IP review opinion", drawn["status"] == "panel_drawn", lambda: self.registry.post(f"{path}/opinion", {
            "conclusion": "supported_with_conditions", "opinion": "专利权属清晰、保护范围覆盖提钒工艺，建议补充外围专利布局后实施。",
            "signed_by": sorted(p["id"] for p in drawn["panel"])[:2]}, admin),
            "有条件同意, signed by two of the three")

    @staticmethod
    def _created(answer):
        """The new record's id of a 201 answer; None for a 400 or 422 (a replica not caught up yet: try again)."""
        status, body = answer
        return body["id"] if status == 201 else None

    def settle(self):
        """Wait (bounded) until the metrics projection stops moving: every event of this run applied."""
        last, steady, deadline = None, 0, time.time() + WAIT_SECONDS
        print("  … waiting for the metrics projection to catch up", end="", flush=True)
        while time.time() < deadline:
            now = (self.metrics.get("/api/v1/pipeline")["events_applied"], self.progress())
            steady = steady + 1 if now == last else 0
            if steady >= 4:
                print(" ok")
                return
            last = now
            time.sleep(0.5)
        print(" (still moving; figures below may lag)")

    def ledger(self):
        print("metrics: task ledger (工作台账)")
        for task_id, update in TASK_UPDATES:
            task = self.metrics.get(f"/api/v1/tasks/{task_id}")
            self.step("task updated", task.get("status") != update["status"] or task.get("note") != update["note"],
                      lambda: self.metrics.call("PATCH", f"/api/v1/tasks/{task_id}", self.admin(), update),
                      f"task {task_id} {update['status']}")

    def run(self):
        for api in (self.registry, self.transactions, self.finance, self.talent, self.metrics, self.identity,
                    self.innovation):
            try:
                api.get("/health")
            except (requests.ConnectionError, DemoError) as exc:
                raise DemoError(f"{api.name} at {api.base} is not healthy ({exc}); start the stack with `make up`")
        self.portal_secret  # the credentials file is there (else a clear stop before anything is done)
        before = self.progress()
        self.organizations()
        plan = self.plan_project()
        self.achievements(plan)
        self.catalogue()
        self.annual_reports()
        people = self.people()
        self.brokers(people)
        contracts = self.market([people["person:zhang"], people["person:li"]])
        self.contract_history()
        self.finance_scenario(contracts)
        self.innovation_scenario()
        self.designation_scenario()
        self.ip_scenario()
        self.rewards(people)
        self.broker_performance(people)
        self.ledger()
        self.settle()
        after = self.progress()
        compliance = self.metrics.get(f"/api/v1/compliance/{LAST_YEAR}")
        print(f"metrics: annual-report compliance {LAST_YEAR}: {compliance['totals']}")
        ledger = self.metrics.get("/api/v1/tasks")["summary"]
        print(f"metrics: task ledger {ledger}")
        followed = self.metrics.get("/api/v1/progress", params={"breakdowns": "false"})
        targets = {t["key"]: t for t in followed["targets"]}
        plan = followed["plan"]
        print(f"\nplan progress ({plan['title']}, {plan['period']['start']}–{plan['period']['end']}, "
              f"{plan['status_label']})   before → after (this run)")
        if plan["status"] != "in_force":
            print("  (this run's registrations take effect today, outside this plan's period, and count in none of its "
                  "targets; the history loaded from earlier systems counts in its own years)")
        for key, target in targets.items():
            delta = after[key] - before.get(key, Decimal(0))
            print(f"  {target['label']}: {before.get(key, 0)} → {after[key]} (+{delta}) of {target['goal']} {target['unit']}")
        print("\nsummary (created or moved now / already there):")
        for kind in sorted(set(self.created) | set(self.existing)):
            print(f"  {kind}: {self.created[kind]} / {self.existing[kind]}")
        print(f"state: {self.state_path}")
        return {"before": {k: str(v) for k, v in before.items()}, "after": {k: str(v) for k, v in after.items()},
                "created": {k: v for k, v in self.created.items() if v},
                "existing": {k: v for k, v in self.existing.items() if v}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name, port in (("registry", 8101), ("transactions", 8102), ("finance", 8103), ("talent", 8104),
                       ("metrics", 8105), ("innovation", 8107)):
        parser.add_argument(f"--{name}", default=f"http://127.0.0.1:{port}", help=f"{name} base URL")
    parser.add_argument("--identity", default=os.environ.get("OIDC_ISSUER") or DEFAULTS["OIDC_ISSUER"],
                        help="the identity service (the issuer the services trust; OIDC_ISSUER)")
    parser.add_argument("--credentials", help=f"the identity service's development credentials file, with dev-admin's "
                                              f"password and TOTP secret (default {DEV_CREDENTIALS})")
    parser.add_argument("--state", default=str(REPO / ".run" / "demo-state.json"),
                        help="where the ids of records without a natural key are kept between runs")
    parser.add_argument("--json", help="also write the before/after figures and counts to this file")
    args = parser.parse_args(argv)
    try:
        result = Demo(args).run()
    except DemoError as exc:
        print(f"\ndemo stopped: {exc}", file=sys.stderr)
        return 1
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
