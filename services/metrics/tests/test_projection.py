"""Events in, figures out: valid events are published with the backbone onto the real Kafka
topics, the real service projects them into every plan whose period holds their date (the packaged
2016-2020 plan and a test plan for 2021-2025); redelivery changes nothing and a rebuild from the
topics reproduces the same figures of every plan."""
import datetime as dt
from decimal import Decimal

import pytest

from ttp_testing import event_message, marks, publish_event as publish, redeliver, service_api_fixture, wait_for
from ttp_testing.plans import plans_dir

from metrics.handlers.projection import HANDLER
from metrics.rebuild import rebuild

pytestmark = pytest.mark.integration
LATER = "test-2021-2025"
api = service_api_fixture("metrics", METRICS_PLANS_DIR=str(plans_dir((LATER, "2021-01-01", "2025-12-31"))))

T2018 = dt.datetime(2018, 5, 4, 2, tzinfo=dt.timezone.utc)
T2019 = dt.datetime(2019, 3, 2, 2, tzinfo=dt.timezone.utc)


def approved(project_id, category, programme, region, department="科技厅"):
    return {"project_id": project_id, "title": "成果转化项目", "category": category, "programme": programme,
            "region_code": region, "organization_id": "org-1", "responsible_department": department,
            "budget": Decimal("1200000.00"), "achievement_ids": [], "approved_at": T2018}


def contract(contract_id, amount, turnover, region, contract_type, programme=None):
    return {"contract_id": contract_id, "registration_number": "5101002018000001", "contract_type": contract_type,
            "contract_amount": Decimal(amount), "technology_transaction_amount": Decimal(turnover),
            "seller_organization_id": "org-1", "region_code": region, "registered_at": T2019,
            "buyer_organization_id": None, "achievement_id": None, "programme": programme, "listing_id": None,
            "auction_id": None, "broker_person_ids": []}


def progress(api, plan="sichuan-2016-2020"):
    return api.get(f"/api/v1/progress?as_of=2019-01-01&plan={plan}").json()


def target(api, key):
    return next(t for t in progress(api)["targets"] if t["key"] == key)


def breakdown(row, dimension, field, bucket):
    return next(b["value"] for b in row["breakdowns"][dimension] if b[field] == bucket)


def snapshot(api):
    """Everything a reader sees, minus wall-clock fields that a rebuild rightly renews."""
    tasks = api.get("/api/v1/tasks?as_of=2019-01-01").json()
    return {"progress": progress(api), "later": progress(api, LATER), "plans": api.get("/api/v1/plans").json(),
            "tasks": tasks, "compliance": api.get("/api/v1/compliance").json(),
            "compliance_2018": api.get("/api/v1/compliance/2018").json(),
            "applied": api.get("/api/v1/pipeline").json()["events_applied"]}


