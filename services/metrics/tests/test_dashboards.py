"""deploy/grafana: the committed dashboards are the generator's output, and every panel's query of
every dashboard is valid PromQL that returns data from a real Prometheus scraping real running
services.

The integration test runs all seven services (registry, transactions, finance, talent, metrics, innovation, delivery)
under `nameko run` against the real local servers, with their own databases, topic prefix and
ports, and a real Prometheus whose configuration is the committed `deploy/prometheus/prometheus.yml`
(its seven jobs, targets moved to the test's ports, 2 s intervals) with the committed rules. It then
drives a small working day through the services' HTTP APIs (an accredited service institution, a
university's annual report, an achievement registered and published, a broker, an approved
transformation project, a ledger task update, a brokered contract registered from the published
achievement) plus one redelivered record and one undecodable record, and checks that
- the event pipeline dashboard counts that dead letter and those duplicates;
- every panel's query (template variables as Grafana sends them by default) returns data; a
  failure names the dashboard, the panel and the query;
- the service RED dashboard shows all seven services on every panel and in its `$service` variable;
- every rule of `deploy/prometheus/rules.yml` is loaded and evaluates, and every recording rule has
  data (the per-service HTTP ones for all seven services)."""
import datetime
import http.server
import importlib.util
import json
import os
import re
import shutil
import subprocess
import threading

import pytest
import requests
import yaml
from nameko.testing.utils import find_free_port

from ttp_common.paths import REPO_ROOT
from ttp_common.reference import uscc_check_character
from ttp_testing import header, nameko_run, produce_raw, read_topic, tokens, unique, wait_for
from ttp_testing.plans import plans_dir
from ttp_tools.services import PAGE_SERVICES

GRAFANA_DIR = REPO_ROOT / "deploy" / "grafana"
PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"


