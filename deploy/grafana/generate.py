"""Grafana dashboards of the TTP platform, generated from code with grafana-foundation-sdk.

    .venv/bin/python deploy/grafana/generate.py           # writes deploy/grafana/dashboards/*.json
    .venv/bin/python deploy/grafana/generate.py --check   # exits 1 when the committed JSON differs

The JSON files are committed (Grafana provisions them from disk); a test checks that they equal
this generator's output and that every panel's query returns data from a real Prometheus.
Every query uses the datasource of the provisioning file (uid ``ttp-prometheus``); the only
template variables are ``$service`` (RED dashboard), ``$plan`` (the plan dashboards: every plan the
metrics service measures, starting on the followed one) and Grafana's ``$__rate_interval``.
"""
import argparse
import json
import sys
from pathlib import Path

from grafana_foundation_sdk.builders import bargauge, dashboard, gauge, prometheus, stat, table, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import (
    DataSourceRef, Threshold, ThresholdsMode, VariableOption, VariableRefresh, VariableSort)

OUT = Path(__file__).parent / "dashboards"
DATASOURCE = DataSourceRef(type_val="prometheus", uid="ttp-prometheus")

# The plans' targets (services/metrics/metrics/plans/*.yaml), leadership titles; the goals are the selected plan's.
TARGETS = (
    ("transformation_projects", "科技成果转化项目"),
    ("major_transformation_projects", "重大科技成果转化项目"),
    ("promoted_technologies", "推广应用先进适用技术成果"),
    ("service_institutions", "专业化服务机构"),
    ("contract_turnover_yuan", "技术合同登记交易额"),
    ("contract_amount_yuan", "技术合同登记成交额（合同金额）"),
)
PLAN = 'plan="$plan"'


def plan_variable():
    """The plan shown: every plan the metrics service measures, starting on the one the home page and the alerts
    follow (``ttp_plan_followed`` is 1 for it and 0 for the others: sorted by value, it comes first, and Grafana
    starts a variable without a saved value on its first option)."""
    return (dashboard.QueryVariable("plan").label("规划").datasource(DATASOURCE)
            .query("query_result(sort_desc(ttp_plan_followed))").regex('/plan="([^"]+)"/')
            .refresh(VariableRefresh.ON_TIME_RANGE_CHANGED).sort(VariableSort.DISABLED))


class Ids:
    """Panel ids and query refIds, stable so that the generated JSON is deterministic."""

    def __init__(self):
        self.panel = 0

    def next(self):
        self.panel += 1
        return self.panel


def query(expr, legend=None, ref="A", instant=False):
    q = prometheus.Dataquery().expr(expr).ref_id(ref).datasource(DATASOURCE)
    if legend:
        q = q.legend_format(legend)
    return q.instant() if instant else q.range()


def panel(builder, ids, title, queries, width, height, unit=None, description=None):
    p = builder.id(ids.next()).title(title).datasource(DATASOURCE).span(width).height(height)
    for i, q in enumerate(queries):
        expr, legend = q if isinstance(q, tuple) else (q, None)
        p = p.with_target(query(expr, legend, ref=chr(ord("A") + i),
                                instant=isinstance(builder, (gauge.Panel, bargauge.Panel, stat.Panel, table.Panel))))
    if unit:
        p = p.unit(unit)
    if description:
        p = p.description(description)
    return p


def thresholds(*steps):
    return dashboard.ThresholdsConfig().mode(ThresholdsMode.ABSOLUTE).steps(
        [Threshold(value=v, color=c) for v, c in steps])


def base(uid, title, description, tags):
    return (dashboard.Dashboard(title).uid(uid).description(description).tags(["ttp", *tags])
            .timezone("Asia/Shanghai").time("now-6h", "now").refresh("30s").readonly())


