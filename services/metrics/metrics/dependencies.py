"""The metrics service's own dependency providers: the plans it measures and its Prometheus export."""
import logging

from nameko.extensions import DependencyProvider
from prometheus_client.core import REGISTRY

from ttp_common import clock
from ttp_common.mongo import StoreHandle
from ttp_common.refusals import Invalid
from ttp_common.settings import setting

from . import plan as plans
from .gauges import ProgressCollector
from .handlers.projection import CONSUMED_EVENTS, HANDLER

log = logging.getLogger(__name__)


class PlanProvider(DependencyProvider):
    """Every plan (``METRICS_PLANS_DIR``, default plans/) and the one followed (``METRICS_PLAN``, default the
    one in force), validated when the service starts."""

    def setup(self):
        self.all, self.configured = plans.configured_plans(self.container.config)
        plans.check_consumed(self.all, CONSUMED_EVENTS)
        plans.followed(self.all, clock.china_date(), self.configured)  # a METRICS_PLAN naming no plan fails here
        for plan in self.all:
            plans.load_tasks(plan.tasks)

    def followed(self, as_of=None):
        """The plan the home page and the alerts follow on ``as_of`` (default: today, in China)."""
        return plans.followed(self.all, as_of or clock.china_date(), self.configured)

    def get(self, key=None, as_of=None):
        """The plan ``key`` (a 400 naming ``plan`` when there is none), or the followed one."""
        if key is None:
            return self.followed(as_of)
        plan = next((p for p in self.all if p.key == key), None)
        if plan is None:
            raise Invalid(f"no plan {key!r}; GET /api/v1/plans lists them", field="plan", code="unknown_plan")
        return plan

    @property
    def ledger(self):
        """The task ledger of the followed plan (task states are kept per task id, for one ledger)."""
        return plans.load_tasks(self.followed().tasks)

    def get_dependency(self, worker_ctx):
        return self


class ScrapeTimeGauges(DependencyProvider):
    """Registers a Prometheus collector that reads the service's store at scrape time (outside any worker: the
    store's reads without a transaction) for the service's life; ``collector(deps, store)`` makes it."""

    def collector(self, deps, store):
        raise NotImplementedError

    def setup(self):
        deps = {d.attr_name: d for d in self.container.dependencies}
        self._collector = self.collector(deps, StoreHandle(deps["store"], worker_ctx=None))
        REGISTRY.register(self._collector)

    def stop(self):
        try:
            REGISTRY.unregister(self._collector)
        except KeyError:  # already stopped
            pass

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self._collector


def scraped_documents(store, collection, what):
    """Every document of ``collection`` for a scrape; None (the figures left out, a warning logged) before the store
    connected or while the database does not answer."""
    if store.db is None:
        return None
    try:
        return list(store.db[collection].find({}))
    except Exception:
        log.warning("%s figures unavailable", what, exc_info=True)
        return None


class ProgressGauges(ScrapeTimeGauges):
    """Exports targets, breakdowns, ledger, compliance and pipeline health on /metrics."""

    def collector(self, deps, store):
        config = self.container.config
        prefix = setting(config, "KAFKA_TOPIC_PREFIX")
        group = f"{prefix}ttp.{self.container.service_name}.{HANDLER}{setting(config, 'CONSUMER_GROUP_SUFFIX')}"
        return ProgressCollector(store=store, plans=deps["plans"], group=group)
