"""The IP figures on /metrics, read from their collection at scrape time (like ``innovation_gauges``): IP rights
by kind and state, IP analysis and review opinions by conclusion."""
from prometheus_client.core import GaugeMetricFamily

from . import ip
from .dependencies import ScrapeTimeGauges, scraped_documents


class IpCollector:
    def __init__(self, store):
        self.store = store

    def collect(self):
        docs = scraped_documents(self.store, ip.IP, "IP")
        if docs is None:
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


class IpGauges(ScrapeTimeGauges):
    def collector(self, deps, store):
        return IpCollector(store)
