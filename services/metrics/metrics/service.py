"""Metrics service entrypoints: consume every service's events into progress read models."""
from nameko.extensions import DependencyProvider
from ttp_common.web import http
from prometheus_client.core import REGISTRY, GaugeMetricFamily

from ttp_common import web
from ttp_common.consumer import consume
from ttp_common.service_base import PlatformService

from . import domain
from .openapi import SPEC

COUNTERS = "counters"
CONSUMED_EVENTS = (
    "registry.organization.registered.v1",
    "registry.organization.accredited.v1",
    "registry.organization.accreditation_revoked.v1",
    "transactions.contract.registered.v1",
    "finance.project.approved.v1",
    "talent.person.registered.v1",
)


def read_counters(db):
    return {doc["_id"]: doc["value"] for doc in db[COUNTERS].find()}


class ProgressGauges(DependencyProvider):
    """Exports progress against every target on /metrics, read from the database at scrape time."""

    def setup(self):
        store = next(d for d in self.container.dependencies if d.attr_name == "store")
        collector = _ProgressCollector(store)
        REGISTRY.register(collector)
        self._collector = collector

    def stop(self):
        REGISTRY.unregister(self._collector)


class _ProgressCollector:
    def __init__(self, store):
        self.store = store

    def collect(self):
        value = GaugeMetricFamily("ttp_plan_target_value", "Progress towards a plan target", labels=["target", "unit"])
        goal = GaugeMetricFamily("ttp_plan_target_goal", "A plan target's goal", labels=["target", "unit"])
        try:
            rows = domain.progress(read_counters(self.store.db))
        except Exception:
            return  # the database is down: /health says so, the scrape shows no progress
        for row in rows:
            value.add_metric([row["key"], row["unit"]], float(row["value"]))
            goal.add_metric([row["key"], row["unit"]], float(row["goal"]))
        yield value
        yield goal


class MetricsService(PlatformService):
    name = "metrics"
    openapi_spec = SPEC
    progress_gauges = ProgressGauges()

    @consume(*CONSUMED_EVENTS)
    def project_event(self, event):
        increments = domain.increments(event.event_name, event.data)

        def work(uow):
            for counter, amount in increments.items():
                uow.db[COUNTERS].update_one({"_id": counter}, {"$inc": {"value": amount}},
                                            upsert=True, session=uow.session)

        self.store.transact(work, dedup=event)

    @http("GET", "/api/v1/progress")
    @web.api
    def get_progress(self, request):
        counters = read_counters(self.store.db)
        return web.json_response({"targets": domain.progress(counters), "counters": counters})
