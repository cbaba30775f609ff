"""Bulk import in chunks (``registry.handlers.bulk_import``, issue 17 item 6): one transaction per chunk of rows,
each row still reported on its own. Against the real service with three rows per chunk, so that one request spans
several chunks: bad rows are skipped without failing their chunk, a duplicate inside a chunk or across chunks is
``exists``, every good row is stored once and its event is on Kafka once, and a re-run changes nothing. Without
servers: a chunk refused at write (a key that raced in) is written again row by row with an exact report."""
import datetime as dt
import random

import pytest
from pymongo.errors import BulkWriteError

from ttp_common.auth import Principal, Roles
from ttp_testing import service_api_fixture
from ttp_testing.fakes import FakeUnitOfWork

from registry import history
from registry.achievements import AchievementIn
from registry.documents import Achievement
from registry.handlers import bulk_import

from .test_history import achievement_form

IMPORT = "/api/v1/achievements/import"
api = service_api_fixture("registry", IMPORT_CHUNK_ROWS=3)


def registered(number, day="2019-08-15", **form):
    return {"import_key": number, "form": achievement_form(**form), "registration_number": number,
            "registered_on": day}


@pytest.mark.integration
def test_a_chunk_with_a_bad_row_and_duplicates_stores_each_good_row_once_with_its_event_once(api):
    reviewer = api.token("reviewer", region="510100")
    serial = random.randrange(1000, 9000)
    a, b, d, e = (f"50120191{serial + i:04d}" for i in range(4))
    c = f"50120201{serial:04d}"  # registered in 2020
    assert api.post(IMPORT, {"rows": [registered(a)]}, token=reviewer).json()["results"][0]["status"] == "created"
    achievements, outbox = api.counts("achievements")
    rows = [registered(a),                                    # chunk 1: stored before
            registered(b, title="成渝地区技术市场发展研究"),
            registered(f"50120192{serial:04d}"),             # rejected: the category digit of soft science
            registered(b),                                    # the same number again in its chunk
            registered(c, day="2020-03-02"),                  # chunk 2
            registered(f"50120191{serial + 9:04d}", trl=12),  # rejected: the form
            registered(d),
            registered(b),                                    # stored by chunk 1
            registered(e)]                                    # chunk 3
    results = api.post(IMPORT, {"rows": rows}, token=reviewer).json()["results"]
    assert [(r["row"], r["status"]) for r in results] == [
        (0, "exists"), (1, "created"), (2, "rejected"), (3, "exists"), (4, "created"), (5, "rejected"),
        (6, "created"), (7, "exists"), (8, "created")]
    assert results[2]["errors"][0]["path"] == "registration_number" and results[5]["errors"][0]["path"] == "trl"
    ids = {number: history.registered_id(number) for number in (a, b, c, d, e)}
    assert [results[i]["id"] for i in (0, 1, 3, 4, 6, 7, 8)] == [ids[n] for n in (a, b, b, c, d, b, e)]
    assert api.counts("achievements") == (achievements + 4, outbox + 4)

    for number in (a, b, c, d, e):  # each good row's event on the topic, once
        name, data = api.decode(api.event("ttp.registry.achievement", ids[number]))
        assert name == "registry.achievement.registered.v1"
        assert (data["registration_number"], data["imported"]) == (number, True)
    name, data = api.decode(api.event("ttp.registry.achievement", ids[c]))
    assert data["effective_date"] == dt.date(2020, 3, 2)

    again = api.post(IMPORT, {"rows": rows}, token=reviewer).json()["results"]
    assert [r["status"] for r in again] == ["exists", "exists", "rejected", "exists", "exists", "rejected",
                                            "exists", "exists", "exists"]
    assert api.counts("achievements") == (achievements + 4, outbox + 4)


