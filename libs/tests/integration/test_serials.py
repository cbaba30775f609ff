"""Serial numbers (``ttp_common.mongo.next_serial``) drawn concurrently against the real MongoDB-protocol server.

Twelve concurrent first draws of a new counter race to insert it; SecantusDB then answers some of them with no
document at all (29 of 40 rounds before next_serial drew again), which a contract registration turned into a
500. Every draw must give a number, and no number twice.
"""
from concurrent.futures import ThreadPoolExecutor

import pymongo
import pytest

from ttp_common.mongo import SEQUENCES, create_collections, next_serial
from ttp_testing import MONGO_URI, unique

pytestmark = pytest.mark.integration


@pytest.fixture
def db():
    client = pymongo.MongoClient(MONGO_URI)
    name = unique("test_serials_")
    create_collections(client[name], [SEQUENCES])  # as the Store creates it at start
    yield client[name]
    client.drop_database(name)
    client.close()


def test_concurrent_first_draws_of_a_counter_each_give_a_distinct_number(db):
    for round_ in range(10):
        with ThreadPoolExecutor(max_workers=12) as pool:
            numbers = list(pool.map(lambda _: next_serial(db, f"510100-2026-{round_}"), range(12)))
        assert len(set(numbers)) == 12 and all(isinstance(n, int) and n >= 1 for n in numbers), numbers
