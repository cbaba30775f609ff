"""A private copy of the platform for the load, end-to-end and soak benchmarks (not a benchmark itself).

It starts, on free loopback ports and with its data under /tmp:
  - a SecantusDB (MongoDB protocol) server and a Tansu (Kafka protocol, memory storage) broker of its own,
  - a RabbitMQ virtual host of its own on the shared RabbitMQ (so nameko RPC never reaches another
    engineer's services; the vhost is deleted afterwards),
  - the five services, each a `nameko run` process exactly as `ttp-stack` starts them (same config files,
    pointed at the private servers through the environment: MONGO_URI, KAFKA_BOOTSTRAP, AMQP_URI,
    <SERVICE>_PORT),
  - optionally the bare nameko service of bench/bare_service.py, the baseline.
Everything it started is stopped by its own process id when the `with` block ends; the shared servers
(Kafka 9092, MongoDB 27017, RabbitMQ) are never touched apart from the vhost.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote, urlparse

import pymongo
import requests
from nameko.testing.utils import find_free_port

from ttp_testing import tokens
from ttp_testing.issuer import local_issuer
from ttp_tools import processes, servers, services

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SERVICES = list(services.SERVICE_CLASSES)


def rss_kib(pid):
    """Resident set size of a process in KiB, from /proc/<pid>/status (VmRSS); None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        return None
    return None


def machine():
    load = os.getloadavg()
    return (f"python-svc kind, host {os.uname().nodename} ({os.cpu_count()} cores, shared), python {sys.version.split()[0]}, "
            f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {time.strftime('%Y-%m-%d %H:%M %Z')}")


class PrivateStack:
    def __init__(self, services=SERVICES, bare=True, log_level="INFO", extra_env=None):
        self.services, self.bare, self.log_level = list(services), bare, log_level
        self.extra_env = extra_env or {}
        self.dir = Path(tempfile.mkdtemp(prefix="ttp-bench-"))
        self.procs = {}  # name -> Popen
        self.ports = {}
        self.vhost = f"ttp-bench-{uuid.uuid4().hex[:8]}"
        mgmt = urlparse(processes.rabbit_management_url())
        self.mgmt = (f"{mgmt.scheme}://{mgmt.hostname}:{mgmt.port or 15672}", (mgmt.username or "guest",
                                                                               mgmt.password or "guest"))
        amqp = urlparse(processes.amqp_uri())
        self.amqp_uri = f"amqp://{amqp.username or 'guest'}:{amqp.password or 'guest'}@{amqp.hostname}:" \
                        f"{amqp.port or 5672}/{quote(self.vhost, safe='')}"

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self):
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc):
        self.stop()

    def _spawn(self, name, argv, env=None, cwd=REPO):
        log = open(self.dir / f"{name}.log", "wb")
        self.procs[name] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            cwd=cwd, env=env, start_new_session=True)

    def start(self):
        # MongoDB protocol
        self.ports["mongo"] = find_free_port()
        (self.dir / "mongo").mkdir()
        self.mongo_uri = f"mongodb://127.0.0.1:{self.ports['mongo']}/?directConnection=true"
        self._spawn("mongo", servers.secantus_argv("127.0.0.1", self.ports["mongo"], self.dir / "mongo"))
        # Kafka protocol
        self.ports["kafka"] = find_free_port()
        self.bootstrap = f"127.0.0.1:{self.ports['kafka']}"
        url = f"tcp://{self.bootstrap}"
        self._spawn("kafka", [servers.tansu_binary(), "broker", "--listener-url", url, "--advertised-listener-url", url,
                              "--storage-engine", "memory://tansu/"])
        # RabbitMQ vhost
        base, auth = self.mgmt
        requests.put(f"{base}/api/vhosts/{self.vhost}", auth=auth, timeout=10).raise_for_status()
        requests.put(f"{base}/api/permissions/{self.vhost}/{auth[0]}", auth=auth, timeout=10,
                     json={"configure": ".*", "write": ".*", "read": ".*"}).raise_for_status()
        os.environ.update(MONGO_URI=self.mongo_uri, KAFKA_BOOTSTRAP=self.bootstrap)  # what ttp-stack's helpers read
        processes.wait_until(servers.mongo_ping, "private SecantusDB", 60)
        processes.wait_until(lambda: servers.kafka_round_trip(self.bootstrap), "private Tansu", 60)
        servers.create_topics()
        # services
        env = {**os.environ, "MONGO_URI": self.mongo_uri, "KAFKA_BOOTSTRAP": self.bootstrap,
               "AMQP_URI": self.amqp_uri, "OIDC_ISSUER": local_issuer().url, "LOG_LEVEL": self.log_level,
               "EVENTLET_TESTS": "1", **self.extra_env}
        for name in self.services:
            var, _ = services.SERVICES[name]
            self.ports[name] = find_free_port()
            env[var] = str(self.ports[name])
        for name in self.services:
            self._spawn(name, [str(BIN / "nameko"), "run", "--config", str(REPO / "services" / name / "config.yaml"),
                               services.SERVICE_CLASSES[name]], env=env, cwd=REPO / "services" / name)
        if self.bare:
            self.ports["bare"] = find_free_port()
            bare_env = {**env, "BARE_PORT": str(self.ports["bare"]), "BARE_MONGO_DB": "bench_bare",
                        "BARE_SEARCH_DB": "ttp_registry"}
            self._spawn("bare", [str(BIN / "nameko"), "run", "--config", str(REPO / "bench" / "bare_service.yaml"),
                                 "bare_service:BareService"], env=bare_env, cwd=REPO / "bench")
        for name in self.services + (["bare"] if self.bare else []):
            processes.wait_until(lambda name=name: self._healthy(name), f"{name} (private)", 180)

    def _healthy(self, name):
        if self.procs[name].poll() is not None:
            raise SystemExit(f"{name} exited; see {self.dir / (name + '.log')}:\n"
                             + (self.dir / f"{name}.log").read_text(errors="replace")[-2000:])
        return requests.get(f"{self.url(name)}/health", timeout=3).status_code == 200

    def stop(self):
        for name in reversed(list(self.procs)):
            proc = self.procs[name]
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
        base, auth = self.mgmt
        try:
            requests.delete(f"{base}/api/vhosts/{self.vhost}", auth=auth, timeout=10)
        except requests.RequestException:
            pass
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(self.dir, ignore_errors=True)

    # -- access ----------------------------------------------------------------------------
    def url(self, name):
        return f"http://127.0.0.1:{self.ports[name]}"

    def pid(self, name):
        return self.procs[name].pid

    def rss_mib(self, names=None):
        return {name: (rss_kib(self.pid(name)) or 0) / 1024 for name in (names or self.procs)
                if name not in ("mongo", "kafka")}

    def alive(self):
        return {name: proc.poll() is None for name, proc in self.procs.items()}

    def mongo(self):
        return pymongo.MongoClient(self.mongo_uri)

    @staticmethod
    def token(role, sub=None, **claims):
        """A token of the local issuer the private services trust (ttp_testing.issuer)."""
        return tokens.token(role, sub or f"bench-{role}", **claims)
