"""Metrics service entrypoints: project every service's events into progress, ledger and
compliance read models; serve them over HTTP and export them to Prometheus."""
import datetime as dt
import time

from nameko.extensions import DependencyProvider
from prometheus_client import Histogram
from prometheus_client.core import REGISTRY

from ttp_common import auth, web
from ttp_common.avro import event_topic
from ttp_common.consumer import consume
from ttp_common.errors import NotFound
from ttp_common.service_base import PlatformService
from ttp_common.settings import setting
from ttp_common.web import http

from . import compliance, domain, ledger, plan as plans, projection
from .gauges import ProgressCollector
from .openapi import SPEC

PROJECTION_DELAY = Histogram(
    "ttp_projection_delay_seconds", "From an event's ce_time to its projection's commit (freshness)",
    ["service"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)


def all_consumed_events():
    """Every plan file in plans/ is subscribed to, so a successor plan needs no code change."""
    names = set()
    for path in sorted(plans.PLANS_DIR.glob("*.yaml")):
        names.update(projection.consumed_events(plans.load_plan(path.name)))
    return sorted(names)


CONSUMED_EVENTS = tuple(all_consumed_events())


class PlanProvider(DependencyProvider):
    """The plan (``METRICS_PLAN``) and its task ledger, validated when the service starts."""

    def setup(self):
        name = self.container.config.get("METRICS_PLAN") or plans.DEFAULT_PLAN
        self.plan = plans.load_plan(name)
        self.ledger = plans.load_tasks(self.plan.tasks)

    def get_dependency(self, worker_ctx):
        return self


class ProgressGauges(DependencyProvider):
    """Exports targets, breakdowns, ledger, compliance and pipeline health on /metrics, read at scrape time."""

    def setup(self):
        deps = {d.attr_name: d for d in self.container.dependencies}
        config = self.container.config
        prefix = setting(config, "KAFKA_TOPIC_PREFIX")
        group = f"{prefix}ttp.{self.container.service_name}.{projection.HANDLER}{setting(config, 'CONSUMER_GROUP_SUFFIX')}"
        self._collector = ProgressCollector(
            store=deps["store"], plans=deps["plans"], bootstrap=setting(config, "KAFKA_BOOTSTRAP"), group=group,
            topics=sorted({event_topic(name, prefix) for name in CONSUMED_EVENTS}))
        REGISTRY.register(self._collector)

    def stop(self):
        try:
            REGISTRY.unregister(self._collector)
        except KeyError:  # already stopped
            pass
        self._collector.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self._collector


def as_of_param(request):
    return web.query_param(request, "as_of", dt.date, default=None) or domain.today()


class MetricsService(PlatformService):
    name = "metrics"
    openapi_spec = SPEC
    plans = PlanProvider()
    progress_gauges = ProgressGauges()

    # -- projections -------------------------------------------------------------------
    @consume(*CONSUMED_EVENTS)
    def project_event(self, event):
        plan = self.plans.plan

        def work(uow):
            projection.apply(uow.db, uow.session, plan, event.event_name, event.data, event.id, event.time)

        self.store.transact(work, dedup=event)
        if event.time is not None:
            PROJECTION_DELAY.labels(self.name).observe(max(0.0, time.time() - event.time.timestamp()))

    # -- progress ----------------------------------------------------------------------
    @http("GET", "/api/v1/progress")
    @web.api
    def get_progress(self, request):
        """Every target with goal, value, ratio, expected value on the linear path, and breakdowns."""
        as_of = as_of_param(request)
        breakdowns = web.query_param(request, "breakdowns", bool, default=True)
        plan = self.plans.plan
        counters = projection.read_counters(self.store.db)
        return web.json_response({
            "plan": {"key": plan.key, "title": plan.title, "source": plan.source,
                     "period": {"start": plan.period.start, "end": plan.period.end}},
            "as_of": as_of,
            "targets": domain.progress(plan, counters, as_of, breakdowns=breakdowns),
            "indicators": domain.indicators(plan, counters, breakdowns=breakdowns),
            "counters": counters,
        })

    @http("GET", "/api/v1/progress/<string:key>")
    @web.api
    def get_target(self, request, key):
        as_of = as_of_param(request)
        rows = domain.progress(self.plans.plan, projection.read_counters(self.store.db), as_of)
        row = next((r for r in rows if r["key"] == key), None)
        if row is None:
            raise NotFound(f"no target {key!r} in plan {self.plans.plan.key}")
        return web.json_response(row)

    # -- task ledger -------------------------------------------------------------------
    def _task_states(self):
        return {doc["_id"]: doc for doc in self.store.db[projection.TASKS].find()}

    @http("GET", "/api/v1/tasks")
    @web.api
    def list_tasks(self, request):
        """The annex's task ledger with status, notes and overdue flags (public)."""
        as_of = as_of_param(request)
        status = web.query_param(request, "status", str, choices=plans.TASK_STATUSES)
        overdue = web.query_param(request, "overdue", bool)
        department = web.query_param(request, "department", str)
        states = self._task_states()
        plan = self.plans.plan
        views = [ledger.view(task, states.get(task.id), plan, as_of) for task in self.plans.ledger.tasks]
        summary = {"total": len(views), "overdue": sum(v["overdue"] for v in views),
                   **{s: sum(v["status"] == s for v in views) for s in plans.TASK_STATUSES}}
        views = [v for v in views if (status is None or v["status"] == status)
                 and (overdue is None or v["overdue"] == overdue)
                 and (department is None or department in v["departments"])]
        return web.json_response({"source": self.plans.ledger.source, "as_of": as_of, "summary": summary,
                                  "tasks": views})

    @http("GET", "/api/v1/tasks/<string:task_id>")
    @web.api
    def get_task(self, request, task_id):
        task = self._task(task_id)
        state = self.store.db[projection.TASKS].find_one({"_id": task.id})
        return web.json_response(ledger.view(task, state, self.plans.plan, as_of_param(request)))

    def _task(self, task_id):
        task = self.plans.ledger.get(task_id)
        if task is None:
            raise NotFound(f"no task {task_id!r} in the ledger")
        return task

    @http("PATCH", "/api/v1/tasks/<string:task_id>")
    @web.api
    def update_task(self, request, task_id):
        """An administrator updates a task's status and/or note; the change is an event."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.ADMIN)
        task = self._task(task_id)
        body = web.parse_body(request, ledger.TaskUpdate)

        def work(uow):
            current = uow.db[projection.TASKS].find_one({"_id": task.id}, session=uow.session)
            change = ledger.next_state(current, body)
            if change is None:
                return current
            data = {"task_id": task.id, "status": change[0], "note": change[1], "updated_by": principal.sub}
            message = uow.emit(projection.TASK_UPDATED, data, subject=task.id)
            headers = dict(message.headers)
            event_time = projection.to_millis(dt.datetime.fromisoformat(headers["ce_time"].decode()))
            state = ledger.apply_event(current, data, headers["ce_id"].decode(), event_time)
            uow.db[projection.TASKS].replace_one({"_id": task.id}, state, upsert=True, session=uow.session)
            return state

        state = self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(ledger.view(task, state, self.plans.plan, domain.today()))

    # -- annual-report compliance ------------------------------------------------------
    @http("GET", "/api/v1/compliance")
    @web.api
    def list_compliance(self, request):
        """Per reported year: how many universities and institutes filed on time, late, or not at all."""
        reports = list(self.store.db[projection.REPORTS].find({}, {"_id": 0}))
        organizations = {d.pop("_id"): d for d in self.store.db[projection.ORGANIZATIONS].find()}
        years = sorted({r["year"] for r in reports}, reverse=True)
        summaries = [compliance.summarise(y, [r for r in reports if r["year"] == y], organizations)
                     for y in years]
        return web.json_response({"years": [{"year": s["year"], "totals": s["totals"],
                                             "departments": [{k: v for k, v in d.items() if k != "organizations"}
                                                             for d in s["departments"]]} for s in summaries]})

    @http("GET", "/api/v1/compliance/<int:year>")
    @web.api
    def get_compliance(self, request, year):
        """One year: every university and institute by supervising department, filed, late or missing."""
        compliance.check_year(year)
        reports = list(self.store.db[projection.REPORTS].find({"year": year}, {"_id": 0}))
        organizations = {d.pop("_id"): d for d in self.store.db[projection.ORGANIZATIONS].find()}
        return web.json_response(compliance.summarise(year, reports, organizations))

    # -- the pipeline itself -----------------------------------------------------------
    @http("GET", "/api/v1/pipeline")
    @web.api
    def get_pipeline(self, request):
        """How fresh the projections are: events applied, newest event time, consumer lag."""
        meta = projection.read_meta(self.store.db)
        lag = self.progress_gauges.lag()
        return web.json_response({
            "events_applied": meta.get("applied", 0), "last_event_time": meta.get("last_event_time"),
            "last_applied_at": meta.get("last_applied_at"), "consumer_lag": lag,
        })