def generator():
    spec = importlib.util.spec_from_file_location("ttp_grafana_generate", GRAFANA_DIR / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def committed():
    return {path.name: path.read_text("utf-8") for path in sorted((GRAFANA_DIR / "dashboards").glob("*.json"))}


def test_the_committed_dashboards_are_the_generators_output():
    assert committed() == generator().generate(), "run .venv/bin/python deploy/grafana/generate.py"


def test_dashboards_have_chinese_titles_and_use_the_provisioned_datasource():
    titles = {json.loads(text)["title"] for text in committed().values()}
    assert "四川省科技成果转移转化规划目标进度" in titles and len(titles) == 4
    provisioned = yaml.safe_load((GRAFANA_DIR / "provisioning" / "datasources" / "prometheus.yaml").read_text("utf-8"))
    uid = provisioned["datasources"][0]["uid"]
    for text in committed().values():
        for p in json.loads(text)["panels"]:
            for target in p.get("targets") or []:
                assert target["datasource"]["uid"] == uid


# -- against a real Prometheus ------------------------------------------------------------
#
# All seven services run under `nameko run` against the real local servers (their own databases,
# topic prefix and ports), a real Prometheus scrapes them every second with the committed scrape
# config and rules, and the test drives a small working day through their HTTP APIs.

SERVICES = ("registry", "transactions", "finance", "talent", "metrics", "innovation", "delivery")
PLATFORM_ENTRYPOINTS = {"health", "metrics", "openapi"}  # what Prometheus and the readiness probe call
RATE_INTERVAL = "1m"  # what Grafana makes of $__rate_interval for a datasource scraped every 15 s


def prometheus_config(ports, path):
    """deploy/prometheus/prometheus.yml as committed (its seven jobs, honor_labels, labels, rule files), with
    each job's target moved to the test's port of its service and every interval shortened to 2 s (a 1 s scrape
    timeout was too short for the metrics service on a loaded test machine, as in test_alerts_after_demo)."""
    config = yaml.safe_load((PROMETHEUS_DIR / "prometheus.yml").read_text("utf-8"))
    config["global"].update(scrape_interval="2s", scrape_timeout="2s", evaluation_interval="1s")
    config["rule_files"] = [str(PROMETHEUS_DIR / name) for name in config["rule_files"]]
    jobs = {}
    # the portal's pages (scraped in deployment) are not run here: no dashboard panel is about them
    config["scrape_configs"] = [job for job in config["scrape_configs"]
                                if job["static_configs"][0]["labels"]["service"] not in PAGE_SERVICES]
    for job in config["scrape_configs"]:
        [static] = job["static_configs"]
        service = static["labels"]["service"]
        static["targets"] = [f"127.0.0.1:{ports[service]}"]
        jobs[job["job_name"]] = service
    assert sorted(jobs.values()) == sorted(SERVICES), f"deploy/prometheus/prometheus.yml scrapes {jobs}"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), "utf-8")
    return jobs


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    binary = shutil.which("prometheus")
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus not installed: apt-get install -y prometheus (make system-deps)")
        pytest.skip("prometheus not installed (make system-deps)")
    tmp = tmp_path_factory.mktemp("dashboards")
    with nameko_run(SERVICES, tmp, prefix=f"{unique('dash')}.",
                    env={"CONSUMER_RETRY_BACKOFF_SECONDS": "0.05",
                         # the day's webhook receiver listens on 127.0.0.1 (refused in production)
                         "DELIVERY_ALLOW_PRIVATE_URLS": "true", "DELIVERY_POLL_SECONDS": "0.2",
                         # the day's work counts in a plan in force today; $plan starts on it (newest key first)
                         "METRICS_PLANS_DIR": str(plans_dir(in_force=True))}) as platform:
        ports = {name: int(url.rsplit(":", 1)[1]) for name, url in platform.urls.items()}
        jobs = prometheus_config(ports, tmp / "prometheus.yml")
        prom_port = find_free_port()
        prometheus = subprocess.Popen(
            [binary, f"--config.file={tmp / 'prometheus.yml'}", f"--storage.tsdb.path={tmp / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prom_port}"],
            stdout=open(tmp / "prometheus.log", "wb"), stderr=subprocess.STDOUT)
        urls = {**platform.urls, "prometheus": f"http://127.0.0.1:{prom_port}"}
        try:
            def ready():
                assert prometheus.poll() is None, f"prometheus exited:\n{platform.log_tail('prometheus')}"
                try:
                    return requests.get(urls["prometheus"] + "/-/ready", timeout=2).status_code == 200
                except requests.RequestException:
                    return False
            wait_for(ready, timeout=90, interval=0.25, message="prometheus to be ready")
            yield {"urls": urls, "prefix": platform.prefix, "jobs": jobs, "log_tail": platform.log_tail}
        finally:
            prometheus.terminate()
            try:
                prometheus.wait(timeout=20)
            except subprocess.TimeoutExpired:
                prometheus.kill()


def credit_code(first17):
    return first17 + uscc_check_character(first17)


