"""The task ledger (重点工作与任务分工表, the plan's annex): listed and read by anyone, with status and
overdue flags; an administrator updates a task's status and note (``metrics.handlers.tasks``)."""
from ttp_common import clock
from ttp_common.auth import Roles
from ttp_common.endpoints import endpoint
from ttp_common.refusals import NotFound

from .. import ledger, read_models
from ..handlers import tasks as handlers
from ..progress import AsOf

TASK_ID = {"description": "a task's number in the annex, e.g. 1 or 2.3", "example": "1"}


class TaskEntrypoints:
    """The task ledger (``self.plans.ledger``: the tasks, the read models: their state)."""

    @endpoint("GET", "/api/v1/tasks", query=ledger.TaskQuery, response="TaskList",
              summary="The task ledger (重点工作与任务分工表) with status and overdue flags (public)")
    def list_tasks(self, ctx):
        as_of, states, plan = ctx.query.as_of, read_models.task_states(self.store), self.plans.followed()
        views = [ledger.view(task, states.get(task.id), plan, as_of) for task in self.plans.ledger.tasks]
        return {"source": self.plans.ledger.source, "as_of": as_of, "summary": ledger.summary(views),
                "tasks": ledger.select(views, ctx.query)}

    @endpoint("GET", "/api/v1/tasks/<string:task_id>", query=AsOf, response="Task", parameters={"task_id": TASK_ID},
              summary="One task (public)")
    def get_task(self, ctx, task_id):
        task = self._task(task_id)
        return ledger.view(task, read_models.task_state(self.store, task.id), self.plans.followed(), ctx.query.as_of)

    @endpoint("PATCH", "/api/v1/tasks/<string:task_id>", roles=(Roles.ADMIN,), body=ledger.TaskUpdate,
              response="Task", parameters={"task_id": TASK_ID},
              summary="Update a task's status and/or note (administrator); emits metrics.task.updated.v1")
    def update_task(self, ctx, task_id):
        task = self._task(task_id)
        state = self.store.transact(handlers.update, task, ctx.body, ctx.principal, actor=ctx.actor)
        return ledger.view(task, state, self.plans.followed(), clock.china_date())

    def _task(self, task_id):
        task = self.plans.ledger.get(task_id)
        if task is None:
            raise NotFound(f"no task {task_id!r} in the ledger")
        return task
