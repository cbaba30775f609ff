"""Reminders of the annual report's filing deadline (年度报告即将截止): who is reminded, when (China's calendar,
around 28 February) and only once per organization and year — the rules, the handler over a fake unit of work,
and the admin check against the real servers with its event on Kafka."""
import datetime as dt

import pytest

from ttp_common.clock import china_date
from ttp_testing import assert_error, header, read_topic, service_api_fixture
from ttp_testing.fakes import FakeUnitOfWork

from registry import annual_reports as rules
from registry.documents import AnnualReport, AnnualReportFinding, Organization
from registry.handlers import annual_reports as handlers

from .test_annual_reports import organization, report

D = dt.date
AT = dt.datetime(2027, 1, 28, 16, 30, tzinfo=dt.timezone.utc)  # 29 January 2027 in China already


def test_the_next_deadline_is_last_years_until_28_february_then_this_years():
    assert rules.next_filing_year(D(2027, 1, 1)) == 2026 and rules.next_filing_year(D(2027, 2, 28)) == 2026
    assert rules.next_filing_year(D(2027, 3, 1)) == 2027 and rules.next_filing_year(D(2026, 12, 31)) == 2026
    assert rules.next_filing_year(D(2028, 2, 29)) == 2028  # a leap year's 29 February is past the deadline


def test_a_reminder_is_due_from_the_configured_days_before_the_deadline_to_the_deadline_day():
    assert rules.due_soon(D(2027, 1, 28), 30) is None                       # 31 days left
    assert rules.due_soon(D(2027, 1, 29), 30) == (2026, D(2027, 2, 28), 30)
    assert rules.due_soon(D(2027, 2, 28), 30) == (2026, D(2027, 2, 28), 0)  # the deadline day itself
    assert rules.due_soon(D(2027, 3, 1), 30) is None                        # missed now: the missing check's
    assert rules.due_soon(D(2028, 1, 29), 30) == (2027, D(2028, 2, 28), 30)  # 2028 is a leap year: still 28 Feb
    assert rules.due_soon(D(2027, 2, 27), 1) == (2026, D(2027, 2, 28), 1)
    assert rules.due_soon(D(2026, 12, 3), 365) == (2026, D(2027, 2, 28), 87)
    # by China's calendar: 16:30 UTC on 28 January is already 29 January in Chengdu
    assert rules.due_soon(china_date(AT), 30) == (2026, D(2027, 2, 28), 30)
    assert rules.due_soon(china_date(AT - dt.timedelta(hours=1)), 30) is None


def test_reminder_days_are_one_to_365():
    assert rules.reminder_days("30") == 30 and rules.reminder_days(365) == 365
    for bad in (0, 366, "-1", "x"):
        with pytest.raises(ValueError):
            rules.reminder_days(bad)


class Org:
    def __init__(self, id, kind):
        self.id, self.kind = id, kind


def test_only_universities_and_institutes_without_a_report_or_a_reminder_are_reminded():
    orgs = [Org("u1", "university"), Org("i1", "institute"), Org("e1", "enterprise"), Org("u2", "university"),
            Org("u3", "university")]
    assert [o.id for o in rules.to_remind(orgs, filed={"u2"}, reminded={"u3"})] == ["u1", "i1"]


@pytest.fixture
def uow():
    uow = FakeUnitOfWork(Organization, AnnualReport, AnnualReportFinding, service="registry")
    uow.insert(Organization(id="org-scu", name="四川大学", credit_code="0" * 18, kind="university",
                            region_code="510100", supervising_department="教育厅", created_by="admin"))
    return uow


def test_a_filer_is_reminded_once_per_year_without_any_person_named(uow):
    scu = uow.get(Organization, "org-scu")
    assert handlers.remind(uow, scu, 2026, D(2027, 2, 28), 30, AT) == "org-scu:2026"
    assert handlers.remind(uow, scu, 2026, D(2027, 2, 28), 29, AT) is None  # the next day: once only
    assert uow.get(AnnualReportFinding, "due_soon|org-scu:2026").at == AT
    assert handlers.remind(uow, scu, 2027, D(2028, 2, 28), 30, AT) == "org-scu:2027"  # a new year, a new reminder
    first, second = uow.events
    assert first.name == "registry.annual_report.due_soon.v1"
    assert first.data == {"report_id": "org-scu:2026", "organization_id": "org-scu", "region_code": "510100",
                          "year": 2026, "deadline": D(2027, 2, 28), "days_left": 30}
    assert second.data["year"] == 2027


# a whole year's window: whatever today is, a deadline is at most 365 days away, so the check reminds now
api_year_ahead = service_api_fixture("registry", ANNUAL_REPORT_REMINDER_DAYS="365")


@pytest.mark.integration
def test_the_check_reminds_each_filer_without_a_report_once_with_its_event(api_year_ahead):
    api = api_year_ahead
    silent, enterprise = organization(api, kind="institute", region="510700"), organization(api, kind="enterprise")
    today = china_date()
    year = rules.next_filing_year(today)
    filer = None
    if year < today.year:  # January and February: last year's report can be filed now
        filer = organization(api, region="510700")
        assert api.post("/api/v1/annual-reports", report(filer, year=year),
                        token=api.token("institution", org=filer)).status_code == 201

    admin = api.token("admin")
    answer = api.post("/api/v1/annual-reports/reminder-check", {}, token=admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    deadline = rules.filing_deadline(year)
    assert body["year"] == year and body["deadline"] == deadline.isoformat() and body["reminder_days"] == 365
    assert body["days_left"] == (deadline - today).days
    assert f"{silent}:{year}" in body["reminded"] and f"{enterprise}:{year}" not in body["reminded"]
    assert filer is None or f"{filer}:{year}" not in body["reminded"]
    again = api.post("/api/v1/annual-reports/reminder-check", {}, token=admin).json()
    assert f"{silent}:{year}" not in again["reminded"]  # once

    [record] = read_topic(api.config["KAFKA_TOPIC_PREFIX"] + "ttp.registry.annual_report",
                          lambda r: header(r, "ce_subject") == f"{silent}:{year}", count=1)
    assert header(record, "ce_type").endswith("registry.annual_report.due_soon.v1")
    data = api.decode(record)[1]
    assert data == {"report_id": f"{silent}:{year}", "organization_id": silent, "region_code": "510700",
                    "year": year, "deadline": deadline, "days_left": body["days_left"]}

    clerk = api.token("institution", org=silent)
    assert_error(api.post("/api/v1/annual-reports/reminder-check", {}, token=clerk), 403, "forbidden")
