"""The read models the projection keeps, and how they are read: what documents.py is to other services.

They are plain collections without document classes: the rule modules fold them as dicts
(``ledger.apply_event``, ``compliance.apply_event``), every field is kept even when null, and the
counters take one bulk ``$inc`` per event.

    counters          {_id: "<plan>/<counter name>", plan, counter, value: int}  (``progress``: money in fen)
    organizations     {_id: organization id, name, kind, region_code, supervising_department}
    annual_reports    {_id: report id, organization_id, year, region_code, department, filed, ...}
    tasks             {_id: task id, status, note, updated_by, updated_at, revision, event_id}
    projection_meta   {_id: "projection", applied, last_applied_at, last_event_time}

Every reader takes a ``ttp_common.mongo.Repository`` (the store outside a transaction, or the unit of
work inside one, whose session it reads in).
"""
from pymongo import UpdateOne

COUNTERS = "counters"
ORGANIZATIONS = "organizations"
REPORTS = "annual_reports"
TASKS = "tasks"
META = "projection_meta"
COLLECTIONS = (COUNTERS, ORGANIZATIONS, REPORTS, TASKS, META)
META_ID = "projection"


def counters(repo, plan_key):
    """{counter name: int} of one plan."""
    return {doc["counter"]: doc["value"]
            for doc in repo.db[COUNTERS].find({"plan": plan_key}, session=repo.session)}


def add_to_counters(repo, increments):
    """Add {plan key: {counter name: int}} to the counters (created at 0), in one round trip."""
    updates = [UpdateOne({"_id": f"{plan_key}/{counter}"},
                         {"$inc": {"value": amount}, "$setOnInsert": {"plan": plan_key, "counter": counter}},
                         upsert=True)
               for plan_key, by_counter in sorted(increments.items())
               for counter, amount in sorted(by_counter.items())]
    if updates:
        repo.db[COUNTERS].bulk_write(updates, ordered=True, session=repo.session)


def meta(repo):
    """How far the projection has come: ``applied``, ``last_event_time``, ``last_applied_at`` (empty at first)."""
    return repo.db[META].find_one({"_id": META_ID}, session=repo.session) or {}


def count_applied(repo, event_time, at, count=1):
    """``count`` more events applied at ``at``; ``last_event_time`` is the newest event time seen."""
    update = {"$inc": {"applied": count}, "$set": {"last_applied_at": at}}
    if event_time is not None:
        update["$max"] = {"last_event_time": event_time}
    repo.db[META].update_one({"_id": META_ID}, update, upsert=True, session=repo.session)


def task_state(repo, task_id):
    """The stored state of one ledger task, or None when it was never updated."""
    return repo.db[TASKS].find_one({"_id": task_id}, session=repo.session)


def task_states(repo):
    """{task id: state} of every task ever updated."""
    return {doc["_id"]: doc for doc in repo.db[TASKS].find({}, session=repo.session)}


def save_task(repo, task_id, state):
    repo.db[TASKS].replace_one({"_id": task_id}, state, upsert=True, session=repo.session)


def annual_reports(repo, year=None):
    """The report documents (without ``_id``), of one year or of every year."""
    query = {} if year is None else {"year": year}
    return list(repo.db[REPORTS].find(query, {"_id": 0}, session=repo.session))


def report(repo, report_id):
    """One report document without its ``_id``, or None."""
    return repo.db[REPORTS].find_one({"_id": report_id}, {"_id": 0}, session=repo.session)


def save_report(repo, report_id, document):
    repo.db[REPORTS].replace_one({"_id": report_id}, document, upsert=True, session=repo.session)


def organizations(repo):
    """{organization id: directory entry} of the universities and institutes (``compliance.organization``)."""
    return {doc.pop("_id"): doc for doc in repo.db[ORGANIZATIONS].find({}, session=repo.session)}


def save_organization(repo, organization_id, entry):
    repo.db[ORGANIZATIONS].replace_one({"_id": organization_id}, entry, upsert=True, session=repo.session)