@pytest.fixture(scope="module")
def fed(api):
    """The service after a realistic batch of events from four services."""
    publish(api, "finance.transformation_project.approved.v1", approved("p1", "major", 1, "510100"), "p1")
    publish(api, "finance.transformation_project.approved.v1", approved("p2", "major", 14, "510700"), "p2")
    publish(api, "finance.transformation_project.approved.v1",
            approved("p3", "promoted", 12, "511300", department="农业厅"), "p3")
    legacy = approved("p0", "promoted", 12, "511300", department="农业厅")
    del legacy["budget"], legacy["achievement_ids"], legacy["approved_at"]
    publish(api, "finance.project.approved.v1", legacy, "p0", time=dt.datetime(2017, 6, 1, tzinfo=dt.timezone.utc))
    for org, region in (("s1", "510100"), ("s2", "510700")):
        publish(api, "registry.organization.accredited.v1",
                {"organization_id": org, "region_code": region, "accredited_at": T2018, "basis": None}, org)
    publish(api, "registry.organization.accreditation_revoked.v1",
            {"organization_id": "s2", "region_code": "510700", "revoked_at": T2019, "reason": "不再符合条件"}, "s2")
    publish(api, "transactions.contract.registered.v1",
            contract("c1", "1500000.50", "1200000.25", "510100", "transfer", programme=1), "c1")
    publish(api, "transactions.contract.registered.v1", contract("c2", "300000.00", "0.10", "510600", "service"), "c2")
    # registered in the 2019 system, in force from 2022 by its registration date: the later plan counts it
    publish(api, "transactions.contract.registered.v1",
            {**contract("c3", "5000.00", "4000.00", "510100", "licence"), "effective_date": dt.date(2022, 3, 1)}, "c3")
    for org, name, kind, department in (("u1", "四川大学", "university", "教育厅"),
                                        ("i1", "四川省农业科学院", "institute", "农业厅"),
                                        ("e1", "某某科技有限公司", "enterprise", None)):
        publish(api, "registry.organization.registered.v1",
                {"organization_id": org, "name": name, "credit_code": "91510100MA61234567", "kind": kind,
                 "region_code": "510100", "supervising_department": department}, org, time=T2018)
    base = {"region_code": "510100", "year": 2018}
    money = {f"{k}_yuan": Decimal("0.00") for k in ("transfers", "licences", "equity_investments",
                                                     "cooperation_contracts", "rewards_paid")}
    publish(api, "registry.annual_report.submitted.v1",
            {**base, **money, "report_id": "u1:2018", "organization_id": "u1", "supervising_department": "教育厅",
             "late": True, "transfers_count": 0, "licences_count": 0, "equity_investments_count": 0,
             "cooperation_contracts_count": 0, "rewarded_people": 0}, "u1:2018")
    publish(api, "registry.annual_report.missing.v1",
            {**base, "report_id": "i1:2018", "organization_id": "i1", "supervising_department": "农业厅"}, "i1:2018")
    # figures without a date of their own count on their CloudEvents time
    publish(api, "talent.person.registered.v1", {"person_id": "x1", "kinds": ["broker"], "organization_id": None},
            "x1", time=T2018)
    publish(api, "talent.person.post_registered.v1", {"person_id": "x1", "post_id": "p1", "organization_id": "u1",
                                                      "post_kind": "transfer_post", "starts_on": dt.date(2018, 3, 1)}, "x1",
            time=T2018)
    publish(api, "talent.broker.certified.v1", {"person_id": "x1", "certificate_number": "SCTB-2018-J-00001",
                                                "level": "junior", "valid_from": dt.date(2018, 6, 1),
                                                "valid_until": dt.date(2021, 5, 31)}, "x1", time=T2018)
    wait_for(lambda: api.get("/api/v1/pipeline").json()["events_applied"] == 18, timeout=30,
             message="18 events to be projected")
    return api


def test_targets_and_breakdowns_move(fed):
    projects = target(fed, "transformation_projects")
    assert projects["value"] == "4" and projects["ratio"] == 4 / 2000
    assert target(fed, "major_transformation_projects")["value"] == "2"
    assert target(fed, "promoted_technologies")["value"] == "2"  # one of them from the deprecated event
    assert breakdown(projects, "programme", "programme", 12) == "2"
    assert breakdown(projects, "region", "code", "511300") == "2"
    assert projects["breakdowns"]["department"] == [{"department": "农业厅", "value": "2"},
                                                    {"department": "科技厅", "value": "2"}]
    assert projects["breakdowns"]["year"] == [{"year": 2017, "value": "1"}, {"year": 2018, "value": "3"}]
    institutions = target(fed, "service_institutions")
    assert institutions["value"] == "1"  # two accredited, one revoked
    assert breakdown(institutions, "region", "code", "510700") == "0"
    assert institutions["breakdowns"]["year"] == [{"year": 2018, "value": "2"}, {"year": 2019, "value": "-1"}]
    turnover = target(fed, "contract_turnover_yuan")
    assert turnover["value"] == "1200000.35"  # exact: 1200000.25 + 0.10
    assert breakdown(turnover, "contract_type", "contract_type", "service") == "0.10"
    assert target(fed, "contract_amount_yuan")["value"] == "1800000.50"
    indicators = {i["key"]: i["value"] for i in progress(fed)["indicators"]}
    assert indicators == {"organizations_registered": "3", "contracts_registered": "2",
                          "verified_technical_income_yuan": "0.00", "people_registered": "1",
                          "achievements_published": "0", "achievements_registered": "0",
                          "certified_brokers": "1", "transfer_posts": "1",
                          "talent_programme_participants": "0"}


