"""Annual transformation reports (科技成果转化年度报告, 财科教〔2017〕22号), without I/O.

Universities and institutes file the previous year's report by 28 February to their
supervising department, which accepts or returns it and forwards it by 31 March. From
``ANNUAL_REPORT_REMINDER_DAYS`` days before the filing deadline, a filer without a report is reminded once
(``due_soon``, ``to_remind``).
"""
from decimal import Decimal

from pydantic import Field

from ttp_common.annual_report_dates import filing_deadline, forwarding_deadline  # noqa: F401 (this module's interface)
from ttp_common.models import StrictModel
from ttp_common.refusals import TransitionRefused

FILERS = ("university", "institute")


class Deals(StrictModel):
    count: int = Field(ge=0, le=1_000_000)
    amount_yuan: Decimal = Field(ge=0, max_digits=18, decimal_places=2)


class AnnualReportIn(StrictModel):
    year: int = Field(ge=2016, le=2100, description="the reported year")
    organization_id: str = Field(min_length=1, max_length=64)
    transfers: Deals = Field(description="转让: contracts and income")
    licences: Deals = Field(description="许可")
    equity_investments: Deals = Field(description="作价投资: deals and value")
    cooperation_contracts: Deals = Field(description="技术开发/咨询/服务合同 (产学研合作)")
    rewards_paid_yuan: Decimal = Field(ge=0, max_digits=18, decimal_places=2, description="奖励与报酬")
    rewarded_people: int = Field(ge=0, le=1_000_000)
    summary: str = Field(min_length=10, max_length=10000, description="总体成效与面临的问题")


class ReturnReportIn(StrictModel):
    reasons: list[str] = Field(min_length=1, max_length=20)


def is_late(year, filed_on):
    return filed_on > filing_deadline(year)


STATUSES = ("submitted", "returned", "accepted", "forwarded")


def forwarding_overdue(year, status, today):
    """A report not forwarded by its department although the forwarding deadline (31 March) has passed."""
    return status != "forwarded" and today > forwarding_deadline(year)


def last_year_past_forwarding(today):
    """The latest reported year whose forwarding deadline has passed on ``today``."""
    return today.year - 1 if today > forwarding_deadline(today.year - 1) else today.year - 2


DEFAULT_REMINDER_DAYS = 30
MAX_REMINDER_DAYS = 365  # a year: every day has a next deadline at most 365 days away (29 February of a leap year)


def reminder_days(value):
    """The configured ``ANNUAL_REPORT_REMINDER_DAYS`` as a whole number of days, 1 to 365 (``ValueError`` otherwise)."""
    days = int(value)
    if not 1 <= days <= MAX_REMINDER_DAYS:
        raise ValueError(f"ANNUAL_REPORT_REMINDER_DAYS must be 1 to {MAX_REMINDER_DAYS}, not {days}")
    return days


def next_filing_year(today):
    """The reported year whose filing deadline is the next one on or after ``today`` (China's date): until
    28 February the previous year's, from 1 March this year's."""
    return today.year - 1 if today <= filing_deadline(today.year - 1) else today.year


def due_soon(today, days):
    """``(year, deadline, days left)`` when ``today`` is within ``days`` days of the next filing deadline (the
    deadline day itself is 0 days left), else None."""
    year = next_filing_year(today)
    deadline = filing_deadline(year)
    left = (deadline - today).days
    return (year, deadline, left) if left <= days else None


def to_remind(organizations, filed, reminded):
    """The filers among ``organizations`` (``.id``, ``.kind``) that have neither filed a report for the year
    (``filed``: organization ids; a returned one counts as filed, as for the missing-report check) nor been
    reminded for it (``reminded``), in their order."""
    return [org for org in organizations
            if org.kind in FILERS and org.id not in filed and org.id not in reminded]


def check_filer(kind):
    if kind not in FILERS:
        raise TransitionRefused("annual transformation reports are filed by universities and institutes")


def check_year(year, today):
    if year >= today.year:
        raise TransitionRefused(f"the report for {year} can be filed from 1 January {year + 1}")


# action -> (states it starts from, resulting state); None = no report yet
TRANSITIONS = {
    "submit": ({None, "returned"}, "submitted"),
    "accept": ({"submitted"}, "accepted"),
    "return": ({"submitted"}, "returned"),
    "forward": ({"accepted"}, "forwarded"),
}


def transition(action, status):
    sources, target = TRANSITIONS[action]
    if status not in sources:
        raise TransitionRefused(f"cannot {action} a report that is {status or 'not filed'}")
    return target
