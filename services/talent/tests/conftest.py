"""Fixtures for the talent service's tests: one real service container per module, talked to over HTTP,
and a scan of every event the module's service published for personal data."""
import re

import pytest

from ttp_common.mongo import OUTBOX
from ttp_testing import codec, read_topic, service_api_fixture

TOPICS = ("person", "training", "broker", "reward", "expert")
# Whole tokens only: ids are hex or uuid-like and never match these by accident.
PHONE = re.compile(r"(?<![0-9A-Za-z])(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9A-Za-z])")
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")

api = service_api_fixture("talent")
# RPC tests: on a RabbitMQ virtual host of its own, so that no other instance of the service answers.
rpc_api = service_api_fixture("talent", own_vhost=True)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def published_events(api):
    """Every record the service published on its five topics (all of its outbox, once sent)."""
    prefix = api.config["KAFKA_TOPIC_PREFIX"]
    records = []
    for aggregate in TOPICS:
        topic = f"{prefix}ttp.talent.{aggregate}"
        expected = api.db[OUTBOX].count_documents({"topic": topic})
        if expected:
            found = read_topic(topic, count=expected)
            assert len(found) >= expected, f"only {len(found)} of {expected} events on {topic}"
            records.extend(found)
    return records


@pytest.fixture
def assert_no_personal_data():
    """Check every event published so far: no phone number or identity number in payload or headers, and
    none of the given personal values (names, contact, ID numbers) anywhere in the raw bytes."""

    def check(api, personal_values):
        records = published_events(api)
        assert records, "no events to scan"
        for record in records:
            name, data = codec().decode(record.value)
            texts = list(_strings(data)) + [v.decode("utf-8", "replace") for _, v in record.headers or []]
            for text in texts:
                assert not PHONE.search(text), f"{name}: phone number in {text!r}"
                assert not ID_NUMBER.search(text), f"{name}: identity number in {text!r}"
            raw = record.value + b"".join(v for _, v in record.headers or [])
            for value in personal_values:
                assert value.encode() not in raw, f"{name}: personal value {value!r} in the event"
        return records

    return check


@pytest.fixture
def personal_data_patterns():
    return PHONE, ID_NUMBER


@pytest.fixture
def uow():
    """A fake unit of work over every talent document (``ttp_testing.fakes``), for the handler unit tests."""
    from talent.service import TalentService
    from ttp_testing.fakes import FakeUnitOfWork

    return FakeUnitOfWork(*TalentService.documents, service="talent")