def test_each_plan_counts_what_took_effect_in_its_period(fed):
    later = {t["key"]: t for t in progress(fed, LATER)["targets"]}
    assert later["contract_turnover_yuan"]["value"] == "4000.00"  # c3 alone
    assert later["contract_turnover_yuan"]["breakdowns"]["year"] == [{"year": 2022, "value": "4000.00"}]
    assert later["transformation_projects"]["value"] == "0" and later["service_institutions"]["value"] == "0"
    assert {t["key"]: t["value"] for t in progress(fed)["targets"]}["contract_turnover_yuan"] == "1200000.35"
    plans = fed.get("/api/v1/plans?as_of=2023-06-01").json()
    assert [(p["key"], p["status"]) for p in plans["plans"]] == [("sichuan-2016-2020", "ended"), (LATER, "in_force")]
    assert plans["followed"] == LATER  # the one in force on that day
    assert fed.get("/api/v1/progress?as_of=2023-06-01").json()["plan"]["key"] == LATER
    ended = {t["key"]: t for t in progress(fed)["targets"]}
    assert fed.get("/api/v1/progress?as_of=2023-06-01&plan=sichuan-2016-2020").json()["targets"][0]["behind"] is False
    assert ended["transformation_projects"]["behind"] is True  # on 2019-01-01 it was in force, and behind


def test_compliance_per_year_and_department(fed):
    year = fed.get("/api/v1/compliance/2018").json()
    assert year["totals"] == {"on_time": 0, "late": 1, "missing": 1, "pending": 0}
    departments = {d["department"]: d for d in year["departments"]}
    assert departments["教育厅"]["organizations"][0]["name"] == "四川大学"
    assert departments["教育厅"]["late"] == 1 and departments["农业厅"]["missing"] == 1
    assert fed.get("/api/v1/compliance").json()["years"][0]["totals"]["late"] == 1
    assert fed.get("/api/v1/compliance/2017").json()["totals"]["pending"] == 2  # filed nothing for 2017 yet


def test_prometheus_gauges_move(fed):
    lines = fed.get("/metrics").text.splitlines()
    plan = 'plan="sichuan-2016-2020"'
    assert f'ttp_target_value{{{plan},target="transformation_projects",unit="count"}} 4.0' in lines
    assert f'ttp_target_value{{{plan},target="contract_turnover_yuan",unit="yuan"}} 1.20000035e+06' in lines
    assert f'ttp_target_value{{plan="{LATER}",target="contract_turnover_yuan",unit="yuan"}} 4000.0' in lines
    assert (f'ttp_target_value_by_region{{{plan},region="511300",region_name="南充市",'
            'target="transformation_projects",unit="count"} 2.0') in lines
    assert (f'ttp_target_value_by_programme{{{plan},programme="12",programme_name="特色现代农业产业科技成果转化专项",'
            'target="promoted_technologies",unit="count"} 2.0') in lines
    assert f'ttp_target_value_by_year{{{plan},target="service_institutions",unit="count",year="2019"}} -1.0' in lines
    assert f'ttp_target_value_by_year{{plan="{LATER}",target="contract_turnover_yuan",unit="yuan",year="2022"}} 4000.0' \
        in lines
    assert f'ttp_plan_in_force{{{plan}}} 0.0' in lines and f'ttp_plan_followed{{{plan}}} 0.0' in lines
    assert f'ttp_plan_in_force{{plan="{LATER}"}} 0.0' in lines  # today both have ended: the later one is followed
    assert f'ttp_plan_followed{{plan="{LATER}"}} 1.0' in lines
    assert 'ttp_annual_reports{status="missing",year="2018"} 1.0' in lines
    assert "ttp_projection_events_applied 18.0" in lines
    assert any(line.startswith("ttp_projection_last_event_timestamp_seconds ") for line in lines)

    def caught_up():  # offsets are committed just after the handlers finish; lag is cached 5 s
        lag = [line for line in fed.get("/metrics").text.splitlines()  # the projection's group, not innovation's
               if line.startswith("ttp_consumer_lag{") and ".project_event" in line]
        topics = {line.split('topic="')[1].split('"')[0] for line in lag}
        return len(topics) == 9 and all(line.endswith(" 0.0") for line in lag)
    wait_for(caught_up, timeout=15, interval=1, message="consumer lag 0 on every consumed topic")


