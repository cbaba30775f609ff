"""Transformation projects approved before the platform (历史科技成果转化项目): what one row of a history import
must hold to be loaded with its original project number (立项编号) and approval date. Free of brokers and databases.

The project number the earlier system issued is ``ZH`` + approval year (4) + special programme (2) + serial (4),
e.g. ZH2018050012 for the twelfth project of programme 5 approved in 2018: the number must carry the year of the
row's approval date and its programme, and serial 0000 is never issued. Only earlier years are imported (this
year's projects are proposed and approved on the platform). The project's id derives from its number, so a file
imported twice creates each project once.
"""
import datetime as dt
import re
import uuid

from pydantic import Field, ValidationError

from ttp_common import regions
from ttp_common.models import StrictModel

from .projects import ProjectFields

ID_NAMESPACE = uuid.UUID("3b0e6f5c-9a71-4d1e-8c2f-5e7a1d9b4c26")  # project ids of imported approvals
MAX_ROWS = 500
NUMBER = re.compile(r"^ZH([0-9]{4})([0-9]{2})([0-9]{4})$")


class HistoricalProjectIn(ProjectFields):
    """One transformation project approved in an earlier system, with its original number and approval date."""

    project_number: str = Field(pattern=NUMBER.pattern, description="立项编号 as issued: ZH + year + programme + serial")
    approved_on: dt.date = Field(description="立项日期 (China's calendar): the day it counts in a plan")


class HistoryIn(StrictModel):
    rows: list[dict] = Field(min_length=1, max_length=MAX_ROWS, description="one historical project per row")


def project_id(project_number):
    """The platform id of an imported project: the same number always gives the same id."""
    return uuid.uuid5(ID_NAMESPACE, project_number).hex


def read_row(raw, today, principal_region=None):
    """``(row, [])`` for a loadable row (``row``: a ``HistoricalProjectIn``), else ``(None, errors)``:
    ``{"path", "message"}`` items naming each offending field. ``principal_region``: a reviewer's region (None: an
    administrator, any region)."""
    try:
        row = HistoricalProjectIn.model_validate(raw)
    except ValidationError as exc:
        return None, [{"path": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
    year, programme, serial = NUMBER.match(row.project_number).groups()
    errors = []
    if int(year) != row.approved_on.year:
        errors.append({"path": "project_number",
                       "message": f"must carry the approval year {row.approved_on.year} in digits 3-6"})
    if int(programme) != row.programme:
        errors.append({"path": "project_number", "message": f"must carry programme {row.programme:02d} in digits 7-8"})
    if serial == "0000":
        errors.append({"path": "project_number", "message": "serial 0000 is never issued"})
    if row.approved_on.year >= today.year:
        errors.append({"path": "approved_on",
                       "message": f"only years before {today.year} are imported; this year's projects are "
                                  "approved on the platform"})
    if principal_region is not None and not regions.covers(principal_region, row.region_code):
        errors.append({"path": "region_code", "message": "another region's project"})
    return (None, errors) if errors else (row, [])
