"""RED metrics, log context and health for every service (one DependencyProvider)."""
import logging
import socket
import time
import uuid
from urllib.parse import urlparse

from nameko.extensions import DependencyProvider
from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Request

from . import logs, metrics, web
from .settings import setting

log = logging.getLogger(__name__)

HEALTH_CACHE_SECONDS = 2.0


KINDS = {"Rpc": "rpc", "EventHandler": "event", "Timer": "timer", "KafkaEventConsumer": "kafka"}


def entrypoint_kind(entrypoint):
    if isinstance(entrypoint, HttpRequestHandler):
        return "http"
    return KINDS.get(type(entrypoint).__name__, type(entrypoint).__name__.lower())


def tcp_reachable(host, port, timeout=1.0):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class Observability(DependencyProvider):
    """Times and counts every worker, sets the JSON-log context, answers health checks."""

    def setup(self):
        config = self.container.config
        self.service = self.container.service_name
        logs.configure_logging(self.service, config.get("LOG_LEVEL") or "INFO")
        logging.getLogger("kafka").setLevel(logging.WARNING)  # its INFO is one line per connection
        self.kafka_bootstrap = setting(config, "KAFKA_BOOTSTRAP")
        self.amqp_uri = setting(config, "AMQP_URI")
        self._started = {}
        self._health = (0.0, None)

    def worker_setup(self, worker_ctx):
        data = worker_ctx.context_data
        correlation_id = data.get("correlation_id")
        args = worker_ctx.args
        if correlation_id is None and args and isinstance(args[0], Request):
            correlation_id = web.correlation_id(args[0])
        correlation_id = correlation_id or uuid.uuid4().hex
        data["correlation_id"] = correlation_id
        event_id = getattr(args[0], "id", None) if args and hasattr(args[0], "event_name") else None
        logs.set_context(service=self.service, correlation_id=correlation_id, event_id=event_id,
                         entrypoint=worker_ctx.entrypoint.method_name)
        self._started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        entrypoint = worker_ctx.entrypoint
        kind = entrypoint_kind(entrypoint)
        name = entrypoint.method_name
        outcome = "error" if exc_info is not None else "ok"
        status = getattr(result, "status_code", None)
        if status is None and kind == "http" and isinstance(result, tuple) and result and isinstance(result[0], int):
            status = result[0]
        if status is not None:
            metrics.HTTP_RESPONSES.labels(self.service, name, str(status)).inc()
            if status >= 500:
                outcome = "error"
        metrics.ENTRYPOINT_CALLS.labels(self.service, name, kind, outcome).inc()
        if started is not None:
            metrics.ENTRYPOINT_DURATION.labels(self.service, name, kind).observe(time.perf_counter() - started)

    def worker_teardown(self, worker_ctx):
        logs.clear_context()

    def health(self):
        """Check the service's MongoDB, Kafka and AMQP connections (cached for a moment)."""
        checked_at, report = self._health
        if report is not None and time.monotonic() - checked_at < HEALTH_CACHE_SECONDS:
            return report
        checks = {"mongodb": self._check_mongo(), "kafka": self._check_tcp(self.kafka_bootstrap),
                  "amqp": self._check_amqp()}
        for name, ok in checks.items():
            metrics.DEPENDENCY_UP.labels(self.service, name).set(1 if ok else 0)
        report = {
            "service": self.service,
            "status": "ok" if all(checks.values()) else "unavailable",
            "checks": {name: "ok" if ok else "down" for name, ok in checks.items()},
        }
        self._health = (time.monotonic(), report)
        return report

    def _check_mongo(self):
        store = next((d for d in self.container.dependencies if hasattr(d, "ping")), None)
        if store is None:
            return True
        try:
            store.ping()
            return True
        except Exception as exc:
            log.warning("mongodb health check failed: %s", exc)
            return False

    def _check_tcp(self, bootstrap):
        host, _, port = bootstrap.split(",")[0].rpartition(":")
        return tcp_reachable(host or "127.0.0.1", int(port))

    def _check_amqp(self):
        url = urlparse(self.amqp_uri)
        return tcp_reachable(url.hostname or "127.0.0.1", url.port or 5672)

    def get_dependency(self, worker_ctx):
        return self
