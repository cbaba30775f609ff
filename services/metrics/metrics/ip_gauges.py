"""The IP figures on /metrics, read from their collection at scrape time (like ``innovation_gauges``): IP rights
by kind and state, IP analysis and review opinions by conclusion."""
import logging

from nameko.extensions import DependencyProvider
from prometheus_client.core import REGISTRY, GaugeMetricFamily

from ttp_common.mongo import StoreHandle

from . import ip

log = logging.getLogger(__name__)


class IpCollector:
    def __init__(self, store):
        self.store = store

    def collect(self):
        if self.store.db is None:  # scraped before the store connected
            return
        try:
            docs = list(self.store.db[ip.IP].find({}))
        except Exception:
            log.warning("IP figures unavailable", exc_info=True)
            return
        rights = GaugeMetricFamily("ttp_ip_rights", "IP rights (知识产权) recorded in the registry, by kind and state "
                                   "(pending 申请中, in_force 有效, lapsed 失效)", labels=["kind", "status"])
        reviews = GaugeMetricFamily("ttp_ip_reviews_concluded", "IP analysis and review (知识产权分析评议) opinions "
                                    "recorded, by conclusion", labels=["conclusion"])
        for doc in docs:
            if doc["_id"].startswith("ip_right|"):
                kind, counts = ip.right_figures(doc)
                for status, count in counts.items():
                    rights.add_metric([kind, status], count)
            else:
                conclusion, count = ip.review_figures(doc)
                reviews.add_metric([conclusion], count)
        yield from (rights, reviews)


class IpGauges(DependencyProvider):
    """Registers the collector for the service's life."""

    def setup(self):
        deps = {d.attr_name: d for d in self.container.dependencies}
        self._collector = IpCollector(StoreHandle(deps["store"], worker_ctx=None))
        REGISTRY.register(self._collector)

    def stop(self):
        try:
            REGISTRY.unregister(self._collector)
        except KeyError:
            pass

    def kill(self):
        self.stop()
