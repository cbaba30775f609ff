"""Fixtures for the finance service's tests: one real service container per module, talked to over HTTP."""
import pymongo
import pytest
import requests
from nameko.containers import ServiceContainer
from nameko.testing.utils import find_free_port

from ttp_common.auth import mint_token
from ttp_common.events import codec
from ttp_common.mongo import OUTBOX
from ttp_common.testing import MONGO_URI, header, read_topic, service_config

SECRET = "test-secret-of-at-least-32-bytes-long"  # what service_config() configures


class Api:
    """HTTP access to a running service container, plus a look at its database and topics."""

    def __init__(self, url, config, db):
        self.url, self.config, self.db = url, config, db

    def token(self, role, sub=None, secret=SECRET, **claims):
        return mint_token(sub or f"test-{role}", role, secret=secret, **claims)

    def request(self, method, path, token=None, **kwargs):
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        if body is not None:
            kwargs["json"] = body
        return self.request("POST", path, **kwargs)

    def counts(self, collection):
        """(documents in ``collection``, outbox rows): what a rejected request must not change."""
        return self.db[collection].count_documents({}), self.db[OUTBOX].count_documents({})

    def event(self, aggregate_topic, subject):
        """The Kafka record whose ``ce_subject`` is ``subject`` on ``<prefix>ttp.<service>.<aggregate>``."""
        records = read_topic(self.config["KAFKA_TOPIC_PREFIX"] + aggregate_topic,
                             lambda r: header(r, "ce_subject") == subject)
        assert len(records) == 1, f"expected one event for {subject} on {aggregate_topic}, got {len(records)}"
        return records[0]

    @staticmethod
    def decode(record):
        """(event name, data) of a record's Avro payload, decoded with the published schemas."""
        return codec().decode(record.value)


@pytest.fixture(scope="module")
def api():
    from finance.service import FinanceService

    port = find_free_port()
    config = service_config("finance", port)
    container = ServiceContainer(FinanceService, config)
    container.start()
    client = pymongo.MongoClient(MONGO_URI)
    try:
        yield Api(f"http://127.0.0.1:{port}", config, client[config["MONGO_DB"]])
    finally:
        container.stop()
        client.drop_database(config["MONGO_DB"])
        client.close()
