"""The projection: what one consumed event changes in the read models, inside the caller's transaction.

The live consumer (``metrics.entrypoints.projection``) and the rebuild CLI (``metrics.rebuild``) both run
``project``, so a replay from the topics produces exactly what live consumption produced. Every plan file
in plans/ is subscribed to (``CONSUMED_EVENTS``), so a successor plan needs no code change.
"""
from ttp_common import clock

from .. import compliance, ledger, plan as plans, progress, read_models

HANDLER = "project_event"  # the consumer's method name: its dedup markers are "<HANDLER>|<ce_id>"

ORGANIZATION_REGISTERED = "registry.organization.registered.v1"
ORGANIZATION_CORRECTED = "registry.organization.corrected.v1"  # the directory takes the new name and department
REPORT_EVENTS = {f"registry.annual_report.{e}.v1": e
                 for e in ("submitted", "accepted", "returned", "forwarded", "missing")}
TASK_UPDATED = "metrics.task.updated.v1"


def consumed_events(plan):
    """The events one plan's figures, the compliance report and the task ledger are projected from."""
    return sorted({*plan.event_names, ORGANIZATION_REGISTERED, ORGANIZATION_CORRECTED, *REPORT_EVENTS, TASK_UPDATED})


def all_consumed_events():
    """The events of every plan file in plans/."""
    return sorted({name for plan in plans.load_plans() for name in consumed_events(plan)})


CONSUMED_EVENTS = tuple(all_consumed_events())


def project(uow, plans, event_name, data, event_id, event_time, at):
    """Fold one event (its name, data, ``ce_id`` and ``ce_time``) into every read model it concerns, the figures
    of each of ``plans`` whose period holds its date among them; ``at``: when it is applied."""
    project_all(uow, plans, [(event_name, data, event_id, event_time)], at)


def project_all(uow, plans, events, at):
    """Fold ``events`` ((name, data, ``ce_id``, ``ce_time``), in order) into the read models in the caller's
    transaction, as ``project`` one by one would: the counters' increments summed per counter and written in
    one round trip, the other read models in order, ``applied`` counted once."""
    if not events:
        return
    increments = {plan.key: {} for plan in plans}
    newest = None
    for event_name, data, event_id, event_time in events:
        event_time = clock.to_ms(event_time) if event_time is not None else None  # MongoDB keeps milliseconds
        for plan in plans:
            combined = increments[plan.key]
            for counter, amount in progress.increments(plan, event_name, data, event_time).items():
                combined[counter] = combined.get(counter, 0) + amount
        _project_others(uow, event_name, data, event_id, event_time)
        if event_time is not None:
            newest = event_time if newest is None else max(newest, event_time)
    read_models.add_to_counters(uow, increments)
    read_models.count_applied(uow, newest, at, len(events))


def _project_others(uow, event_name, data, event_id, event_time):
    """What one event changes beside the counters: compliance's organizations and reports, the task ledger."""
    if event_name in (ORGANIZATION_REGISTERED, ORGANIZATION_CORRECTED):
        entry = compliance.organization(data)
        if entry is not None:
            read_models.save_organization(uow, data["organization_id"], entry)
    elif event_name in REPORT_EVENTS:
        report = read_models.report(uow, data["report_id"])
        read_models.save_report(uow, data["report_id"], compliance.apply_event(report, REPORT_EVENTS[event_name], data))
    elif event_name == TASK_UPDATED:
        state = ledger.apply_event(read_models.task_state(uow, data["task_id"]), data, event_id, event_time)
        if state is not None:
            read_models.save_task(uow, data["task_id"], state)
