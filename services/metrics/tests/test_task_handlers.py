"""The task update over a fake unit of work (``uow``, conftest.py): what an administrator's change stores
and announces, what an empty change does, and that the service's own event coming back changes nothing.
No server needed."""
from ttp_common.auth import Principal, Roles

from metrics import read_models
from metrics.handlers import projection, tasks as handlers
from metrics.ledger import TaskUpdate
from metrics.plan import load_plan, load_tasks

PLAN = load_plan()
TASK = load_tasks(PLAN.tasks).get("22")
ADMIN = Principal(sub="ledger-admin", role=Roles.ADMIN)


def test_an_update_stores_the_state_and_announces_it(uow):
    state = handlers.update(uow, TASK, TaskUpdate(status="done", note="  已建立年度工作台账 "), ADMIN)

    assert (state["status"], state["note"], state["updated_by"], state["revision"]) == (
        "done", "已建立年度工作台账", "ledger-admin", 1)
    assert read_models.task_state(uow, "22") == {"_id": "22", **state}
    [event] = uow.events
    assert (event.name, event.subject) == ("metrics.task.updated.v1", "22")
    assert event.data == {"task_id": "22", "status": "done", "note": "已建立年度工作台账", "updated_by": "ledger-admin"}
    ce_id, ce_time = handlers.message_identity(event.message)
    assert (state["event_id"], state["updated_at"]) == (ce_id, ce_time)  # as the projection would write it


def test_an_update_that_changes_nothing_announces_nothing(uow):
    first = handlers.update(uow, TASK, TaskUpdate(status="in_progress"), ADMIN)
    again = handlers.update(uow, TASK, TaskUpdate(status="in_progress", note=" "), ADMIN)  # a blank note is none

    assert again == {"_id": "22", **first}
    assert uow.names() == ["metrics.task.updated.v1"]


def test_each_change_is_a_revision_and_a_note_can_be_cleared(uow):
    handlers.update(uow, TASK, TaskUpdate(status="in_progress", note="开了会"), ADMIN)
    state = handlers.update(uow, TASK, TaskUpdate(note=None), ADMIN)

    assert (state["status"], state["note"], state["revision"]) == ("in_progress", None, 2)
    assert [e.data["note"] for e in uow.events] == ["开了会", None]


def test_the_services_own_event_coming_back_changes_nothing(uow):
    state = handlers.update(uow, TASK, TaskUpdate(status="done"), ADMIN)
    [event] = uow.events
    ce_id, ce_time = handlers.message_identity(event.message)

    projection.project(uow, (PLAN,), event.name, event.data, ce_id, ce_time, ce_time)

    assert read_models.task_state(uow, "22") == {"_id": "22", **state}
    assert read_models.meta(uow)["applied"] == 1  # seen and counted, nothing else changed
