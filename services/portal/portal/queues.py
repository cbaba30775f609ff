"""What the reviewers' and registrars' queue pages show beside the services' data: an achievement's history as a
list of dated steps, the days left of a contract's 30-day registration limit, the return reasons a form typed, and
the rows of a queue's Excel export. The services decide who may see and do what; nothing here refuses anything."""
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from ttp_common import labels

from .pages import CHINA, local_time, parse_time

# 《技术合同认定登记管理办法》第十四条: the registration body completes recognition and registration within 30 days
# of accepting the application (here: the contract's submission).
REGISTRATION_DAYS = 30
# an achievement's lifecycle as its record dates it (registry.documents.Achievement.view)
HISTORY_STEPS = (("created_at", "创建草稿"), ("registered_at", "登记"), ("published_at", "公开"))


def history(achievement):
    """[(China time, step)] of an achievement, oldest first: the steps the registry dates, its returns (their
    reasons are kept, not their dates) and its last change when that came after them."""
    steps = [(parse_time(achievement.get(field)), text) for field, text in HISTORY_STEPS if achievement.get(field)]
    steps.sort(key=lambda step: step[0])
    shown = [(local_time(at), text) for at, text in steps]
    for reason in achievement.get("return_reasons") or []:
        shown.append(("", f"退回：{reason}"))
    updated = parse_time(achievement.get("updated_at"))
    if updated and all(updated > at for at, _ in steps):
        shown.append((local_time(updated), f"最后修改（当前状态：{labels.label('states.achievement', achievement.get('status'))}）"))
    return shown


def days_left(submitted_at, now):
    """Whole days left (China's calendar) of the 30-day registration limit of a contract submitted at
    ``submitted_at``: 30 on the day of submission, 0 on the last day, negative once past; None without a date."""
    submitted = parse_time(submitted_at)
    if submitted is None:
        return None
    due = submitted.astimezone(CHINA).date() + timedelta(days=REGISTRATION_DAYS)
    return (due - now.astimezone(CHINA).date()).days


def days_left_text(days):
    if days is None:
        return ""
    if days < 0:
        return f"已超期 {-days} 天"
    return "今日到期" if days == 0 else f"剩余 {days} 天"


def reasons_of(text):
    """The reasons a return form typed, one a line (blank lines dropped); the service says whether they do."""
    return [line.strip() for line in re.split(r"[\r\n]+", text or "") if line.strip()]


def achievement_rows(items):
    """The export of a reviewer's queue: headers (Chinese, the catalogue's) and one row per achievement, codes as
    their labels."""
    header = [labels.FIELDS[name] for name in ("registration_number", "title", "status", "type", "region_code",
                                               "programme", "trl", "owner_organization_id", "industry",
                                               "updated_at", "return_reasons")]
    rows = [[a.get("registration_number") or "", a.get("title") or "", labels.label("states.achievement", a.get("status")),
             labels.label("achievement_types", a.get("type")), labels.label("regions", a.get("region_code")),
             labels.label("programmes", a.get("programme")), a.get("trl"), a.get("owner_organization_id") or "",
             a.get("industry") or "", local_time(a.get("updated_at")), "；".join(a.get("return_reasons") or [])]
            for a in items]
    return header, rows


def contract_rows(items, now):
    """The export of a registrar's queue, with the days left of each contract's limit."""
    header = [labels.FIELDS[name] for name in ("registration_number", "title", "status", "contract_type",
                                               "region_code", "contract_amount", "technology_transaction_amount",
                                               "seller_organization_id", "buyer_name", "submitted_at", "days_left",
                                               "return_reasons")]
    rows = []
    for c in items:
        days = days_left(c.get("submitted_at"), now) if c.get("status") == "submitted" else None
        rows.append([c.get("registration_number") or "", c.get("title") or "", labels.label("states.contract", c.get("status")),
                     labels.label("contract_types", c.get("contract_type")), labels.label("regions", c.get("region_code")),
                     _amount(c.get("contract_amount")), _amount(c.get("technology_transaction_amount")),
                     c.get("seller_organization_id") or "", c.get("buyer_name") or c.get("buyer_organization_id") or "",
                     local_time(c.get("submitted_at")), days, "；".join(c.get("return_reasons") or [])])
    return header, rows


def income_rows(items):
    """The export of a registrar's income filings (技术性收入核定)."""
    names = ("contract_id", "status", "seller_organization_id", "region_code", "amount", "received_from",
             "received_to", "filed_at", "verified_amount", "verification_reason", "return_reasons", "decided_at")
    header = [labels.FIELDS[name] for name in names]
    rows = [[f.get("contract_id") or "", labels.label("states.contract_income", f.get("status")),
             f.get("seller_organization_id") or "", labels.label("regions", f.get("region_code")),
             _amount(f.get("amount")), str(f.get("received_from") or ""), str(f.get("received_to") or ""),
             local_time(f.get("filed_at")), _amount(f.get("verified_amount")) if f.get("verified_amount") else "",
             f.get("verification_reason") or "", "；".join(f.get("return_reasons") or []),
             local_time(f.get("decided_at")) if f.get("decided_at") else ""] for f in items]
    return header, rows


def _amount(value):
    """An amount in yuan as a number of the sheet (the API sends exact strings)."""
    try:
        return float(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return value


REPORT_DEALS = ("transfers", "licences", "equity_investments", "cooperation_contracts")


def report_rows(items):
    """The export of a reviewer's annual reports: each deal kind as its count and amount, the deadlines' flags."""
    def yes(value):
        return "是" if value else "否"

    f = labels.FIELDS
    header = [f["year"], f["organization_id"], f["region_code"], f["status"], f["late"], f["submitted_at"],
              f["forwarding_deadline"], f["forwarding_overdue"]]
    header += [f"{f[kind]}{f[part]}" for kind in REPORT_DEALS for part in ("count", "amount_yuan")]
    header += [f["rewards_paid_yuan"], f["rewarded_people"], f["return_reasons"]]
    rows = []
    for r in items:
        row = [r.get("year"), r.get("organization_id") or "", labels.label("regions", r.get("region_code")),
               labels.label("states.annual_report", r.get("status")), yes(r.get("late")), local_time(r.get("submitted_at")),
               r.get("forwarding_deadline") or "", yes(r.get("forwarding_overdue"))]
        for kind in REPORT_DEALS:
            deals = r.get(kind) or {}
            row += [deals.get("count"), _amount(deals.get("amount_yuan"))]
        row += [_amount(r.get("rewards_paid_yuan")), r.get("rewarded_people"), "；".join(r.get("return_reasons") or [])]
        rows.append(row)
    return header, rows