class Day:
    """A small working day of the platform, through the services' HTTP APIs (the events then travel
    through the outboxes, Kafka and the consumers of transactions, finance, talent and metrics)."""

    def __init__(self, stack):
        self.stack, self.urls, self.prefix = stack, stack["urls"], stack["prefix"]
        self.admin = tokens.admin("dash-admin")

    def call(self, method, service, path, body=None, token=None, expect=(200, 201)):
        headers = {"Authorization": f"Bearer {token or self.admin}"}
        response = requests.request(method, self.urls[service] + path, json=body, headers=headers, timeout=15)
        assert response.status_code in expect, f"{method} {service} {path}: {response.status_code} {response.text}"
        return response.json()

    def consumed(self, service, handler):
        """Records ``service``'s ``handler`` processed, from its own /metrics."""
        text = requests.get(f"{self.urls[service]}/metrics", timeout=5).text
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("ttp_events_consumed_total{") and f'handler="{handler}"' in line
                   and 'outcome="processed"' in line)

    def counters_scraped(self):
        """Prometheus has the series the dead letter and the duplicates will increment (at 0)."""
        dead = prom(self.stack, "query", query=f'ttp_events_consumed_total{{outcome="dead_lettered", service="metrics", '
                                               f'topic="{self.prefix}ttp.talent.person"}}')["data"]["result"]
        skipped = prom(self.stack, "query", query='ttp_events_deduplicated_total{service=~"finance|talent|metrics", '
                                                  'handler=~"on_contract_registered|project_event"}')
        return dead and len(skipped["data"]["result"]) == 3

    def run(self):
        # delivery: a city's system subscribes to published achievements over webhooks (事件推送); its receiver
        # answers every delivery 204.
        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), WebhookReceiver)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        self.call("POST", "delivery", "/api/v1/subscriptions", {
            "url": f"http://127.0.0.1:{receiver.server_address[1]}/hook",
            "event_types": ["registry.achievement.published.v1"]},
            token=tokens.client("delivery:subscriptions:write", client_id="dash-city-system"))
        try:
            self.working_day()
            wait_for(lambda: WebhookReceiver.received, timeout=30, interval=0.25,
                     message="the published achievement delivered to the webhook")
        finally:
            receiver.shutdown()

    def working_day(self):
        # registry: a service institution registered and accredited (认定), a university filing its
        # annual report, and an achievement of programme 3 taken through registration to publication.
        institution = self.call("POST", "registry", "/api/v1/organizations", {
            "name": "绵阳科技城技术转移中心", "credit_code": "91510700MA6CUPTE11", "kind": "service_institution",
            "region_code": "510700"})["id"]
        self.call("POST", "registry", f"/api/v1/organizations/{institution}/accreditation", {})
        university = self.call("POST", "registry", "/api/v1/organizations", {
            "name": "四川某大学", "credit_code": credit_code("12510100MB0000001"), "kind": "university",
            "region_code": "510100", "supervising_department": "教育厅"})["id"]
        deals = {"count": 1, "amount_yuan": "500000.00"}
        self.call("POST", "registry", "/api/v1/annual-reports", {
            "year": 2025, "organization_id": university, "transfers": deals, "licences": deals,
            "equity_investments": {"count": 0, "amount_yuan": "0"}, "cooperation_contracts": deals,
            "rewards_paid_yuan": "100000.00", "rewarded_people": 3, "summary": "本年度成果转移转化工作总体成效。"},
            token=tokens.institution(university, "univ-clerk"))
        achievement = self.call("POST", "registry", "/api/v1/achievements", {
            "title": "高速列车转向架减振技术", "type": "applied", "summary": "面向高速列车转向架的主动减振控制技术。",
            "keywords": ["轨道交通", "减振"], "industry": "轨道交通装备", "programme": 3, "trl": 7,
            "region_code": "510100", "organization_ids": [university],
            "contributors": [{"name": "王五", "share": "100"}], "funding": {"fiscal": False}})["id"]
        for action in ("submit", "register", "publish"):
            self.call("POST", "registry", f"/api/v1/achievements/{achievement}/{action}", {})

        # talent: a broker; finance: a major transformation project approved; metrics: a ledger task.
        broker = self.call("POST", "talent", "/api/v1/people", {
            "name": "陈技术经纪人", "kinds": ["broker"], "organization_id": institution})["id"]
        body = {"title": "钒钛新材料成果转化", "category": "major", "programme": 2, "region_code": "510400",
                "organization_id": university, "responsible_department": "省经济和信息化厅", "budget": "3500000.00",
                "achievement_ids": [achievement]}
        # finance names only achievements its replica has seen registered (422 unknown_link until then)
        project = wait_for(lambda: (lambda r: r.json()["id"] if r.status_code == 201 else None)(requests.post(
            f"{self.urls['finance']}/api/v1/transformation-projects", json=body,
            headers={"Authorization": f"Bearer {self.admin}"}, timeout=15)),
            timeout=30, interval=0.25, message="finance to replicate the registered achievement")
        self.call("POST", "finance", f"/api/v1/transformation-projects/{project}/approve", {})
        self.call("PATCH", "metrics", "/api/v1/tasks/22", {"status": "in_progress", "note": "已建立年度工作台账"})
        # delivery: an administrator looks at the webhook subscriptions (事件推送)
        self.call("GET", "delivery", "/api/v1/subscriptions")
        # innovation: the university opens an instrument to others (共享设施); an incubator takes in a start-up
        # built on the achievement, once innovation's replica knows both (科技成果转化孵化率).
        self.call("POST", "innovation", "/api/v1/facilities", {
            "owner_organization_id": university, "kind": "instrument", "name": "场发射扫描电镜", "region_code": "510100",
            "terms": "工作日开放，按机时收费", "open_hours_per_year": 1000})
        startup = self.call("POST", "registry", "/api/v1/organizations", {
            "name": "成都某减振科技有限公司", "credit_code": credit_code("91510100MB0000002"), "kind": "enterprise",
            "region_code": "510100"})["id"]
        carrier = self.call("POST", "innovation", "/api/v1/carriers", {
            "name": "成都高新区孵化器", "kind": "incubator", "level": "national", "region_code": "510100",
            "operator_organization_id": institution})["id"]
        entry = {"enterprise_organization_id": startup, "entered_on": "2026-01-05", "achievement_ids": [achievement]}
        wait_for(lambda: requests.post(f"{self.urls['innovation']}/api/v1/carriers/{carrier}/incubations", json=entry,
                                       headers={"Authorization": f"Bearer {self.admin}"}, timeout=15).status_code == 201,
                 timeout=30, interval=0.25, message="innovation to replicate the start-up and the registered achievement")

        # innovation: a call for demonstration enterprises (示范企业); the start-up applies, the Chengdu reviewer
        # checks it and draws a panel of three experts of the field from talent's pool (never the start-up's own),
        # records their sheets, and the province designates it.
        field = unique("减振降噪")
        for org in (university, institution, None, None, None, startup):
            self.call("POST", "talent", "/api/v1/people", {"name": "评审专家", "kinds": ["expert"], "fields": [field],
                                                           "organization_id": org, "title": "研究员"})
        province, chengdu = tokens.reviewer("510000", "dash-province"), tokens.reviewer("510100", "dash-chengdu")
        closes = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        call = self.call("POST", "innovation", "/api/v1/designation-calls", {
            "kind": "demonstration_enterprise", "year": datetime.date.today().year, "title": "示范企业申报",
            "panel_size": 3, "expert_field": field, "closes_on": closes}, token=province)
        statements = {"organization_id": startup, "statements": {c["code"]: "近三年情况说明" for c in call["criteria"]}}
        application = wait_for(lambda: (lambda r: r.json()["id"] if r.status_code == 201 else None)(requests.post(
            f"{self.urls['innovation']}/api/v1/designation-calls/{call['id']}/applications", json=statements,
            headers={"Authorization": f"Bearer {tokens.institution(startup)}"}, timeout=15)),
            timeout=30, interval=0.25, message="innovation to replicate the start-up")
        path = f"/api/v1/designation-applications/{application}"
        self.call("POST", "innovation", f"{path}/eligibility", {}, token=chengdu)
        panel = wait_for(lambda: (lambda r: r.json()["panel"] if r.status_code == 200 else None)(requests.post(
            f"{self.urls['innovation']}{path}/panel", json={}, headers={"Authorization": f"Bearer {chengdu}"},
            timeout=15)), timeout=30, interval=0.5, message="talent's expert pool to answer the panel draw")
        for person in panel:
            self.call("POST", "innovation", f"{path}/scores", {
                "person_id": person, "scores": {c["code"]: 88 for c in call["criteria"]}}, token=chengdu)
        assert self.call("POST", "innovation", f"{path}/decision", {}, token=province)["status"] == "designated"

        # registry: the university's invention patent (发明专利) protecting the achievement, in force; the transfer
        # centre asks for an IP analysis and review (知识产权分析评议) of a major project built on it: a panel of three
        # from talent's pool (none of either organization), a majority signs the opinion.
        patent = self.call("POST", "registry", "/api/v1/ip-rights", {
            "kind": "invention_patent", "number": "ZL202010567890.X", "title": "一种高速列车转向架主动减振方法",
            "holder_organization_ids": [university], "status": "in_force", "filed_on": "2020-07-15",
            "granted_on": "2022-03-08", "achievement_ids": [achievement]})["id"]
        review = self.call("POST", "registry", "/api/v1/ip-reviews", {
            "subject_kind": "major_project", "subject": "高速列车转向架减振技术产业化重大项目", "reference": "2026ZD002",
            "requesting_organization_id": institution, "ip_right_ids": [patent], "expert_field": field,
            "panel_size": 3}, token=tokens.institution(institution))["id"]
        reviewers = wait_for(lambda: (lambda r: r.json()["panel"] if r.status_code == 200 else None)(requests.post(
            f"{self.urls['registry']}/api/v1/ip-reviews/{review}/panel", json={},
            headers={"Authorization": f"Bearer {self.admin}"}, timeout=15)),
            timeout=30, interval=0.5, message="talent's expert pool to answer the IP review's panel draw")
        self.call("POST", "registry", f"/api/v1/ip-reviews/{review}/opinion", {
            "conclusion": "supported", "opinion": "专利权属清晰、保护范围覆盖产品，可实施。", "signed_by": sorted(p["id"] for p in reviewers)[:2]})

        # transactions: once its replica has the published achievement, a licence contract of it,
        # brokered by the talent pool's broker, is submitted and registered (技术合同认定登记).
        wait_for(lambda: self.consumed("transactions", "on_achievement") >= 1, timeout=30, interval=0.25,
                 message="transactions to replicate the published achievement")
        contract = self.call("POST", "transactions", "/api/v1/contracts", {
            "contract_type": "licence", "title": "减振技术许可", "contract_amount": "500000.00",
            "technology_transaction_amount": "400000.00", "seller_organization_id": university,
            "buyer_organization_id": institution, "region_code": "510100", "achievement_id": achievement,
            "broker_person_ids": [broker]})["id"]
        self.call("POST", "transactions", f"/api/v1/contracts/{contract}/register", {})

        # The registered contract's record is delivered again (finance, talent and metrics skip it by its
        # ce_id), and a record nobody can decode goes to a dead-letter topic; Prometheus has seen both
        # counters before (at 0), as it would have in production.
        wait_for(self.counters_scraped, timeout=30, interval=0.5,
                 message="Prometheus to scrape the consumers' counters")
        topic = f"{self.prefix}ttp.transactions.contract"
        [record] = read_topic(topic, lambda r: r.key == contract.encode()
                              and header(r, "ce_type").endswith(".registered.v1"))
        produce_raw(topic, record.value, key=record.key, headers=record.headers)
        produce_raw(f"{self.prefix}ttp.talent.person", b"not an event", key=b"garbage")

        for service, handler in (("finance", "on_contract_registered"), ("talent", "on_contract_registered")):
            wait_for(lambda: self.consumed(service, handler) >= 1, timeout=30, interval=0.25,
                     message=f"{service} to handle the registered contract")
        wait_for(lambda: self.call("GET", "metrics", "/api/v1/progress")["counters"].get("contract_turnover_fen"),
                 timeout=30, interval=0.25, message="metrics to project the registered contract")