def plan_targets():
    ids = Ids()
    d = base("ttp-plan-targets", "四川省科技成果转移转化规划目标进度",
             "所选规划（$plan）三、主要目标：目标完成度、线性进度与工作台账（数据来自 metrics 服务；"
             "只计生效日期在规划期内的事项）", ["plan"])
    d = d.with_variable(plan_variable())
    d = d.with_row(dashboard.Row("规划状态与目标完成度").id(ids.next()))
    d = d.with_panel(panel(stat.Panel(), ids, "规划实施中（1）/ 未开始或已结束（0）",
                           [(f"ttp_plan_in_force{{{PLAN}}}", "{{plan}}")], 6, 4,
                           description="已结束的规划显示最终数字与各目标是否完成，不再有进度告警"))
    d = d.with_panel(panel(stat.Panel(), ids, "目标已完成（1）/ 未完成（0）",
                           [(f"ttp_target_met{{{PLAN}}}", "{{target}}")], 18, 4)
                     .thresholds(thresholds((None, "orange"), (1, "green"))))
    for key, title in TARGETS:
        d = d.with_panel(panel(gauge.Panel(), ids, title,
                               [f'ttp_target_value{{{PLAN}, target="{key}"}} / ttp_target_goal{{{PLAN}, target="{key}"}}'],
                               4, 7, unit="percentunit").min(0).max(1)
                         .thresholds(thresholds((None, "red"), (0.6, "orange"), (0.9, "green"))))
    d = d.with_row(dashboard.Row("线性进度（按规划期匀速推进的预期值）").id(ids.next()))
    d = d.with_panel(panel(timeseries.Panel(), ids, "目标值趋势（项/家）",
                           [(f'ttp_target_value{{{PLAN}, unit="count"}}', "{{target}}")], 12, 8))
    d = d.with_panel(panel(timeseries.Panel(), ids, "技术合同登记额趋势（元）",
                           [(f'ttp_target_value{{{PLAN}, unit="yuan"}}', "{{target}}")], 12, 8, unit="currencyCNY"))
    d = d.with_panel(panel(bargauge.Panel(), ids, "实际值与线性预期值",
                           [(f'ttp_target_value{{{PLAN}, unit="count"}}', "{{target}} 实际"),
                            (f'ttp_target_expected{{{PLAN}, unit="count"}}', "{{target}} 预期")], 12, 8))
    d = d.with_panel(panel(timeseries.Panel(), ids, "线性进度比（实际/预期，实施中的规划低于0.9告警）",
                           [(f"ttp_target_value{{{PLAN}}} / (ttp_target_expected{{{PLAN}}} > 0)", "{{target}}")],
                           12, 8, unit="percentunit"))
    d = d.with_row(dashboard.Row("工作台账与年度报告").id(ids.next()))
    d = d.with_panel(panel(stat.Panel(), ids, "逾期任务数", ["ttp_tasks_overdue"], 4, 6)
                     .thresholds(thresholds((None, "green"), (1, "red"))))
    d = d.with_panel(panel(bargauge.Panel(), ids, "任务状态", [("ttp_tasks", "{{status}}")], 8, 6))
    d = d.with_panel(panel(table.Panel(), ids, "逾期任务（序号）", [("ttp_task_overdue == 1", "{{task}}")], 4, 6))
    d = d.with_panel(panel(bargauge.Panel(), ids, "高校院所年度报告报送情况",
                           [("ttp_annual_reports", "{{year}} {{status}}")], 8, 6))
    d = d.with_row(dashboard.Row("其他指标（无目标值）").id(ids.next()))
    d = d.with_panel(panel(bargauge.Panel(), ids, "机构、成果、合同与人才（累计）",
                           [(f"ttp_indicator_value{{{PLAN}}}", "{{indicator}}")], 24, 7,
                           description="方案跟踪但未设目标值的数字，如注册机构、公开成果、技术经纪人认证、转移转化岗"))
    return d


