"""Loading one transformation project approved before the platform (``finance.history``): stored as an approved
project under its original number and announced as ``finance.transformation_project.approved.v1`` with its original
approval date (``effective_date``) and ``imported: true``, in one transaction; once per project number."""
import datetime as dt

from ttp_common import clock, money

from ..documents import TransformationProject
from ..history import project_id
from .projects import APPROVAL_FIELDS, APPROVED


def import_project(uow, row, principal, at):
    """``{"status": "created" | "exists", "project_id"}`` for ``row`` (a ``HistoricalProjectIn`` already checked by
    ``finance.history.read_row``, the caller's region included)."""
    pid = project_id(row.project_number)
    if uow.find_one(TransformationProject, {"_id": pid}) is not None:
        return {"status": "exists", "project_id": pid}
    approved_at = dt.datetime.combine(row.approved_on, dt.time(), clock.CHINA_TIME).astimezone(dt.timezone.utc)
    project = TransformationProject(
        id=pid, status="approved", stage="pilot", achievement_ids=[], proposed_at=approved_at,
        proposed_by=principal.sub, approved_at=approved_at, approved_by=principal.sub, updated_at=at,
        project_number=row.project_number, imported=True,
        **row.model_dump(include={"title", "category", "programme", "region_code", "organization_id",
                                  "responsible_department", "budget"}))
    uow.insert(project)
    uow.emit(APPROVED, {"project_id": pid, **{k: project[k] for k in APPROVAL_FIELDS},
                        "budget": money.exact_fen(row.budget), "approved_at": approved_at,
                        "effective_date": row.approved_on, "imported": True}, subject=pid)
    return {"status": "created", "project_id": pid}
