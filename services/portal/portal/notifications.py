"""What the notification centre (站内消息) decides: which of the platform's events become messages, to whom each is
addressed, its Chinese text (from the label catalogue) and the portal page it links to.

A message is addressed to an *audience*, ``org:<organization id>`` or ``region:<code>``, and the roles within it
that may read it: a person reads the messages of their own audience and role (``audience_of``), so another
organization's messages never reach them whatever ids they type. Events carry organization ids and no personal
data; who the people of an organization are (and their email addresses) is the identity service's.

``outbid`` needs what came before: the auction's leading bidder, which the portal keeps (``AuctionLead``) from the
``bid_accepted`` events themselves (one auction's events are in order on its partition).
"""
import hashlib
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from ttp_common import labels

ACHIEVEMENT_RETURNED = "registry.achievement.returned.v1"
ACHIEVEMENT_REGISTERED = "registry.achievement.registered.v1"
ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"
ANNUAL_REPORT_RETURNED = "registry.annual_report.returned.v1"
ANNUAL_REPORT_MISSING = "registry.annual_report.missing.v1"
ANNUAL_REPORT_DUE_SOON = "registry.annual_report.due_soon.v1"
PLAN_PROJECT_OVERDUE = "registry.plan_project.overdue.v1"
CONTRACT_REGISTERED = "transactions.contract.registered.v1"
CONTRACT_RETURNED = "transactions.contract.returned.v1"
ACHIEVEMENT_SUBMITTED = "registry.achievement.submitted.v1"
CONTRACT_SUBMITTED = "transactions.contract.submitted.v1"
BID_ACCEPTED = "transactions.auction.bid_accepted.v1"
EVENTS = (ACHIEVEMENT_RETURNED, ACHIEVEMENT_REGISTERED, ACHIEVEMENT_PUBLISHED, ANNUAL_REPORT_RETURNED,
          ANNUAL_REPORT_MISSING, PLAN_PROJECT_OVERDUE, CONTRACT_REGISTERED, CONTRACT_RETURNED, BID_ACCEPTED,
          ACHIEVEMENT_SUBMITTED, CONTRACT_SUBMITTED, ANNUAL_REPORT_DUE_SOON)

# who of an organization reads its messages: the clerks who act for it and its administrators
ORGANIZATION_ROLES = ("institution", "institution_admin")
# who of a region's office reads what waits in its queue
REVIEWERS, REGISTRARS = ("reviewer",), ("registrar",)


@dataclass(frozen=True)
class Message:
    kind: str
    audience: str                 # org:<id> | region:<code>
    roles: tuple
    title: str
    text: str
    link: str | None              # a path of the portal, or None where the portal has no page for it yet
    subject: str                  # the aggregate it is about (achievement, contract, auction, report id)
    values: dict = field(default_factory=dict, compare=False)


def organization(org_id):
    return f"org:{org_id}"


def region_office(code):
    return f"region:{code}"


def audience_of(user):
    """The audience a signed-in person reads (None: no messages are addressed to them)."""
    if not user:
        return None
    if user.get("org"):
        return organization(user["org"])
    if user.get("region"):
        return f"region:{user['region']}"
    return None


def may_read(user, audience, roles):
    """Whether ``user`` (the session's person) reads a message of ``audience`` for ``roles``."""
    return audience is not None and audience_of(user) == audience and user.get("role") in roles


def yuan(value):
    if value in (None, ""):
        return ""
    try:
        return f"¥{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def _reasons(reasons):
    text = "；".join(str(r).strip() for r in reasons or () if str(r).strip())
    return text or labels.NOTIFICATION_TEXT_DEFAULTS["no_reasons"]


def _date(value):
    return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value or "")