def breakdowns():
    ids = Ids()
    d = base("ttp-plan-breakdowns", "规划目标分地区、分专项统计",
             "所选规划（$plan）在21个市（州）、15个专项与5类技术合同的分布（metrics 服务）", ["plan"])
    d = d.with_variable(plan_variable())
    d = d.with_row(dashboard.Row("分地区（市州）").id(ids.next()))
    for key, title, unit in (("transformation_projects", "科技成果转化项目", None),
                             ("service_institutions", "专业化服务机构", None),
                             ("contract_turnover_yuan", "技术合同登记交易额", "currencyCNY")):
        d = d.with_panel(panel(bargauge.Panel(), ids, f"{title}·分地区",
                               [(f'ttp_target_value_by_region{{{PLAN}, target="{key}"}}', "{{region_name}}")], 8, 12,
                               unit=unit))
    d = d.with_row(dashboard.Row("分专项与合同类型").id(ids.next()))
    d = d.with_panel(panel(bargauge.Panel(), ids, "科技成果转化项目·分专项",
                           [(f'ttp_target_value_by_programme{{{PLAN}, target="transformation_projects"}}',
                             "{{programme_name}}")], 12, 12))
    d = d.with_panel(panel(bargauge.Panel(), ids, "技术合同登记交易额·分合同类型",
                           [(f'ttp_target_value_by_contract_type{{{PLAN}, target="contract_turnover_yuan"}}',
                             "{{contract_type_name}}")], 6, 12, unit="currencyCNY"))
    d = d.with_panel(panel(bargauge.Panel(), ids, "技术合同登记交易额·分专项",
                           [(f'ttp_target_value_by_programme{{{PLAN}, target="contract_turnover_yuan"}} > 0',
                             "{{programme_name}}")], 6, 12, unit="currencyCNY"))
    d = d.with_row(dashboard.Row("分年度").id(ids.next()))
    d = d.with_panel(panel(bargauge.Panel(), ids, "各目标·分年度（项/家）",
                           [(f'ttp_target_value_by_year{{{PLAN}, unit="count"}}', "{{target}} {{year}}")], 12, 10))
    d = d.with_panel(panel(bargauge.Panel(), ids, "技术合同登记额·分年度",
                           [(f'ttp_target_value_by_year{{{PLAN}, unit="yuan"}}', "{{target}} {{year}}")], 12, 10,
                           unit="currencyCNY"))
    d = d.with_row(dashboard.Row("共享设施、孵化载体与示范认定（四(七)、四(一)，不分规划）").id(ids.next()))
    d = d.with_panel(panel(bargauge.Panel(), ids, "共享设施利用率（使用机时/年度开放机时）",
                           [("ttp_facility_utilization", "{{kind}} {{region}}")], 8, 10, unit="percentunit"))
    d = d.with_panel(panel(bargauge.Panel(), ids, "共享设施服务中小企业数",
                           [("sum by (kind) (ttp_facility_smes_served)", "{{kind}}")], 8, 10))
    d = d.with_panel(panel(bargauge.Panel(), ids, "科技成果转化孵化率·分地区",
                           [('ttp_incubation_conversion_rate{scope="region"}', "{{key}}")], 8, 10, unit="percentunit",
                           description="在孵企业中基于已登记科技成果的比例（innovation 服务的入驻事件）"))
    d = d.with_panel(panel(bargauge.Panel(), ids, "科技成果转化孵化率·分载体类别",
                           [('ttp_incubation_conversion_rate{scope="carrier_kind"}', "{{key}}")], 8, 10,
                           unit="percentunit"))
    d = d.with_panel(panel(bargauge.Panel(), ids, "示范认定（有效）·分类别",
                           [("sum by (kind) (ttp_designations_in_force)", "{{kind}}")], 8, 10,
                           description="示范企业、示范区、产业化基地与技术转移机构，年度评估撤销的不计（四(一)2–3、四(三)3）"))
    d = d.with_panel(panel(bargauge.Panel(), ids, "示范认定·分市州（有效 / 评估撤销）",
                           [("sum by (region) (ttp_designations_in_force)", "{{region}} 有效"),
                            ("sum by (region) (ttp_designations_revoked)", "{{region}} 撤销")], 8, 10))
    d = d.with_row(dashboard.Row("知识产权（四(二)4，不分规划）").id(ids.next()))
    d = d.with_panel(panel(bargauge.Panel(), ids, "知识产权·分类别与状态（申请中 / 有效 / 失效）",
                           [("sum by (kind, status) (ttp_ip_rights)", "{{kind}} {{status}}")], 12, 10,
                           description="registry 登记的专利、软件著作权、植物新品种权与集成电路布图设计"))
    d = d.with_panel(panel(bargauge.Panel(), ids, "知识产权分析评议·评议意见",
                           [("sum by (conclusion) (ttp_ip_reviews_concluded)", "{{conclusion}}")], 12, 10))
    return d


RATE = "$__rate_interval"


def service_variable():
    return (dashboard.QueryVariable("service").label("服务").datasource(DATASOURCE)
            .query("label_values(ttp_entrypoint_calls_total, service)").refresh(VariableRefresh.ON_TIME_RANGE_CHANGED)
            .multi(True).include_all(True).all_value(".*")
            .current(VariableOption(selected=True, text="All", value="$__all")))


