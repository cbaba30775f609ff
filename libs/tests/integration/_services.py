"""What the library's integration tests share: a test service on the local servers, in a database and
under a topic prefix of its own."""
import contextlib

import pymongo
from nameko.containers import ServiceContainer

from ttp_testing import BOOTSTRAP, MONGO_URI


@contextlib.contextmanager
def started(service_cls, db_name, prefix):
    """A running container of ``service_cls`` (fast outbox polls and retries); its database dropped after."""
    config = {"MONGO_URI": MONGO_URI, "MONGO_DB": db_name, "KAFKA_BOOTSTRAP": BOOTSTRAP, "KAFKA_TOPIC_PREFIX": prefix,
              "OUTBOX_POLL_SECONDS": 0.5, "CONSUMER_RETRY_BACKOFF_SECONDS": 0.05}
    container = ServiceContainer(service_cls, config)
    container.start()
    try:
        yield container
    finally:
        container.stop()
        pymongo.MongoClient(MONGO_URI).drop_database(db_name)


@contextlib.contextmanager
def database(db_name):
    """The database ``db_name`` through a client of its own, for the test's own reads."""
    client = pymongo.MongoClient(MONGO_URI)
    try:
        yield client[db_name]
    finally:
        client.close()
