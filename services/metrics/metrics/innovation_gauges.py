"""The innovation figures on /metrics, read from their collection at scrape time (like ``gauges``):
facilities' open and used hours, utilization and SMEs served per kind and region this year (China's calendar);
incubated enterprises,
those built on a registered achievement and the conversion-incubation rate per region and carrier kind;
demonstration designations in force and revoked per kind and prefecture."""
from prometheus_client.core import GaugeMetricFamily

from ttp_common import clock

from . import innovation
from .dependencies import ScrapeTimeGauges, scraped_documents


class InnovationCollector:
    def __init__(self, store):
        self.store = store

    def collect(self):
        docs = scraped_documents(self.store, innovation.INNOVATION, "innovation")
        if docs is None:
            return
        labels = ["kind", "region"]
        open_hours = GaugeMetricFamily("ttp_facility_open_hours", "Hours a year shared facilities are open to "
                                       "others (年度开放机时), by kind and region", labels=labels)
        used = GaugeMetricFamily("ttp_facility_hours_used", "Hours of shared facilities recorded as used this year, "
                                 "by kind and region", labels=labels)
        utilization = GaugeMetricFamily("ttp_facility_utilization", "This year's used over open hours (设施利用率), by "
                                        "kind and region", labels=labels)
        smes = GaugeMetricFamily("ttp_facility_smes_served", "Distinct enterprises with use recorded this year "
                                 "(服务中小企业数), by kind and region", labels=labels)
        group = ["scope", "key"]
        enterprises = GaugeMetricFamily("ttp_incubation_enterprises", "Distinct incubated enterprises, per region or "
                                        "carrier kind (scope)", labels=group)
        built = GaugeMetricFamily("ttp_incubation_built_on_achievement", "Incubated enterprises built on a registered "
                                  "achievement, per region or carrier kind", labels=group)
        rate = GaugeMetricFamily("ttp_incubation_conversion_rate", "Conversion-incubation rate (科技成果转化孵化率), "
                                 "per region or carrier kind", labels=group)
        in_force = GaugeMetricFamily("ttp_designations_in_force", "Demonstration designations in force (示范企业, 示范区, "
                                     "产业化基地, transfer institutions), by kind and prefecture", labels=labels)
        revoked = GaugeMetricFamily("ttp_designations_revoked", "Demonstration designations revoked at an annual "
                                    "assessment, by kind and prefecture", labels=labels)
        year = clock.china_date().year
        for doc in docs:
            if doc["_id"].startswith("facility|"):
                kind, region, hours, hours_used, share, served = innovation.facility_figures(doc, year)
                open_hours.add_metric([kind, region], hours)
                used.add_metric([kind, region], hours_used)
                utilization.add_metric([kind, region], share)
                smes.add_metric([kind, region], served)
            elif doc["_id"].startswith("designation|"):
                kind, region, count, gone = innovation.designation_figures(doc)
                in_force.add_metric([kind, region], count)
                revoked.add_metric([kind, region], gone)
            else:
                scope, key, count, on_achievement, share = innovation.incubation_figures(doc)
                enterprises.add_metric([scope, key], count)
                built.add_metric([scope, key], on_achievement)
                if share is not None:
                    rate.add_metric([scope, key], share)
        yield from (open_hours, used, utilization, smes, enterprises, built, rate, in_force, revoked)


class InnovationGauges(ScrapeTimeGauges):
    def collector(self, deps, store):
        return InnovationCollector(store)
