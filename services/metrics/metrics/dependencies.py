"""The metrics service's own dependency providers: the plan it measures and its Prometheus export."""
from nameko.extensions import DependencyProvider
from prometheus_client.core import REGISTRY

from ttp_common.mongo import StoreHandle
from ttp_common.settings import setting

from . import plan as plans
from .gauges import ProgressCollector
from .handlers.projection import HANDLER


class PlanProvider(DependencyProvider):
    """The plan (``METRICS_PLAN``) and its task ledger, validated when the service starts."""

    def setup(self):
        name = self.container.config.get("METRICS_PLAN") or plans.DEFAULT_PLAN
        self.plan = plans.load_plan(name)
        self.ledger = plans.load_tasks(self.plan.tasks)

    def get_dependency(self, worker_ctx):
        return self


class ProgressGauges(DependencyProvider):
    """Exports targets, breakdowns, ledger, compliance and pipeline health on /metrics, read at scrape time
    (outside any worker: the store's reads without a transaction)."""

    def setup(self):
        deps = {d.attr_name: d for d in self.container.dependencies}
        config = self.container.config
        prefix = setting(config, "KAFKA_TOPIC_PREFIX")
        group = f"{prefix}ttp.{self.container.service_name}.{HANDLER}{setting(config, 'CONSUMER_GROUP_SUFFIX')}"
        self._collector = ProgressCollector(store=StoreHandle(deps["store"], worker_ctx=None), plans=deps["plans"],
                                            group=group)
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