def _month_day(value):
    """A date (or its ISO text) as 2月28日."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return f"{value.month}月{value.day}日"


def _message(kind, org_id, link, subject, audience=None, roles=ORGANIZATION_ROLES, **values):
    text = labels.NOTIFICATION_TEXTS[kind].format(**values)
    return Message(kind=kind, audience=audience or organization(org_id), roles=roles,
                   title=labels.NOTIFICATION_KINDS[kind], text=text, link=link, subject=subject, values=values)


def messages_of(event_name, data, lead=None):
    """The messages an event makes (a list, maybe empty). ``lead``: for a ``bid_accepted``, the auction's leading
    bid before it (``{"organization_id", "sequence"}`` or None)."""
    region = labels.label("regions", data.get("region_code"), default="")
    if event_name == ACHIEVEMENT_RETURNED:
        return [_message("achievement_returned", data["organization_id"], f"/my/achievements/{data['achievement_id']}",
                         data["achievement_id"], achievement_id=data["achievement_id"], region=region,
                         reasons=_reasons(data.get("reasons")))]
    if event_name == ACHIEVEMENT_REGISTERED:
        return [_message("achievement_registered", data["organization_id"],
                         f"/my/achievements/{data['achievement_id']}", data["achievement_id"],
                         achievement_id=data["achievement_id"], region=region,
                         registration_number=data.get("registration_number", ""))]
    if event_name == ACHIEVEMENT_PUBLISHED:
        # every organization that completed it (the owner among them) hears of it, once each
        orgs = list(dict.fromkeys(data.get("organization_ids") or ()))
        return [_message("achievement_published", org, f"/achievements/{data['achievement_id']}",
                         data["achievement_id"], title=data.get("title", ""),
                         registration_number=data.get("registration_number", "")) for org in orgs]
    if event_name == CONTRACT_REGISTERED:
        if data.get("imported"):  # a contract of the history import: registered years ago, nobody to tell
            return []
        link = f"/my/contracts#contract-{data['contract_id']}"
        return [_message("contract_registered", data["seller_organization_id"], link, data["contract_id"],
                         contract_type=labels.label("contract_types", data.get("contract_type")), region=region,
                         registration_number=data.get("registration_number", ""),
                         contract_amount=yuan(data.get("contract_amount")),
                         technology_transaction_amount=yuan(data.get("technology_transaction_amount")))]
    if event_name == CONTRACT_RETURNED:
        return [_message("contract_returned", data["seller_organization_id"],
                         f"/my/contracts/{data['contract_id']}/edit", data["contract_id"],
                         contract_id=data["contract_id"], region=region, reasons=_reasons(data.get("reasons")))]
    if event_name == BID_ACCEPTED:
        outbid = outbid_organization(lead, data)
        if outbid is None:
            return []
        return [_message("outbid", outbid, f"/auctions/{data['auction_id']}", data["auction_id"],
                         auction_id=data["auction_id"], amount=yuan(data.get("amount")))]
    if event_name == ACHIEVEMENT_SUBMITTED:
        # the reviewers of the achievement's region: it waits in their queue (a provincial reviewer's queue is
        # its page; the message goes to the division's office)
        return [_message("achievement_submitted", None, f"/review/achievements/{data['achievement_id']}",
                         data["achievement_id"], audience=region_office(data["region_code"]), roles=REVIEWERS,
                         title=data.get("title", ""), organization_id=data.get("organization_id", ""), region=region)]
    if event_name == CONTRACT_SUBMITTED:
        return [_message("contract_submitted", None, "/review/contracts", data["contract_id"],
                         audience=region_office(data["region_code"]), roles=REGISTRARS,
                         contract_type=labels.label("contract_types", data.get("contract_type")),
                         contract_amount=yuan(data.get("contract_amount")),
                         seller_organization_id=data.get("seller_organization_id", ""), region=region,
                         resubmitted=labels.NOTIFICATION_RESUBMITTED if data.get("resubmission") else "")]
    if event_name == ANNUAL_REPORT_RETURNED:
        return [_message("annual_report_returned", data["organization_id"], f"/my/annual-reports/{data['report_id']}",
                         data["report_id"],
                         year=data.get("year"), reasons=_reasons(data.get("reasons")))]
    if event_name == ANNUAL_REPORT_MISSING:
        return [_message("annual_report_missing", data["organization_id"], f"/my/annual-reports/{data['report_id']}",
                         data["report_id"],
                         year=data.get("year"))]
    if event_name == ANNUAL_REPORT_DUE_SOON:
        return [_message("annual_report_due_soon", data["organization_id"], f"/my/annual-reports/{data['report_id']}",
                         data["report_id"], year=data.get("year"), deadline=_month_day(data["deadline"]),
                         days_left=data.get("days_left"))]
    if event_name == PLAN_PROJECT_OVERDUE:
        return [_message("plan_project_overdue", data["organization_id"], None, data["plan_project_id"],
                         code=data.get("code", ""), due_date=_date(data.get("due_date")))]
    return []


def outbid_organization(lead, bid):
    """The organization a new accepted bid outbids: the previous leader, unless it is the same organization
    raising its own bid, or the bid is older than the lead (a redelivered event)."""
    if not lead or lead.get("organization_id") in (None, bid.get("bidder_organization_id")):
        return None
    if int(bid.get("sequence") or 0) <= int(lead.get("sequence") or 0):
        return None
    return lead["organization_id"]


def is_newer_lead(lead, bid):
    """Whether ``bid`` becomes the auction's lead (sequences only grow; a replay of an older bid does not)."""
    return lead is None or int(bid.get("sequence") or 0) > int(lead.get("sequence") or 0)


def fresh(event_time, now, max_age):
    """Whether an event is recent enough to tell people about (a message, or an email). A portal whose consumer
    group is new reads every topic from its beginning: years of history must not become messages and emails."""
    return event_time is None or now - event_time <= max_age


def message_id(event_id, audience):
    """One message per event and audience (a redelivered event finds it there), as a plain path segment."""
    return hashlib.sha256(f"{event_id}|{audience}".encode("utf-8")).hexdigest()[:32]