class WebhookReceiver(http.server.BaseHTTPRequestHandler):
    """A subscribing system's webhook: takes every delivery (204) and counts it."""
    received = 0

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received += 1
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def prom(stack, path, **params):
    response = requests.get(f"{stack['urls']['prometheus']}/api/v1/{path}", params=params, timeout=10)
    return response.json()


def variables(doc, stack):
    """{"$name": value} of a dashboard's template variables as Grafana sends them with their default
    (All: the allValue, or every value the variable's label_values() query finds; no default: the first
    value in the variable's sort order, 1 alphabetical, 2 alphabetical descending), and those values."""
    found = {}
    for var in (doc.get("templating") or {}).get("list", []):
        assert var["type"] == "query", var
        values = variable_values(doc, var, stack)
        current = (var.get("current") or {}).get("value")
        if current in ("$__all", ["$__all"]):
            value = var.get("allValue") or "(" + "|".join(map(re.escape, values)) + ")"
        elif current is None:
            assert values and var.get("sort") in (0, 1, 2), f"{doc['title']}: {var['name']} has no value to start from"
            value = values[0] if not var.get("sort") else sorted(values, reverse=var["sort"] == 2)[0]
        else:
            value = var["current"]["value"]
        found[var["name"]] = (value, values)
    return found


