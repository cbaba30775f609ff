"""A slow or dead downstream (issue 9): callers get a clear error in bounded time, and no
worker hangs.

- Another department's service calls ours over nameko RPC with a timeout. When no instance of
  our service is there to answer, the call fails with ``RpcTimeout`` after that timeout.
- When our service's own downstream, the database, stops answering (the process is frozen,
  not gone: connections stay open and nothing comes back, as in a network partition), HTTP
  calls answer 503 ``unavailable`` and RPC calls fail with a remote error, both in bounded time
  (``MONGO_OPERATION_TIMEOUT_SECONDS`` per database answer; pymongo retries a read once), instead
  of holding the worker.
  Once the database answers again, the same service instance serves again.
"""
import signal
import time

import pytest
from nameko.exceptions import RemoteError, RpcTimeout
from nameko.standalone.rpc import ClusterRpcProxy

from ttp_testing import assert_error, running_service, wait_for

from registry.service import RegistryService

from .conftest import PrivateMongo, PrivateRabbit

pytestmark = pytest.mark.integration

RPC_TIMEOUT = 3
OPERATION_TIMEOUT = 4
# pymongo retries a read once after a network timeout, after finding the server again
BOUND = 2 * OPERATION_TIMEOUT + 6


@pytest.fixture
def rabbit(tmp_path):
    """A broker of the test's own, so no other registry instance can answer its RPC calls."""
    broker = PrivateRabbit(tmp_path / "rabbit")
    broker.start()
    yield broker
    broker.stop(signal.SIGKILL)


def test_an_rpc_call_to_a_service_that_is_gone_times_out(rabbit):
    with running_service(RegistryService, AMQP_URI=rabbit.uri, LOG_LEVEL="WARNING"):
        with ClusterRpcProxy({"AMQP_URI": rabbit.uri}, timeout=RPC_TIMEOUT) as proxy:
            assert proxy.registry.get_published_achievement("no-such-achievement") is None
    # the service stopped: its queue is still there, nobody consumes it
    with ClusterRpcProxy({"AMQP_URI": rabbit.uri}, timeout=RPC_TIMEOUT) as proxy:
        started = time.monotonic()
        with pytest.raises(RpcTimeout):
            proxy.registry.get_published_achievement("no-such-achievement")
        assert time.monotonic() - started < RPC_TIMEOUT + 2


def test_a_frozen_database_gives_bounded_errors_and_the_workers_come_back(tmp_path, rabbit):
    mongo = PrivateMongo(tmp_path / "mongo")
    mongo.start()
    try:
        with running_service(RegistryService, AMQP_URI=rabbit.uri, MONGO_URI=mongo.uri, LOG_LEVEL="ERROR",
                             MONGO_OPERATION_TIMEOUT_SECONDS=OPERATION_TIMEOUT) as api:
            assert api.get("/api/v1/achievements/nope").status_code == 404  # connected and serving
            mongo.process.send_signal(signal.SIGSTOP)
            try:
                for _ in range(3):  # more calls than one: each frees its worker
                    started = time.monotonic()
                    response = api.get("/api/v1/achievements/nope", timeout=OPERATION_TIMEOUT * 5)
                    assert_error(response, 503, "unavailable")
                    assert time.monotonic() - started < BOUND

                with ClusterRpcProxy({"AMQP_URI": rabbit.uri}, timeout=OPERATION_TIMEOUT * 5) as proxy:
                    started = time.monotonic()
                    with pytest.raises(RemoteError):
                        proxy.registry.get_published_achievement("nope")
                    assert time.monotonic() - started < BOUND
            finally:
                mongo.process.send_signal(signal.SIGCONT)

            wait_for(lambda: api.get("/api/v1/achievements/nope").status_code == 404, timeout=30,
                     message="the service serving again once the database answers")
            with ClusterRpcProxy({"AMQP_URI": rabbit.uri}, timeout=RPC_TIMEOUT * 3) as proxy:
                assert proxy.registry.get_published_achievement("nope") is None
    finally:
        mongo.stop(signal.SIGKILL)
