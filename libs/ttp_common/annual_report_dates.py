"""The dates of the annual transformation report (科技成果转化年度报告, 财科教〔2017〕22号): a university or
institute files the previous year's report by 28 February to its supervising department, which forwards it by
31 March. The registry's rules (``registry.annual_reports``) and the portal's report page both read them here."""
from datetime import date


def filing_deadline(year):
    return date(year + 1, 2, 28)


def forwarding_deadline(year):
    return date(year + 1, 3, 31)