def test_a_redelivered_event_changes_nothing(fed):
    before = snapshot(fed)
    message = event_message(fed, "talent.person.registered.v1",
                            {"person_id": "x2", "kinds": ["expert"], "organization_id": None}, "x2", time=T2019)
    for _ in range(2):  # the same ce_id twice
        redeliver(message)
    publish(fed, "talent.person.registered.v1", {"person_id": "x3", "kinds": ["mentor"], "organization_id": None},
            "x3", time=T2019)
    wait_for(lambda: fed.get("/api/v1/pipeline").json()["events_applied"] == before["applied"] + 2,
             message="the distinct events")
    # the projection's marks (the trace's consumer keeps marks of its own)
    wait_for(lambda: marks(fed.db, HANDLER) == before["applied"] + 2)
    indicators = {i["key"]: i["value"] for i in progress(fed)["indicators"]}
    assert indicators["people_registered"] == "3"  # x1, x2 once, x3


def test_a_rebuild_from_the_topics_reproduces_every_figure(fed):
    admin = fed.token("admin", sub="rebuild-admin")
    assert fed.request("PATCH", "/api/v1/tasks/1", json={"status": "in_progress"}, token=admin).status_code == 200
    assert fed.request("PATCH", "/api/v1/tasks/1", json={"note": "已立项4项"}, token=admin).status_code == 200
    task_events = [row["event_id"] for row in fed.db.outbox.find({"type": "cn.gov.sc.ttp.metrics.task.updated.v1"})]
    assert len(task_events) == 2
    wait_for(lambda: all(marks(fed.db, HANDLER, ce_id) for ce_id in task_events), message="the task events to come back")
    before = snapshot(fed)
    task = next(t for t in before["tasks"]["tasks"] if t["id"] == "1")
    assert (task["status"], task["note"], task["revision"]) == ("in_progress", "已立项4项", 2)

    trace = wait_for(lambda: (lambda r: r.json() if r.status_code == 200 else None)(
        fed.get("/api/v1/trace/contracts/c2", token=admin)), message="the contract's trace")
    fed.db["counters"].update_one({"_id": "sichuan-2016-2020/service_institutions"}, {"$inc": {"value": 500}})
    assert target(fed, "service_institutions")["value"] == "501"
    fed.db["trace_entries"].delete_many({})  # a lost trace comes back from the topics too
    stats = rebuild(fed.config)
    assert stats["applied"] == before["applied"] and stats["undecodable"] == 0
    assert stats["records"] == stats["applied"] + 1  # the duplicate
    assert stats["traced"] >= len(trace["entries"]) == 1
    assert snapshot(fed) == before
    assert fed.get("/api/v1/trace/contracts/c2", token=admin).json() == trace



def test_the_rebuild_cli_reads_the_service_config_and_is_repeatable(fed, monkeypatch):
    from metrics.rebuild import main

    before = snapshot(fed)
    for name, value in {"MONGO_URI": fed.config["MONGO_URI"], "METRICS_MONGO_DB": fed.config["MONGO_DB"],
                        "KAFKA_BOOTSTRAP": fed.config["KAFKA_BOOTSTRAP"],
                        "KAFKA_TOPIC_PREFIX": fed.config["KAFKA_TOPIC_PREFIX"],
                        "METRICS_PLANS_DIR": fed.config["METRICS_PLANS_DIR"]}.items():
        monkeypatch.setenv(name, value)
    assert main([]) == 0  # services/metrics/config.yaml, as `ttp-metrics-rebuild` runs it
    assert snapshot(fed) == before