def variable_values(doc, var, stack):
    """A query variable's options as Grafana finds them: label_values(metric, label), or query_result(expr) with
    the variable's regex applied to each series of the instant query's answer, in the answer's order."""
    query = var["query"]
    match = re.fullmatch(r"label_values\((\w+),\s*(\w+)\)", query)
    if match:
        metric, label = match.groups()
        return prom(stack, f"label/{label}/values", **{"match[]": metric})["data"]
    match = re.fullmatch(r"query_result\((.+)\)", query)
    assert match and var.get("regex"), (f"{doc['title']}: variable {var['name']} query {query!r} is neither "
                                        "label_values(metric, label) nor query_result(expr) with a regex")
    pattern = re.compile(var["regex"].strip("/"))
    values = []
    for series in prom(stack, "query", query=match.group(1))["data"]["result"]:
        labels = ",".join(f'{k}="{v}"' for k, v in sorted(series["metric"].items()))
        found = pattern.search(f"{series['metric'].get('__name__', '')}{{{labels}}} {series['value'][1]}")
        if found and found.group(1) not in values:
            values.append(found.group(1))
    return values


def concrete(expr, substitutions):
    expr = expr.replace("$__rate_interval", RATE_INTERVAL)
    for name, value in sorted(substitutions.items(), key=lambda item: -len(item[0])):
        expr = expr.replace(f"${{{name}}}", value).replace(f"${name}", value)
    return expr