def red():
    ids = Ids()
    sel = 'service=~"$service"'
    d = base("ttp-service-red", "服务 RED 指标（请求、错误、时延）",
             "Rate, errors and duration of every entrypoint of the five services", ["ops"])
    d = d.with_variable(service_variable())
    d = d.with_row(dashboard.Row("可用性").id(ids.next()))
    d = d.with_panel(panel(stat.Panel(), ids, "服务在线（up）", [('up{job=~"ttp-.*"}', "{{service}}")], 12, 5)
                     .thresholds(thresholds((None, "red"), (1, "green"))))
    d = d.with_panel(panel(stat.Panel(), ids, "依赖健康（MongoDB/Kafka/AMQP）",
                           [(f"ttp_dependency_up{{{sel}}}", "{{service}} {{dependency}}")], 12, 5)
                     .thresholds(thresholds((None, "red"), (1, "green"))))
    d = d.with_row(dashboard.Row("RED").id(ids.next()))
    calls = f"sum by (service) (rate(ttp_entrypoint_calls_total{{{sel}}}[{RATE}]))"
    errors = f'sum by (service) (rate(ttp_entrypoint_calls_total{{{sel}, outcome="error"}}[{RATE}]))'
    d = d.with_panel(panel(timeseries.Panel(), ids, "请求速率（次/秒）", [(calls, "{{service}}")], 8, 8, unit="reqps"))
    d = d.with_panel(panel(timeseries.Panel(), ids, "错误率",
                           [(f"({errors} or {calls} * 0) / {calls}", "{{service}}")], 8, 8, unit="percentunit"))
    d = d.with_panel(panel(timeseries.Panel(), ids, "p95 时延", [(
        f"histogram_quantile(0.95, sum by (service, le) "
        f"(rate(ttp_entrypoint_duration_seconds_bucket{{{sel}}}[{RATE}])))", "{{service}}")], 8, 8, unit="s"))
    d = d.with_panel(panel(timeseries.Panel(), ids, "HTTP 响应（按状态码）", [(
        f"sum by (service, status) (rate(ttp_http_responses_total{{{sel}}}[{RATE}]))", "{{service}} {{status}}")],
        12, 8, unit="reqps"))
    d = d.with_panel(panel(timeseries.Panel(), ids, "各入口调用速率", [(
        f"sum by (service, entrypoint) (rate(ttp_entrypoint_calls_total{{{sel}}}[{RATE}]))",
        "{{service}}.{{entrypoint}}")], 12, 8, unit="reqps"))
    return d


