"""An administrator's update of a task of the ledger (工作台账): stored and announced as
``metrics.task.updated.v1`` in one transaction.

The state is written from the event as the projection would write it (``ledger.apply_event``, with the
event's own ``ce_id`` and ``ce_time``), so when the service consumes its own event it changes nothing,
and a rebuild from the topic restores the same state.
"""
import datetime as dt

from ttp_common import clock

from .. import ledger, read_models
from .projection import TASK_UPDATED


def update(uow, task, body, principal):
    """The task's state after ``body`` (``ledger.TaskUpdate``) from ``principal``; no event when nothing changes."""
    current = read_models.task_state(uow, task.id)
    change = ledger.next_state(current, body)
    if change is None:
        return current
    status, note = change
    data = {"task_id": task.id, "status": status, "note": note, "updated_by": principal.sub}
    event_id, event_time = message_identity(uow.emit(TASK_UPDATED, data, subject=task.id))
    state = ledger.apply_event(current, data, event_id, event_time)
    read_models.save_task(uow, task.id, state)
    return state


def message_identity(message):
    """(``ce_id``, ``ce_time`` to the millisecond) of an event built by ``uow.emit``."""
    headers = dict(message.headers)
    return headers["ce_id"].decode(), clock.to_ms(dt.datetime.fromisoformat(headers["ce_time"].decode()))