def panels(stack):
    """(dashboard file, dashboard title, panel title, expr as committed, expr as Grafana sends it)."""
    found = []
    for name, text in committed().items():
        doc = json.loads(text)
        substitutions = {var: value for var, (value, _) in variables(doc, stack).items()}
        for title, panel_title, expr in generator().panel_queries(text):
            found.append((name, title, panel_title, expr, concrete(expr, substitutions)))
    return found


def without_data(stack, queries):
    """What is wrong with every query that is invalid or returns nothing."""
    problems = []
    for name, title, panel_title, _, expr in queries:
        body = prom(stack, "query", query=expr)
        if body.get("status") != "success":
            problems.append(f"{name} «{title}» panel «{panel_title}»: invalid query {expr!r}: {body.get('error')}")
        elif not body["data"]["result"]:
            problems.append(f"{name} «{title}» panel «{panel_title}»: no data for {expr!r}")
    return problems


def rules_file():
    return yaml.safe_load((PROMETHEUS_DIR / "rules.yml").read_text("utf-8"))


@pytest.mark.integration
def test_every_panel_query_returns_data_from_a_real_prometheus(stack):
    Day(stack).run()
    # the variables' options come from what Prometheus has scraped (the plans of the metrics service)
    wait_for(lambda: prom(stack, "query", query="ttp_plan_followed")["data"]["result"], timeout=60, interval=1,
             message="Prometheus to scrape the metrics service's plans")
    queries = panels(stack)
    assert len(queries) > 30 and {q[0] for q in queries} == set(committed())

    # The day's dead letter and redelivery show as such on the event pipeline dashboard (its
    # increase()/rate() panels see them only if the counters existed at 0 before: consumer.py).
    pipeline = {panel_title: expr for name, _, panel_title, _, expr in queries if name == "event-pipeline.json"}
    dead = f"{stack['prefix']}ttp.talent.person"

    def pipeline_shows_the_day():
        letters = {(s["metric"]["service"], s["metric"]["topic"]): float(s["value"][1])
                   for s in prom(stack, "query", query=pipeline["最近1小时死信（条）"])["data"]["result"]}
        skipped = {s["metric"]["service"]: float(s["value"][1])
                   for s in prom(stack, "query", query=pipeline["重复投递被去重（次/秒）"])["data"]["result"]}
        return (letters.get(("metrics", dead), 0) >= 0.5
                and all(skipped.get(service, 0) > 0 for service in ("finance", "talent", "metrics")),
                letters, skipped)

    try:
        wait_for(lambda: pipeline_shows_the_day()[0], timeout=30, interval=1,
                 message="the dead letter and the redelivery on the event pipeline dashboard")
    except AssertionError:
        _, letters, skipped = pipeline_shows_the_day()
        pytest.fail(f"event-pipeline.json: dead letters {letters}, deduplicated/s {skipped}")

    # Every committed panel of every dashboard: valid PromQL that returns data. No exclusions.
    problems = []

    def all_have_data():
        problems[:] = without_data(stack, queries)
        return not problems

    try:
        wait_for(all_have_data, timeout=60, interval=1, message="every panel to have data")
    except AssertionError:
        targets = [(t["labels"].get("job"), t["health"], t["lastError"])
                   for t in prom(stack, "targets")["data"]["activeTargets"]]
        pytest.fail(f"{len(problems)} of {len(queries)} panel queries fail:\n" + "\n".join(problems)
                    + f"\nscrape targets: {targets}")
    for name, title, panel_title, expr, _ in queries:  # and valid as written with any variable value
        body = prom(stack, "query", query=concrete(expr, {"service": "x"}))
        assert body["status"] == "success", f"{name} «{title}» panel «{panel_title}»: {expr!r}: {body.get('error')}"

    # The plan dashboards offer every plan the service measures in $plan and start on the followed one
    # (METRICS_PLAN unset: the one in force); the panels show the selected plan only.
    for name in ("plan-targets.json", "plan-breakdowns.json"):
        value, values = variables(json.loads(committed()[name]), stack)["plan"]
        assert (value, sorted(values)) == ("test-in-force", ["sichuan-2016-2020", "test-in-force"]), name
    for name, title, panel_title, _, expr in queries:
        if name.startswith("plan-") and "plan=" in expr:
            shown = {s["metric"].get("plan") for s in prom(stack, "query", query=expr)["data"]["result"]}
            assert shown <= {"test-in-force", None}, f"{name} panel «{panel_title}»: {expr!r} shows plans {shown}"

    # The service RED dashboard shows every one of the seven services, on every panel and in $service.
    red = json.loads(committed()["service-red.json"])
    assert sorted(variables(red, stack)["service"][1]) == sorted(SERVICES)
    jobs = stack["jobs"]
    for name, title, panel_title, _, expr in queries:
        if name != "service-red.json":
            continue
        result = prom(stack, "query", query=expr)["data"]["result"]
        shown = {series["metric"].get("service") for series in result}
        assert shown == set(SERVICES), f"{name} panel «{panel_title}»: {expr!r} shows services {shown}"
        if expr.startswith("up"):
            assert {series["metric"]["job"] for series in result} == set(jobs), f"panel «{panel_title}»: {result}"
        if "entrypoint)" in expr:  # 各入口调用速率: each service served API calls, not only probes and scrapes
            business = {s["metric"]["service"] for s in result if s["metric"]["entrypoint"] not in PLATFORM_ENTRYPOINTS}
            assert business == set(SERVICES), f"panel «{panel_title}»: API calls seen only for {business}"

    # Every rule of deploy/prometheus/rules.yml is loaded and evaluates without error; every recording
    # rule has data, the per-service HTTP ones for all seven services.
    committed_rules = {rule.get("record") or rule.get("alert"): rule
                       for group in rules_file()["groups"] for rule in group["rules"]}

    def loaded():
        body = prom(stack, "rules")
        assert body["status"] == "success", body
        rules = {rule["name"]: rule for group in body["data"]["groups"] for rule in group["rules"]}
        return rules if all(rules.get(name, {}).get("health") == "ok" for name in committed_rules) else None

    try:
        rules = wait_for(loaded, timeout=20, interval=0.5, message="every rule to evaluate")
    except AssertionError:
        body = prom(stack, "rules")
        state = {rule["name"]: (rule["health"], rule.get("lastError")) for group in body["data"]["groups"]
                 for rule in group["rules"]}
        pytest.fail(f"rules not loaded or not evaluating: { {n: state.get(n) for n in committed_rules} }")
    assert set(rules) == set(committed_rules)
    for name, rule in committed_rules.items():
        if "record" not in rule:
            continue
        per_service = name.startswith("service:ttp_http") or name.startswith("service_kind:")

        def evaluated(name=name, per_service=per_service):
            # A rate needs two scrapes of each service: wait for the slowest service's second one too.
            result = prom(stack, "query", query=name)["data"]["result"]
            shown = {series["metric"]["service"] for series in result}
            return result if result and (not per_service or shown == set(SERVICES)) else None

        try:
            wait_for(evaluated, timeout=20, interval=0.5,
                     message=f"recording rule {name} ({rule['expr'].strip()!r}) to have data")
        except AssertionError:
            result = prom(stack, "query", query=name)["data"]["result"]
            assert result, f"recording rule {name} ({rule['expr'].strip()!r}) has no data"
            shown = {series["metric"]["service"] for series in result}
            assert shown == set(SERVICES), f"recording rule {name}: services {shown}"
