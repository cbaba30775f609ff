"""The metrics service: every service's events projected into progress against the plan's targets, the
task ledger and annual-report compliance, served over HTTP and exported to Prometheus.

This module only composes the service. Its entrypoints live in ``metrics.entrypoints``, one mixin per area
(progress, tasks, compliance, pipeline, the projection's consumer, the trace of one achievement or contract);
the writes in ``metrics.handlers``; the rules in progress.py, ledger.py, compliance.py and trace.py, the plan as
data in plan.py and plans/; the read models in read_models.py; the Prometheus export in gauges.py
(``dependencies.ProgressGauges``).
"""
from ttp_common.service_base import PlatformService

from .dependencies import PlanProvider, ProgressGauges
from .entrypoints.compliance import ComplianceEntrypoints
from .entrypoints.innovation import InnovationEntrypoints
from .entrypoints.ip import IpEntrypoints
from .entrypoints.pipeline import PipelineEntrypoints
from .entrypoints.progress import ProgressEntrypoints
from .entrypoints.projection import ProjectionEntrypoints
from .entrypoints.tasks import TaskEntrypoints
from .entrypoints.trace import TraceEntrypoints
from .handlers.trace import ensure_indexes as trace_indexes
from .innovation import INNOVATION
from .innovation_gauges import InnovationGauges
from .ip import IP
from .ip_gauges import IpGauges
from .read_models import COLLECTIONS
from .trace import TRACE
from .schemas import SCHEMAS


class MetricsService(ProgressEntrypoints, TaskEntrypoints, ComplianceEntrypoints, PipelineEntrypoints,
                     ProjectionEntrypoints, InnovationEntrypoints, IpEntrypoints, TraceEntrypoints, PlatformService):
    name = "metrics"
    api_title = "规划目标进度 Metrics API"
    api_description = ("Live progress against the plan's targets, the task ledger and annual-report compliance, "
                       "projected from every service's events.")
    api_schemas = SCHEMAS
    collections = COLLECTIONS + (INNOVATION, TRACE, IP)  # plain collections, written in the projections' transactions
    migrations = (trace_indexes,)
    plans = PlanProvider()
    progress_gauges = ProgressGauges()
    innovation_gauges = InnovationGauges()  # shared facilities and the incubation ladder (metrics.innovation)
    ip_gauges = IpGauges()  # IP rights and reviews (metrics.ip)
