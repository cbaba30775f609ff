"""The read models, written from one consumed event inside the caller's transaction.

Used by the service's consumer and by the rebuild CLI alike, so a replay from the topics
produces exactly what live consumption produced.
"""
import datetime as dt

from pymongo import UpdateOne

from . import compliance, domain, ledger

COUNTERS = "counters"
ORGANIZATIONS = "organizations"
REPORTS = "annual_reports"
TASKS = "tasks"
META = "projection_meta"
COLLECTIONS = (COUNTERS, ORGANIZATIONS, REPORTS, TASKS, META)
HANDLER = "project_event"  # the consumer's method name: its dedup markers are "<HANDLER>|<ce_id>"

ORGANIZATION_REGISTERED = "registry.organization.registered.v1"
REPORT_EVENTS = {f"registry.annual_report.{e}.v1": e
                 for e in ("submitted", "accepted", "returned", "forwarded", "missing")}
TASK_UPDATED = "metrics.task.updated.v1"


def consumed_events(plan):
    return sorted({*plan.event_names, ORGANIZATION_REGISTERED, *REPORT_EVENTS, TASK_UPDATED})


def apply(db, session, plan, event_name, data, event_id, event_time, applied_at=None):
    """Fold one event into every read model it concerns."""
    event_time = to_millis(event_time)
    increments = domain.increments(plan, event_name, data, event_time)
    if increments:  # one round trip for all of an event's tallies
        db[COUNTERS].bulk_write([UpdateOne({"_id": counter}, {"$inc": {"value": amount}}, upsert=True)
                                 for counter, amount in sorted(increments.items())], ordered=True, session=session)
    if event_name == ORGANIZATION_REGISTERED:
        entry = compliance.organization(data)
        if entry is not None:
            db[ORGANIZATIONS].replace_one({"_id": data["organization_id"]}, entry, upsert=True, session=session)
    elif event_name in REPORT_EVENTS:
        report = db[REPORTS].find_one({"_id": data["report_id"]}, session=session)
        if report is not None:
            report.pop("_id")
        updated = compliance.apply_event(report, REPORT_EVENTS[event_name], data)
        db[REPORTS].replace_one({"_id": data["report_id"]}, updated, upsert=True, session=session)
    elif event_name == TASK_UPDATED:
        current = db[TASKS].find_one({"_id": data["task_id"]}, session=session)
        state = ledger.apply_event(current, data, event_id, event_time)
        if state is not None:
            db[TASKS].replace_one({"_id": data["task_id"]}, state, upsert=True, session=session)
    update = {"$inc": {"applied": 1}, "$set": {"last_applied_at": applied_at or dt.datetime.now(dt.timezone.utc)}}
    if event_time is not None:
        update["$max"] = {"last_event_time": event_time}
    db[META].update_one({"_id": "projection"}, update, upsert=True, session=session)


def to_millis(when):
    """MongoDB keeps milliseconds: truncate so that stored and incoming times compare equal."""
    return when.replace(microsecond=when.microsecond // 1000 * 1000) if when is not None else None


def read_counters(db):
    return {doc["_id"]: doc["value"] for doc in db[COUNTERS].find()}


def read_meta(db):
    return db[META].find_one({"_id": "projection"}) or {}
