"""nameko RPC entrypoints that survive a broker outage.

With nameko's own ``@rpc``, a worker that finishes while RabbitMQ is gone fails to publish its
reply, the error escapes the worker and kills the whole service container (HTTP included):
seen here in tests/reliability/test_broker_restarts.py. ``ttp_common.rpc.rpc`` logs the lost
reply instead; the caller gets its ``RpcTimeout``, and the service reconnects when the broker
is back.
"""
import logging

from kombu.exceptions import OperationalError
from nameko.rpc import Rpc

from . import metrics

log = logging.getLogger(__name__)

BROKER_ERRORS = (OperationalError, ConnectionError, OSError)


class ResilientRpc(Rpc):
    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return super().handle_result(message, worker_ctx, result, exc_info)
        except BROKER_ERRORS as exc:
            log.warning("the reply of %s could not be sent (%s: %s); the caller will time out",
                        self.method_name, type(exc).__name__, exc)
            metrics.RPC_REPLIES_LOST.labels(self.container.service_name, self.method_name).inc()
            try:  # acknowledged if the channel still lives, so it is not run a second time
                self.rpc_consumer.queue_consumer.ack_message(message)
            except BROKER_ERRORS:
                pass  # gone with the connection: the broker requeues it (every RPC here is a read)
            return result, exc_info


rpc = ResilientRpc.decorator


def call(proxy, method, *args, timeout=5.0, **kwargs):
    """``method`` of another service through a nameko ``RpcProxy`` dependency, answered within ``timeout``
    seconds (DESIGN §4: every call has one). A service that is not running or does not answer in time is a
    503 ``unavailable`` for the caller's request, never a worker waiting without end."""
    import eventlet
    from nameko.exceptions import UnknownService

    from .errors import Unavailable

    target = f"{getattr(proxy, 'service_name', '?')}.{method}"
    try:
        with eventlet.Timeout(timeout):
            return getattr(proxy, method).call_async(*args, **kwargs).result()
    except eventlet.Timeout:
        log.warning("rpc %s did not answer within %ss", target, timeout)
        raise Unavailable(f"{target} did not answer in time")
    except UnknownService:
        log.warning("rpc %s: the service is not running", target)
        raise Unavailable(f"{target} is not running")
