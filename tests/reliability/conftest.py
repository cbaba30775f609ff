"""Fixtures for fault tests: servers of the test's own, which a test may kill without
disturbing anything else that runs against the shared local stack."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import kombu
import pymongo
from nameko.testing.utils import find_free_port

SECANTUSD = str(Path(sys.executable).with_name("secantusd-py"))


class PrivateMongo:
    """A SecantusDB (MongoDB protocol) process on a free port with its own data directory."""

    def __init__(self, data_dir, *extra_args):
        self.extra_args = list(extra_args)
        self.port = find_free_port()
        self.data_dir = data_dir
        self.uri = f"mongodb://127.0.0.1:{self.port}/?directConnection=true"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [SECANTUSD, "--host", "127.0.0.1", "--port", str(self.port), "--storage-path", str(self.data_dir),
             "--log-level", "WARNING", *self.extra_args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=500)
        deadline = time.time() + 60
        while True:
            try:
                client.admin.command("ping")
                break
            except pymongo.errors.PyMongoError:
                if time.time() > deadline or self.process.poll() is not None:
                    raise RuntimeError("private SecantusDB did not start")
                time.sleep(0.2)
        client.close()

    def stop(self, sig=signal.SIGTERM):
        """SIGTERM is a restart by an operator; SIGKILL is a crash of the process."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, sig)
            self.process.wait(30)


RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


class PrivateRabbit:
    """A RabbitMQ node of the test's own (Debian's rabbitmq-server, no plugins) on a free port,
    with its own node name, Erlang cookie and data directory: killing it disturbs nobody."""

    def __init__(self, base_dir):
        self.base_dir = Path(base_dir)
        self.port = find_free_port()
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"
        self.process = None
        self.base_dir.mkdir(parents=True, exist_ok=True)
        (self.base_dir / "rabbitmq.conf").write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        (self.base_dir / "enabled_plugins").write_text("[].\n")

    def start(self, timeout=90):
        env = {**os.environ, "HOME": str(self.base_dir), "RABBITMQ_CONF_ENV_FILE": "/dev/null",
               "RABBITMQ_NODENAME": f"ttp-test-{self.port}@localhost", "RABBITMQ_NODE_PORT": str(self.port),
               "RABBITMQ_DIST_PORT": str(find_free_port()), "ERL_EPMD_ADDRESS": "127.0.0.1",
               "RABBITMQ_CONFIG_FILE": str(self.base_dir / "rabbitmq.conf"),
               "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base_dir / "enabled_plugins"),
               "RABBITMQ_MNESIA_BASE": str(self.base_dir / "mnesia"), "RABBITMQ_LOG_BASE": str(self.base_dir / "log")}
        self.process = subprocess.Popen([RABBITMQ_SERVER], env=env, start_new_session=True,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while not amqp_answers(self.port):
            if time.time() > deadline or self.process.poll() is not None:
                self.stop(signal.SIGKILL)
                raise RuntimeError("private RabbitMQ did not start")
            time.sleep(0.3)

    def stop(self, sig=signal.SIGTERM):
        """SIGKILL of the whole process group is a crash of the broker."""
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass
            self.process.wait(60)


def amqp_answers(port):
    """The broker speaks AMQP on ``port`` (a TCP accept alone comes before the node is ready)."""
    try:
        with kombu.Connection(f"amqp://guest:guest@127.0.0.1:{port}//", connect_timeout=1) as connection:
            connection.connect()
        return True
    except Exception:
        return False


class PrivateKafka:
    """A Tansu broker (Kafka protocol, memory storage) of the test's own on a free port:
    restarting it loses its whole log, as the development broker does."""

    def __init__(self):
        self.port = find_free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.process = None

    def start(self, timeout=60):
        from ttp_common.stack import kafka_round_trip, tansu_binary

        url = f"tcp://{self.bootstrap}"
        self.process = subprocess.Popen([tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url",
                                         url, "--storage-engine", "memory://tansu/"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while True:
            try:
                if kafka_round_trip(self.bootstrap):
                    return
            except Exception:
                pass
            if time.time() > deadline or self.process.poll() is not None:
                self.stop(signal.SIGKILL)
                raise RuntimeError("private Tansu broker did not start")
            time.sleep(0.3)

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, sig)
            self.process.wait(30)
