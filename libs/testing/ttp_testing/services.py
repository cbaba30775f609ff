"""Services under test: one in a nameko container in the test process (``running_service``), or several as
real ``nameko run`` processes (``nameko_run``), against the real local servers."""
import contextlib
import functools
import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pymongo
import requests
from nameko.containers import ServiceContainer
from nameko.testing.utils import find_free_port

from ttp_common.mongo import OUTBOX
from ttp_common.paths import REPO_ROOT
from ttp_tools.services import SERVICE_CLASSES

from . import events, tokens
from .checks import wait_for
from .servers import AMQP_URI, BOOTSTRAP, MONGO_URI, unique
from .issuer import local_issuer


def service_class(service):
    """The nameko class of ``service``: a class as it is, a platform service's name (``"registry"``) or a
    ``"module:Class"`` path, imported."""
    if isinstance(service, type):
        return service
    module, cls = SERVICE_CLASSES.get(service, service).split(":")
    return getattr(importlib.import_module(module), cls)


def service_config(service, port, **overrides):
    """nameko config for running ``service`` in a test container against the real local servers,
    isolated by a unique database, topic prefix and consumer-group suffix."""
    config = {
        "AMQP_URI": AMQP_URI,
        "WEB_SERVER_ADDRESS": f"127.0.0.1:{port}",
        "MONGO_URI": MONGO_URI,
        "MONGO_DB": unique(f"test_{service}_"),
        "KAFKA_BOOTSTRAP": BOOTSTRAP,
        "KAFKA_TOPIC_PREFIX": f"{unique()}.",
        "OUTBOX_POLL_SECONDS": 0.5,
        "CONSUMER_RETRY_BACKOFF_SECONDS": 0.05,
        "OIDC_ISSUER": local_issuer().url,
    }
    config.update(overrides)
    return config


