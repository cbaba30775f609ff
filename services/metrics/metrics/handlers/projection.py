"""The projection: what one consumed event changes in the read models, inside the caller's transaction.

The live consumer (``metrics.entrypoints.projection``) and the rebuild CLI (``metrics.rebuild``) both run
``project``, so a replay from the topics produces exactly what live consumption produced. Every plan file
in plans/ is subscribed to (``CONSUMED_EVENTS``), so a successor plan needs no code change.
"""
from ttp_common import clock

from .. import compliance, ledger, plan as plans, progress, read_models

HANDLER = "project_event"  # the consumer's method name: its dedup markers are "<HANDLER>|<ce_id>"

ORGANIZATION_REGISTERED = "registry.organization.registered.v1"
REPORT_EVENTS = {f"registry.annual_report.{e}.v1": e
                 for e in ("submitted", "accepted", "returned", "forwarded", "missing")}
TASK_UPDATED = "metrics.task.updated.v1"


def consumed_events(plan):
    """The events one plan's figures, the compliance report and the task ledger are projected from."""
    return sorted({*plan.event_names, ORGANIZATION_REGISTERED, *REPORT_EVENTS, TASK_UPDATED})


def all_consumed_events():
    """The events of every plan file in plans/."""
    return sorted({name for plan in plans.load_plans() for name in consumed_events(plan)})


CONSUMED_EVENTS = tuple(all_consumed_events())


def project(uow, plans, event_name, data, event_id, event_time, at):
    """Fold one event (its name, data, ``ce_id`` and ``ce_time``) into every read model it concerns, the figures
    of each of ``plans`` whose period holds its date among them; ``at``: when it is applied."""
    event_time = clock.to_ms(event_time) if event_time is not None else None  # MongoDB keeps milliseconds
    read_models.add_to_counters(uow, {plan.key: progress.increments(plan, event_name, data, event_time)
                                      for plan in plans})
    if event_name == ORGANIZATION_REGISTERED:
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
    read_models.count_applied(uow, event_time, at)