def pipeline():
    ids = Ids()
    d = base("ttp-event-pipeline", "事件管道（消费积压、Outbox、死信、投影新鲜度）",
             "Kafka consumers, transactional outboxes, dead letters and the freshness of the metrics projections",
             ["ops"])
    d = d.with_row(dashboard.Row("消费").id(ids.next()))
    d = d.with_panel(panel(timeseries.Panel(), ids, "消费积压（条，按消费组与主题）",
                           [("sum by (service, group, topic) (ttp_consumer_lag)", "{{group}} {{topic}}")], 12, 8))
    d = d.with_panel(panel(timeseries.Panel(), ids, "事件消费速率（按结果）", [(
        f"sum by (service, outcome) (rate(ttp_events_consumed_total[{RATE}]))", "{{service}} {{outcome}}")],
        12, 8, unit="ops"))
    d = d.with_panel(panel(stat.Panel(), ids, "最近1小时死信（条）", [(
        'sum by (service, topic) (increase(ttp_events_consumed_total{outcome="dead_lettered"}[1h]))',
        "{{service}} {{topic}}")], 8, 6).thresholds(thresholds((None, "green"), (1, "red"))))
    d = d.with_panel(panel(timeseries.Panel(), ids, "重复投递被去重（次/秒）", [(
        f"sum by (service) (rate(ttp_events_deduplicated_total[{RATE}]))", "{{service}}")], 8, 6, unit="ops"))
    d = d.with_panel(panel(stat.Panel(), ids, "积压可读（Kafka 偏移量）",
                           [("ttp_consumer_lag_available", "{{group}}")],
                           8, 6).thresholds(thresholds((None, "red"), (1, "green"))))
    d = d.with_panel(panel(timeseries.Panel(), ids, "消费积压最大的分区（条）", [(
        "topk(10, max by (group, topic, partition) (ttp_consumer_lag))", "{{group}} {{topic}}[{{partition}}]")],
        12, 8))
    d = d.with_panel(panel(stat.Panel(), ids, "死信主题存量（条）", [(
        "max by (topic) (ttp_dlq_depth)", "{{topic}}")], 12, 8).thresholds(thresholds((None, "green"), (1, "orange"))))
    d = d.with_row(dashboard.Row("Outbox").id(ids.next()))
    d = d.with_panel(panel(timeseries.Panel(), ids, "Outbox 待发布事件",
                           [("sum by (service) (ttp_outbox_pending)", "{{service}}")], 12, 8))
    d = d.with_panel(panel(timeseries.Panel(), ids, "Outbox 最早待发布事件时长",
                           [("max by (service) (ttp_outbox_oldest_pending_age_seconds)", "{{service}}")], 12, 8,
                           unit="s"))
    d = d.with_panel(panel(timeseries.Panel(), ids, "事件发布速率", [(
        f"sum by (service) (rate(ttp_events_published_total[{RATE}]))", "{{service}}")], 12, 8, unit="ops"))
    d = d.with_row(dashboard.Row("Webhook 推送（delivery 服务）").id(ids.next()))
    d = d.with_panel(panel(stat.Panel(), ids, "推送订阅数", ["sum(ttp_delivery_subscriptions)"], 4, 8))
    d = d.with_panel(panel(timeseries.Panel(), ids, "推送尝试（次/秒，按结果）", [(
        f"sum by (outcome) (rate(ttp_delivery_attempts_total[{RATE}]))", "{{outcome}}")], 7, 8, unit="ops"))
    d = d.with_panel(panel(timeseries.Panel(), ids, "待推送事件（按订阅）",
                           [("sum by (subscription) (ttp_delivery_pending)", "{{subscription}}")], 7, 8))
    d = d.with_panel(panel(stat.Panel(), ids, "已搁置 / 最早待推送时长", [
        ("sum(ttp_delivery_parked)", "已搁置（条）"),
        ("max(ttp_delivery_oldest_pending_age_seconds)", "最早待推送（秒）")], 6, 8)
        .thresholds(thresholds((None, "green"), (1, "orange"))))
    d = d.with_row(dashboard.Row("投影新鲜度（metrics 服务）").id(ids.next()))
    d = d.with_panel(panel(timeseries.Panel(), ids, "事件产生→投影提交 p95", [(
        f"histogram_quantile(0.95, sum by (service, le) (rate(ttp_projection_delay_seconds_bucket[{RATE}])))",
        "{{service}}")], 8, 8, unit="s"))
    d = d.with_panel(panel(stat.Panel(), ids, "距最近一次投影", [(
        "time() - ttp_projection_last_applied_timestamp_seconds", "{{service}}")], 8, 8, unit="s"))
    d = d.with_panel(panel(stat.Panel(), ids, "已投影事件", [("ttp_projection_events_applied", "{{service}}")], 8, 8))
    return d


DASHBOARDS = {"plan-targets.json": plan_targets, "plan-breakdowns.json": breakdowns,
              "service-red.json": red, "event-pipeline.json": pipeline}


def render(builder):
    doc = json.loads(JSONEncoder().encode(builder.build()))
    for p in doc["panels"]:
        if p.get("options") is None and p["type"] != "row":
            p["options"] = {}  # the SDK leaves unset options null; Grafana expects an object
    return json.dumps(doc, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def generate():
    """{file name: JSON text} of every dashboard."""
    return {name: render(make()) for name, make in DASHBOARDS.items()}


def panel_queries(text):
    """(dashboard title, panel title, expr) of every query in a dashboard's JSON."""
    doc = json.loads(text)
    for p in doc["panels"]:
        for target in p.get("targets") or []:
            yield doc["title"], p["title"], target["expr"]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate the Grafana dashboards")
    parser.add_argument("--check", action="store_true", help="fail when the committed JSON is not up to date")
    args = parser.parse_args(argv)
    stale = []
    for name, text in generate().items():
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_text("utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, "utf-8")
    if stale:
        print(f"out of date: {', '.join(stale)}; run deploy/grafana/generate.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
