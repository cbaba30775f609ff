"""The task ledger (工作台账) of the plan's annex: status updates and overdue flags. Plain Python.

The tasks themselves (key work, departments, schedule) are data (data/tasks-*.yaml); their
state (status, note, who, when) is projected from ``metrics.task.updated.v1`` events, so a
rebuild from the topic restores it. ``revision`` orders updates of one task: an event is
applied only when it is newer than what is stored (a redelivered or stale one changes nothing).
"""
from typing import Literal

from pydantic import Field, model_validator

from ttp_common.models import Query, StrictModel

from .plan import TASK_STATUSES
from .progress import AsOfDate

STATUS_LABELS = {"not_started": "未启动", "in_progress": "推进中", "done": "已完成"}


class TaskUpdate(StrictModel):
    """PATCH body: the new status and/or note (null clears the note)."""

    status: str | None = Field(default=None, json_schema_extra={"enum": list(TASK_STATUSES)})
    note: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _something_to_change(self):
        if self.status is not None and self.status not in TASK_STATUSES:
            raise ValueError(f"status must be one of: {', '.join(TASK_STATUSES)}")
        if "status" not in self.model_fields_set and "note" not in self.model_fields_set:
            raise ValueError("give a status or a note")
        return self


class TaskQuery(Query):
    """The ledger's filters; ``as_of`` decides the overdue flags."""

    as_of: AsOfDate
    status: Literal[TASK_STATUSES] | None = None
    overdue: bool | None = None
    department: str | None = None


def select(views, query):
    """The task views ``query`` asks for."""
    return [v for v in views if (query.status is None or v["status"] == query.status)
            and (query.overdue is None or v["overdue"] == query.overdue)
            and (query.department is None or query.department in v["departments"])]


def summary(views):
    """Total, overdue and one count per status."""
    return {"total": len(views), "overdue": sum(v["overdue"] for v in views),
            **{s: sum(v["status"] == s for v in views) for s in TASK_STATUSES}}


def initial_state():
    return {"status": "not_started", "note": None, "updated_by": None, "updated_at": None, "revision": 0,
            "event_id": None}


def next_state(current, update: TaskUpdate):
    """(status, note) after an update of the current state; None when nothing would change."""
    current = current or initial_state()
    status = update.status if update.status is not None else current["status"]
    note = update.note if "note" in update.model_fields_set else current["note"]
    if note is not None:
        note = note.strip() or None
    if status == current["status"] and note == current["note"]:
        return None
    return status, note


def apply_event(current, data, event_id, event_time):
    """The state after a task event, or None when it changes nothing.

    Events of one task are ordered by their time; the event that wrote the stored state
    (the PATCH writes it before its own event comes back) and older ones are skipped.
    ``revision`` counts the updates applied, the same live and in a replay.
    """
    if current is not None:
        if event_id == current.get("event_id"):
            return None
        if current.get("updated_at") is not None and event_time is not None and event_time < current["updated_at"]:
            return None
    return {"status": data["status"], "note": data.get("note"), "updated_by": data["updated_by"],
            "updated_at": event_time, "revision": (current or {}).get("revision", 0) + 1, "event_id": event_id}


def due_date(task, plan):
    """When the task's deliverable is due: its own date, or the end of the plan for ongoing work."""
    return task.due or plan.period.end


def view(task, state, plan, as_of):
    state = state or initial_state()
    due = due_date(task, plan)
    return {
        "id": task.id, "area": task.area, "title": task.title, "work": task.work,
        "departments": task.departments, "schedule": task.schedule, "start": task.start, "due": due,
        "status": state["status"], "status_label": STATUS_LABELS.get(state["status"], state["status"]),
        "note": state["note"], "updated_by": state["updated_by"], "updated_at": state["updated_at"],
        "revision": state["revision"],
        "overdue": state["status"] != "done" and as_of > due,
    }
