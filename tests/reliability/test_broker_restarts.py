"""The brokers restart under a running platform (issue 9).

Kafka protocol: the development broker keeps its log in memory, so a restart loses every
record and every committed consumer offset. The services' outboxes are their event logs:
marked for republishing (`make replay`, `ttp_common.outbox.replay`), every event goes out
again with its original ``ce_id``, consumers (started after the broker, as `make up` does)
read the new log from the start and deduplicate, and the projection ends with exactly the
figures it would have had without the fault. The producing service stays up throughout.

RabbitMQ (RPC): while the broker is gone, /health says so, HTTP keeps serving (it does not
need AMQP) and an RPC caller gets a clear error at once; when the broker is back the service
answers RPC again by itself, without a restart.

Both brokers are the test's own processes, so killing them disturbs nothing else.
"""
import signal
import threading
import time

import eventlet
import pytest
from nameko.containers import ServiceContainer
from nameko.standalone.rpc import ClusterRpcProxy

from ttp_common.outbox import replay
from ttp_common.rpc import rpc
from ttp_testing import running_service, service_config, unique, wait_for

from registry.service import RegistryService

from .conftest import PrivateKafka, PrivateRabbit, organization
from .projection_service import Projection

pytestmark = pytest.mark.integration

def register(api, token, count):
    ids = []
    for _ in range(count):
        response = api.post("/api/v1/organizations", organization("重启测试机构", "enterprise"), token=token)
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


@pytest.fixture
def kafka():
    broker = PrivateKafka()
    broker.start()
    yield broker
    broker.stop(signal.SIGKILL)


def test_a_kafka_restart_that_loses_the_log_converges_after_replay(kafka):
    prefix = f"{unique()}."
    with running_service(RegistryService, KAFKA_BOOTSTRAP=kafka.bootstrap, KAFKA_TOPIC_PREFIX=prefix,
                         OUTBOX_POLL_SECONDS=0.3, LOG_LEVEL="ERROR") as registry:
        config = service_config("projection", 0, KAFKA_BOOTSTRAP=kafka.bootstrap, KAFKA_TOPIC_PREFIX=prefix,
                                CONSUMER_RETRY_BACKOFF_SECONDS=0.05, LOG_LEVEL="ERROR")
        projection = ServiceContainer(Projection, config)
        projection.start()
        # in one process the two containers share one database connection (ttp_common.mongo.connect)
        projected = registry.db.projected
        try:
            token = registry.token("admin")
            before = register(registry, token, 5)
            wait_for(lambda: projected.count_documents({}) == 5, timeout=60, message="the first five projected")

            kafka.stop(signal.SIGKILL)
            # A consumer must not outlive a log that is gone: it would keep its read positions in
            # the lost log and could skip the start of the new one (operations.md 2.1). So, as
            # `make up` does, the consumers start after the broker; the producer goes on.
            projection.stop()
            kafka.start()  # same address, empty log, no committed offsets
            after = register(registry, token, 5)  # acknowledged: they are in the outbox
            replay(registry.db)  # what `make replay` does
            assert registry.db.outbox.count_documents({"sent": False}) >= 5
            projection = ServiceContainer(Projection, config)
            projection.start()

            expected = sorted(before + after)
            wait_for(lambda: projected.count_documents({}) == 10, timeout=90,
                     message="all ten organizations projected after the replay")
            time.sleep(2)  # anything counted twice would show up now
            assert sorted(d["organization_id"] for d in projected.find()) == expected
        finally:
            projection.stop()


def test_a_rabbitmq_restart_under_load_gives_clear_errors_and_the_service_reconnects(tmp_path):
    rabbit = PrivateRabbit(tmp_path / "rabbit")
    rabbit.start()
    try:
        with running_service(RegistryService, AMQP_URI=rabbit.uri, LOG_LEVEL="WARNING") as api:
            token = api.token("admin")
            calls = RpcLoad(rabbit.uri)
            calls.start()
            wait_for(lambda: calls.answered >= 3, timeout=30, message="RPC answers before the restart")

            rabbit.stop(signal.SIGKILL)
            wait_for(lambda: api.get("/health").status_code == 503, timeout=10, message="/health reporting the outage")
            assert api.get("/health").json()["checks"]["amqp"] == "down"
            acknowledged = register(api, token, 3)  # HTTP writes go on
            failed_before = calls.failed
            wait_for(lambda: calls.failed > failed_before, timeout=10, message="an RPC caller told of the outage")
            assert max(calls.durations_of_failures) < 10, "an RPC caller hung instead of failing"

            rabbit.start()
            answered = calls.answered
            try:
                wait_for(lambda: calls.answered > answered + 3, timeout=60,
                         message="RPC answered again without restarting the service")
            finally:
                print(f"RPC calls: {calls.answered} answered, {calls.failed} failed; last errors {calls.errors[-5:]}")
            wait_for(lambda: api.get("/health").status_code == 200, timeout=10, message="/health ok again")
            calls.stop()
            for organization_id in acknowledged:
                assert api.db.organizations.count_documents({"_id": organization_id}) == 1
    finally:
        rabbit.stop(signal.SIGKILL)


class RpcLoad(threading.Thread):
    """Another department's service calling ours over RPC, with a timeout, again and again."""

    def __init__(self, amqp_uri):
        super().__init__(daemon=True)
        self.amqp_uri = amqp_uri
        self.answered = self.failed = 0
        self.durations_of_failures = []
        self.errors = []
        self._running = True

    def run(self):
        while self._running:
            started = time.monotonic()
            try:
                with ClusterRpcProxy({"AMQP_URI": self.amqp_uri}, timeout=5) as proxy:
                    proxy.registry.get_published_achievement("no-such-achievement")
                self.answered += 1
            except Exception as exc:
                self.errors.append(repr(exc))
                self.failed += 1
                self.durations_of_failures.append(time.monotonic() - started)
                time.sleep(0.2)

    def stop(self):
        self._running = False
        self.join(10)


class Slow:
    name = "slow"

    @rpc
    def answer_later(self, seconds):
        eventlet.sleep(seconds)
        return "done"


def test_a_reply_lost_with_the_broker_does_not_kill_the_service(tmp_path):
    """nameko's own @rpc lets the failed publish of the reply kill the container (HTTP included)."""
    rabbit = PrivateRabbit(tmp_path / "rabbit")
    rabbit.start()
    container = ServiceContainer(Slow, {"AMQP_URI": rabbit.uri})
    container.start()
    try:
        with ClusterRpcProxy({"AMQP_URI": rabbit.uri}, timeout=10) as proxy:
            proxy.slow.answer_later.call_async(3)  # the worker is busy when the broker dies
            eventlet.sleep(1)
        rabbit.stop(signal.SIGKILL)
        eventlet.sleep(4)  # the worker has finished and failed to reply
        assert not container._died.ready(), "the service died with its reply"

        rabbit.start()
        def answered():
            try:
                with ClusterRpcProxy({"AMQP_URI": rabbit.uri}, timeout=3) as proxy:
                    return proxy.slow.answer_later(0) == "done"
            except Exception:
                return False
        wait_for(answered, timeout=90, message="the service answering RPC again")
    finally:
        container.kill()
        rabbit.stop(signal.SIGKILL)