@pytest.mark.integration
def test_drafts_in_chunks_keep_their_plan_project_check_and_are_created_once(api):
    org = f"org-chunks-{random.randrange(10 ** 6)}"
    token = api.token("institution", org=org)
    form = achievement_form(organization_ids=[org])
    rows = [{"import_key": "K1", "form": form},
            {"import_key": "K2", "form": {**form, "funding": {"fiscal": True, "plan_project_id": "no-such-project"}}},
            {"import_key": "K1", "form": form},
            {"import_key": "", "form": form},
            {"import_key": "K3", "form": form}]
    achievements, outbox = api.counts("achievements")
    results = api.post(IMPORT, {"rows": rows}, token=token).json()["results"]
    assert [r["status"] for r in results] == ["created", "rejected", "exists", "rejected", "created"]
    assert results[1]["errors"] == [{"path": "funding.plan_project_id", "message": "no such plan project"}]
    assert results[3]["errors"][0]["path"] == "import_key" and results[0]["id"] == results[2]["id"]
    assert api.counts("achievements") == (achievements + 2, outbox)  # drafts are not announced
    assert [r["status"] for r in api.post(IMPORT, {"rows": rows}, token=token).json()["results"]] == [
        "exists", "rejected", "exists", "rejected", "exists"]


# -- a chunk refused at write, without servers ----------------------------------------------------------

AT = dt.datetime(2026, 12, 2, 8, 0, tzinfo=dt.timezone.utc)
CHENGDU = Principal(sub="reviewer-cd", role=Roles.REVIEWER, region="510100")


class RacingStore:
    """``transact`` on a fake unit of work; the first chunk meets a row stored meanwhile by another import."""

    def __init__(self, uow, raced):
        self.uow, self.raced, self.chunks = uow, raced, 0

    def transact(self, work, *args, actor=None):
        if work is bulk_import.import_chunk:
            self.chunks += 1
            if self.raced is not None:
                self.uow.collection(Achievement).insert_one(dict(self.raced.document))  # committed by the other import after this chunk's read
                self.raced = None
                raise BulkWriteError({"writeErrors": [{"index": 1, "code": 11000, "errmsg": "duplicate key"}]})
        return work(self.uow, *args)


def test_a_chunk_refused_at_write_is_written_row_by_row_and_reported_exactly():
    uow = FakeUnitOfWork(Achievement, service="registry")
    form = AchievementIn.model_validate(achievement_form())
    numbers = ["501201910001", "501201910002", "501201910003", "501201910004"]
    rows = [bulk_import.registered_row(i, form, n, dt.date(2019, 8, 15), CHENGDU, AT) for i, n in enumerate(numbers)]
    store = RacingStore(uow, raced=rows[1])
    outcomes = bulk_import.write(store, rows, 3, actor=None)
    assert [outcomes[i]["status"] for i in range(4)] == ["created", "exists", "created", "created"]
    assert store.chunks == 2  # the second chunk (the fourth row) is a chunk again
    assert [e.subject for e in uow.events] == [history.registered_id(n) for n in (numbers[0], numbers[2], numbers[3])]
    assert uow.count(Achievement) == 4


def test_a_chunk_stores_each_row_as_the_row_by_row_handlers_do():
    form = AchievementIn.model_validate(achievement_form())
    institution = Principal(sub="inst-1", role=Roles.INSTITUTION, org="org-1")
    rows = [bulk_import.draft_row(0, "K-1", form, institution, AT),
            bulk_import.registered_row(1, form, "501201910001", dt.date(2019, 8, 15), CHENGDU, AT)]
    alone, chunked = FakeUnitOfWork(Achievement, service="registry"), FakeUnitOfWork(Achievement, service="registry")
    for row in rows:
        handler, args = row.alone
        assert handler(alone, *args)["status"] == "created"
    assert bulk_import.import_chunk(chunked, rows) == {0: {"status": "created", "id": rows[0].id},
                                                       1: {"status": "created", "id": rows[1].id}}
    assert list(chunked.collection(Achievement).find()) == list(alone.collection(Achievement).find())
    assert [(e.name, e.data, e.subject) for e in chunked.events] == [(e.name, e.data, e.subject) for e in alone.events]


def test_the_chunk_size_is_a_whole_number_of_at_least_one():
    assert bulk_import.chunk_rows("200") == 200
    with pytest.raises(ValueError):
        bulk_import.chunk_rows(0)
