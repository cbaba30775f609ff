"""Records of years before the platform (历史数据导入) the registry loads with their original dates and numbers:
accreditations of service institutions and transfer units (历史认定), and registered achievements (已登记科技成果).
What one row must hold; free of brokers and databases.

An accreditation is named by its organization's 统一社会信用代码 (the organization is registered on the platform
first), the unit's name for a 高校院所's transfer institution, its accreditation date and the notice that accredited
it (认定文号, e.g. 川科成〔2017〕12号, whose year is the accreditation's); a revocation date and reason when it was
revoked. The same organization, unit and date always give the same record, so a file imported twice loads it once.

A registered achievement keeps the 12-digit number its registering body issued (registering body (3) + year (4) +
category (1) + serial (4), as ``achievements.registration_number`` draws them live): the number must name the
achievement's region, its registration year and its type. Only years before this one are imported either way:
this year's numbers and accreditations are made on the platform.
"""
import datetime as dt
import re
import uuid

from pydantic import Field, ValidationError, field_validator, model_validator

from ttp_common.models import StrictModel

from .achievements import TYPE_DIGIT, registration_body
from .organizations import UnitName, unit_key

ACCREDITATION_NAMESPACE = uuid.UUID("0c6a8f43-2d5b-4e7a-b1f9-8e3d2a7c5b14")
REGISTERED_NAMESPACE = uuid.UUID("9e2b4d71-6c3a-4f8e-a5d2-1b7f3e9c8a06")  # achievements imported as registered
MAX_ROWS = 500
NOTICE = re.compile(r"^川[\u4e00-\u9fff]{1,10}〔([0-9]{4})〕([0-9]{1,4})号$")
NUMBER = re.compile(r"^([0-9]{3})([0-9]{4})([0-9])([0-9]{4})$")


class HistoricalAccreditationIn(StrictModel):
    """One accreditation (认定) made in an earlier system, with its dates and notice."""

    credit_code: str = Field(min_length=18, max_length=18, description="统一社会信用代码 of the registered organization")
    unit: str | None = UnitName
    accredited_on: dt.date = Field(description="认定日期 (China's calendar): the day it counts in a plan from")
    basis: str = Field(max_length=200, description="认定文号 as issued, e.g. 川科成〔2017〕12号")
    revoked_on: dt.date | None = Field(default=None, description="撤销日期, when it was revoked")
    revocation_reason: str | None = Field(default=None, min_length=2, max_length=500, description="撤销原因")

    @field_validator("credit_code")
    @classmethod
    def _credit_code(cls, value):
        return value.upper()

    @field_validator("unit")
    @classmethod
    def _unit(cls, value):
        return unit_key(value)

    @model_validator(mode="after")
    def _revocation(self):
        if (self.revoked_on is None) != (self.revocation_reason is None):
            raise ValueError("revoked_on and revocation_reason go together")
        return self


class HistoryIn(StrictModel):
    rows: list[dict] = Field(min_length=1, max_length=MAX_ROWS, description="one historical record per row")


def accreditation_key(organization_id, unit, accredited_on):
    """The record of one imported accreditation: the same organization, unit and date always give the same key."""
    return uuid.uuid5(ACCREDITATION_NAMESPACE, f"{organization_id}|{unit or ''}|{accredited_on.isoformat()}").hex


def _errors(exc):
    return [{"path": ".".join(map(str, e["loc"])) or "row", "message": e["msg"]} for e in exc.errors()]


def read_accreditation(raw, today):
    """``(row, [])`` for a loadable row (``row``: a ``HistoricalAccreditationIn``), else ``(None, errors)``:
    ``{"path", "message"}`` items naming each offending field."""
    try:
        row = HistoricalAccreditationIn.model_validate(raw)
    except ValidationError as exc:
        return None, _errors(exc)
    errors = []
    notice = NOTICE.match(row.basis)
    if not notice:
        errors.append({"path": "basis", "message": "not a notice number like 川科成〔2017〕12号"})
    elif int(notice.group(1)) != row.accredited_on.year:
        errors.append({"path": "basis", "message": f"must carry the accreditation year {row.accredited_on.year}"})
    elif int(notice.group(2)) == 0:
        errors.append({"path": "basis", "message": "notice 0 is never issued"})
    if row.accredited_on.year >= today.year:
        errors.append({"path": "accredited_on", "message": f"only years before {today.year} are imported; this "
                                                           "year's accreditations are made on the platform"})
    if row.revoked_on is not None:
        if row.revoked_on <= row.accredited_on:
            errors.append({"path": "revoked_on", "message": "must be after accredited_on"})
        elif row.revoked_on.year >= today.year:
            errors.append({"path": "revoked_on", "message": f"only years before {today.year} are imported"})
    return (None, errors) if errors else (row, [])


def registered_id(registration_number):
    """The platform id of an achievement imported as registered: the same number always gives the same id."""
    return uuid.uuid5(REGISTERED_NAMESPACE, registration_number).hex


def registration_date(text):
    """``(date, [])`` for a registration date given beside a registration number, else ``(None, errors)``."""
    if not text:
        return None, [{"path": "registered_on", "message": "registration_number and registered_on go together"}]
    try:
        return dt.date.fromisoformat(text), []
    except ValueError:
        return None, [{"path": "registered_on", "message": f"not a valid date (YYYY-MM-DD): {text!r}"}]


def registration_errors(number, registered_on, region_code, achievement_type, today):
    """Why an achievement's original registration number and date cannot be loaded (``{"path", "message"}``
    items): the number names its registering body, year and category; serial 0000 is never issued."""
    if not number:
        return [{"path": "registration_number", "message": "registration_number and registered_on go together"}]
    match = NUMBER.match(number)
    if not match:
        return [{"path": "registration_number", "message": "not a 12-digit registration number"}]
    body, year, digit, serial = match.groups()
    errors = []
    if body != registration_body(region_code):
        errors.append({"path": "registration_number",
                       "message": f"must begin with the registering body {registration_body(region_code)} of "
                                  f"region {region_code}"})
    if int(year) != registered_on.year:
        errors.append({"path": "registration_number",
                       "message": f"must carry the registration year {registered_on.year} in digits 4-7"})
    if achievement_type in TYPE_DIGIT and int(digit) != TYPE_DIGIT[achievement_type]:
        errors.append({"path": "registration_number",
                       "message": f"digit 8 must be {TYPE_DIGIT[achievement_type]} for type {achievement_type}"})
    if serial == "0000":
        errors.append({"path": "registration_number", "message": "serial 0000 is never issued"})
    if registered_on.year >= today.year:
        errors.append({"path": "registered_on", "message": f"only years before {today.year} are imported; this "
                                                           "year's achievements are registered on the platform"})
    return errors