class ServiceApi:
    """HTTP access to a service running in a test container, plus a look at its database and topics.
    ``name`` is the service's name, ``spec`` the OpenAPI document it serves."""

    def __init__(self, url, config, db, name=None):
        self.url, self.config, self.db, self.name = url, config, db, name
        self._signer = identity_signer(config) if name == "identity" else None

    @functools.cached_property
    def spec(self):
        response = self.get("/api/v1/openapi.json")
        assert response.status_code == 200, response.text
        return response.json()

    # -- tokens (ttp_testing.tokens, signed by the test run's issuer, which the service trusts) ----------
    def token(self, role, sub=None, **claims):
        return tokens.token(role, sub, signer=self._signer, **claims)

    def admin(self, sub=None, **claims):
        return tokens.admin(sub, signer=self._signer, **claims)

    def institution(self, org, sub=None, **claims):
        """A clerk of ``org``: an institution token scoped to it (sub ``clerk-<org>`` unless given)."""
        return tokens.institution(org, sub, signer=self._signer, **claims)

    def reviewer(self, region, sub=None, **claims):
        """The reviewer of ``region`` (sub ``reviewer-<region>`` unless given)."""
        return tokens.reviewer(region, sub, signer=self._signer, **claims)

    # -- HTTP ----------------------------------------------------------------------
    def request(self, method, path, token=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        kwargs.setdefault("timeout", 10)
        return requests.request(method, self.url + path, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.request("POST", path, **kwargs)

    # -- RPC -----------------------------------------------------------------------
    def rpc(self, timeout=10):
        """A nameko cluster proxy on the service's AMQP broker and virtual host (``with api.rpc() as cluster``)."""
        from nameko.standalone.rpc import ClusterRpcProxy

        return ClusterRpcProxy({"AMQP_URI": self.config["AMQP_URI"]}, timeout=timeout)

    # -- what it stored and published ---------------------------------------------
    def counts(self, collection):
        """(documents in ``collection``, outbox rows): what a rejected request must not change."""
        return self.db[collection].count_documents({}), self.db[OUTBOX].count_documents({})

    def event(self, aggregate_topic, subject):
        """The Kafka record whose ``ce_subject`` is ``subject`` on ``<prefix>ttp.<service>.<aggregate>``."""
        records = events.read_topic(self.config["KAFKA_TOPIC_PREFIX"] + aggregate_topic,
                                    lambda r: events.header(r, "ce_subject") == subject)
        assert len(records) == 1, f"expected one event for {subject} on {aggregate_topic}, got {len(records)}"
        return records[0]

    @staticmethod
    def decode(record):
        """(event name, data) of a record's Avro payload, decoded with the published schemas."""
        return events.decode(record)


def identity_signer(config):
    """The identity service trusts only its own keys: its tokens in a test are signed with its key ring, as it
    signs them (a token without a browser session, ``sid``, as a client system's or a script's)."""
    from identity.keys import KeyRing
    from identity.settings import Settings

    settings = Settings.from_config(config)
    ring = KeyRing(settings.key_dir)
    return lambda claims: ring.sign({**claims, "iss": settings.issuer})


@contextlib.contextmanager
def running_service(service, **config_overrides):
    """Run ``service`` (a class, a platform service's name or a ``"module:Class"`` path) in a nameko
    container on a free port against the real local servers; yields a ``ServiceApi``; stops the
    container and drops its test database afterwards."""
    service_cls = service_class(service)
    port = find_free_port()
    config = service_config(service_cls.name, port, **config_overrides)
    container = ServiceContainer(service_cls, config)
    container.start()
    client = pymongo.MongoClient(MONGO_URI)
    try:
        yield ServiceApi(f"http://127.0.0.1:{port}", config, client[config["MONGO_DB"]], name=service_cls.name)
    finally:
        container.stop()
        client.drop_database(config["MONGO_DB"])
        client.close()


class RunningPlatform:
    """Services started by ``nameko_run``: their URLs, database names and logs."""

    def __init__(self, log_dir, prefix):
        self.log_dir, self.prefix = log_dir, prefix
        self.urls, self.dbs, self.procs = {}, {}, {}

    def log_tail(self, name, chars=3000):
        return (self.log_dir / f"{name}.log").read_text("utf-8", "replace")[-chars:]


@contextlib.contextmanager
def nameko_run(names, log_dir, *, prefix=None, env=None, ready_timeout=90, ports=None):
    """Start ``names`` (services of ttp_tools.services.SERVICE_CLASSES) as real ``nameko run``
    processes against the real local servers, each on a free port (or the one ``ports`` gives it) with its
    own database, under one topic prefix; yields a ``RunningPlatform`` once every /health answers 200;
    stops them and drops their databases afterwards."""
    platform = RunningPlatform(Path(log_dir), prefix or f"{unique()}.")
    nameko = Path(sys.executable).parent / "nameko"
    try:
        for name in names:
            port = (ports or {}).get(name) or find_free_port()
            platform.urls[name] = f"http://127.0.0.1:{port}"
            platform.dbs[name] = unique(f"test_{name}_")
            process_env = {**os.environ, f"{name.upper()}_PORT": str(port), f"{name.upper()}_MONGO_DB": platform.dbs[name],
                           "MONGO_URI": MONGO_URI, "KAFKA_BOOTSTRAP": BOOTSTRAP, "AMQP_URI": AMQP_URI,
                           "KAFKA_TOPIC_PREFIX": platform.prefix, "OIDC_ISSUER": local_issuer().url,
                           "OUTBOX_POLL_SECONDS": "0.5", **(env or {})}
            platform.procs[name] = subprocess.Popen(
                [str(nameko), "run", "--config", str(REPO_ROOT / "services" / name / "config.yaml"),
                 SERVICE_CLASSES[name]],
                cwd=REPO_ROOT / "services" / name, env=process_env, stdout=open(platform.log_dir / f"{name}.log", "wb"),
                stderr=subprocess.STDOUT)
        for name, url in platform.urls.items():
            def healthy(url=url, name=name):
                assert platform.procs[name].poll() is None, f"{name} exited:\n{platform.log_tail(name)}"
                try:
                    return requests.get(f"{url}/health", timeout=2).status_code == 200
                except requests.RequestException:
                    return False
            wait_for(healthy, timeout=ready_timeout, interval=0.25, message=f"{name} to answer /health")
        yield platform
    finally:
        for proc in platform.procs.values():
            proc.send_signal(signal.SIGTERM)
        for proc in platform.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        client = pymongo.MongoClient(MONGO_URI)
        for db in platform.dbs.values():
            client.drop_database(db)
        client.close()
