"""Fixtures for fault tests: servers of the test's own, which a test may kill without
disturbing anything else that runs against the shared local stack."""
import itertools
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import kombu
import pymongo
import requests
from nameko.testing.utils import find_free_port

from ttp_common.reference import uscc_check_character
from ttp_tools.processes import listening
from ttp_tools.servers import kafka_log_argv, kafka_round_trip, secantus_argv, tansu_argv

from ttp_testing import tokens

NAMEKO = str(Path(sys.executable).with_name("nameko"))
_serial = itertools.count(1)


def organization(name="成都技术转移服务中心", kind="service_institution"):
    """A registry organization body with a fresh, valid credit code."""
    first17 = f"91510100MA{next(_serial):07d}"
    return {"name": name, "credit_code": first17 + uscc_check_character(first17), "kind": kind,
            "region_code": "510100"}


class Process:
    """A service under `nameko run`, restartable, its output kept in a log file."""

    def __init__(self, name, args, cwd, env, log_dir):
        self.name, self.args, self.cwd, self.env, self.log_dir = name, args, cwd, env, log_dir
        self.process, self.starts = None, 0

    def start(self):
        self.starts += 1
        log = open(self.log_dir / f"{self.name}.{self.starts}.log", "wb")
        self.process = subprocess.Popen([NAMEKO, "run", *self.args], cwd=self.cwd, env=self.env,
                                        stdout=log, stderr=subprocess.STDOUT)

    def kill(self):
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


class Writer(threading.Thread):
    """A client registering organizations one after another, until it has ``count`` acknowledged (201)
    or is stopped; remembers which were acknowledged. Any other answer or a failed call is not a write."""

    def __init__(self, url, count=None):
        super().__init__(daemon=True)
        self.url, self.count = url, count
        self.acknowledged, self.failed_calls = [], 0
        self.stopped = threading.Event()
        self.token = tokens.admin("crash-test")

    def run(self):
        while not self.stopped.is_set() and (self.count is None or len(self.acknowledged) < self.count):
            try:
                response = requests.post(f"{self.url}/api/v1/organizations", json=organization("崩溃测试机构"),
                                         timeout=10, headers={"Authorization": f"Bearer {self.token}"})
            except requests.RequestException:
                self.failed_calls += 1  # the service is down: not acknowledged, try the next one
                time.sleep(0.2)
                continue
            if response.status_code == 201:
                self.acknowledged.append(response.json()["id"])
            else:
                self.failed_calls += 1
                time.sleep(0.2)

    def stop(self, timeout=30):
        self.stopped.set()
        self.join(timeout)
        assert not self.is_alive(), "a writer did not stop"


def healthy(url):
    try:
        return requests.get(f"{url}/health", timeout=2).status_code == 200
    except requests.RequestException:
        return False


class PrivateServer:
    """A server process of the test's own, in its own session (so a signal reaches all of it)."""

    what = "server"
    process = None

    def _launch(self, argv, ready, timeout, **popen):
        """Start ``argv`` and wait until ``ready()`` is truthy (an exception counts as not yet)."""
        self.process = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, **popen)
        deadline = time.time() + timeout
        while not _answers(ready):
            if time.time() > deadline or self.process.poll() is not None:
                self.stop(signal.SIGKILL)
                raise RuntimeError(f"private {self.what} did not start")
            time.sleep(0.2)

    def stop(self, sig=signal.SIGTERM):
        """SIGTERM is a restart by an operator; SIGKILL is a crash of the server."""
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass
            self.process.wait(60)


def _answers(ready):
    try:
        return ready()
    except Exception:
        return False


class PrivateMongo(PrivateServer):
    """A SecantusDB (MongoDB protocol) process on a free port with its own data directory, started as the
    launcher starts the development server (``--sync-on-commit`` included)."""

    what = "SecantusDB"

    def __init__(self, data_dir, *extra_args):
        self.extra_args = list(extra_args)
        self.port = find_free_port()
        self.data_dir = data_dir
        self.uri = f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, timeout=60):
        client = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=500)
        try:
            self._launch([*secantus_argv("127.0.0.1", self.port, self.data_dir), *self.extra_args],
                         lambda: client.admin.command("ping"), timeout)
        finally:
            client.close()


RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"


class PrivateRabbit(PrivateServer):
    """A RabbitMQ node of the test's own (Debian's rabbitmq-server, no plugins) on a free port,
    with its own node name, Erlang cookie and data directory: killing it disturbs nobody."""

    what = "RabbitMQ"

    def __init__(self, base_dir):
        self.base_dir = Path(base_dir)
        self.port = find_free_port()
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"
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
        self._launch([RABBITMQ_SERVER], self._speaks_amqp, timeout, env=env)

    def _speaks_amqp(self):
        """A TCP accept alone comes before the node is ready."""
        with kombu.Connection(f"amqp://guest:guest@127.0.0.1:{self.port}//", connect_timeout=1) as connection:
            connection.connect()
        return True


class PrivateKafkaLog(PrivateServer):
    """The local S3 server (localbucket) a broker keeps its log in, as the launcher starts it (KAFKA_STORAGE=s3)."""

    what = "local S3 server"

    def __init__(self, data_dir):
        self.port = find_free_port()
        self.data_dir = data_dir

    def start(self, timeout=30):
        self._launch(kafka_log_argv(self.port, self.data_dir), lambda: listening("127.0.0.1", self.port), timeout)


class PrivateKafka(PrivateServer):
    """A Tansu broker (Kafka protocol) of the test's own on a free port, started as the launcher starts it:
    its log in ``log`` (a started ``PrivateKafkaLog``) or, without one, in memory — a restart then loses it."""

    what = "Tansu broker"

    def __init__(self, log=None):
        self.port = find_free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log = log

    def start(self, timeout=60):
        argv, extra = tansu_argv(f"tcp://{self.bootstrap}", self.log.port if self.log else None)
        self._launch(argv, lambda: kafka_round_trip(self.bootstrap), timeout, env={**os.environ, **extra})
