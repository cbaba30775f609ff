"""An institution's market, report and reward forms: what the fields of 挂牌, 需求, 年度报告 and 奖励方案 become in
the body the transactions, registry and talent APIs are sent, a stored record as its form, and the APIs' field
errors put back beside the fields in Chinese. The APIs decide what is valid; this only translates between the
forms and them (values are sent as typed, so that the API, not the portal, says what is wrong)."""
import re

from ttp_common import labels

from . import contract_forms, drafts

LISTING_FIELDS = tuple(labels.LISTING_FORM)
DEMAND_FIELDS = tuple(labels.DEMAND_FORM)
REPORT_FIELDS = tuple(labels.ANNUAL_REPORT_FORM)
AUCTION_FIELDS = tuple(labels.AUCTION_FORM)
AUCTION_SHOWN = tuple(f for f in AUCTION_FIELDS if f != "listing_id")  # the listing is the page's, not a field
INCOME_FIELDS = tuple(labels.INCOME_FORM)
VERIFY_FIELDS = tuple(labels.INCOME_VERIFY_FORM)
DECISION_FIELDS = tuple(labels.DISCLOSURE_DECISION_FORM)
BEIJING = "+08:00"  # a time typed in the form (datetime-local) is Beijing time
DEALS = ("transfers", "licences", "equity_investments", "cooperation_contracts")
ALLOCATION_ROWS = 3  # contributors a reward form shows (a plan may name more through the API)
REWARD_FIELDS = ("achievement_id", "mode", "occurred_on", "contract_id", "net_income_yuan", "shares_percent",
                 "operating_profit_yuan", "years", "own_rules_reference", "own_rules_minimum_percent")
_MESSAGES = [
    (re.compile(r"must be after the start and in the future"), "必须晚于开拍时间和现在"),
    (re.compile(r"an auction lasts at most (\d+) days"), "拍卖最长 {0} 天"),
    (re.compile(r"must be at most (\d+) days ahead"), "最多提前 {0} 天设定"),
    (re.compile(r"must not be below start_price"), "不能低于起拍价"),
    (re.compile(r"the listing is not open"), "这个挂牌项目已不在挂牌中"),
    (re.compile(r"already has an open auction"), "这个挂牌项目已有进行中的竞价拍卖"),
    (re.compile(r"give a time zone"), "请填写日期和时间（如 2026-12-31 18:00）"),
    (re.compile(r"received_to must not be before received_from"), "不能早于收入期间起"),
    (re.compile(r"received_to is after today"), "收入到账后才能申报：不能晚于今天"),
    (re.compile(r"would exceed its technology transaction amount \(([\d.]+)\)"),
     "申报和已核定的技术性收入合计不能超过合同的技术交易额 {0} 元"),
    (re.compile(r"income is filed only under a registered contract"), "只有已登记的技术合同可以申报技术性收入"),
    (re.compile(r"must not exceed the filed amount ([\d.]+)"), "不能超过申报金额 {0} 元"),
    (re.compile(r"below the filed one needs a reason"), "核定金额低于申报金额时须填写核减理由"),
    (re.compile(r"who disclosed an achievement does not decide"), "披露人本人不能对自己的披露作出决定，须由本单位其他人员决定"),
    (re.compile(r"is not decided again"), "这项披露已作出决定，不能再次决定"),
    (re.compile(r"only after the institution has decided"), "单位作出决定后才能转为成果登记草稿"),
    (re.compile(r"left this achievement to its inventors"), "单位已决定由完成人实施，不作为本单位成果登记"),
    (re.compile(r"already the achievement"), "这项披露已转为成果登记草稿"),
    (re.compile(r"less than or equal to (\d+)"), "不能大于 {0}"),
    (re.compile(r"greater than or equal to (\d+)"), "不能小于 {0}"),
    (re.compile(r"not a published achievement"), "不是已公开的科技成果"),
    (re.compile(r"not a patent of this achievement"), "不是这项成果的专利"),
    (re.compile(r"only an organization of the achievement"), "不是本单位的科技成果"),
    (re.compile(r"must not be in the past"), "不能早于今天"),
    (re.compile(r"must be in the future"), "必须晚于现在"),
    (re.compile(r"valid date|date_from_datetime|Input should be a valid date"), "请填写日期（如 2026-12-31）"),
    (re.compile(r"required for (\w+)"), "此转化方式须填写"),
    (re.compile(r"not used for (\w+)"), "此转化方式不填此项"),
    (re.compile(r"each contributor once"), "每位完成人只填一次"),
    (re.compile(r"exceed what was obtained"), "奖励合计超过了单位所得"),
    (re.compile(r"only a transfer or licence reward plan cites"), "只有转让、许可的奖励方案可以引用技术合同的核定收入"),
    (re.compile(r"no verified technical income"), "这份合同还没有平台已知的技术性收入核定（刚核定的请稍后重试）"),
    (re.compile(r"contract's seller is not the plan's organization"), "这份合同的卖方不是本单位"),
    (re.compile(r"contract is about another achievement"), "这份合同涉及的是另一项科技成果"),
    (re.compile(r"exceeds the contract's verified technical income ([\d.]+)"), "不能超过这份合同核定的技术性收入 {0} 元"),
    (re.compile(r"not known here yet"), "人才库尚未收到这项成果的登记信息，请几秒后重试"),
    (re.compile(r"unknown_link|withdrawn|only submitted|not registered"), "不是已登记或已公开的科技成果"),
    (re.compile(r"universities and institutes"), "年度报告由高等院校和科研院所报送"),
    (re.compile(r"can be filed from 1 January (\d+)"), "该年度报告自 {0} 年 1 月 1 日起报送"),
    (re.compile(r"cannot submit a report that is"), "报告已报送且未被退回，不能重复报送"),
    (re.compile(r"cannot withdraw"), "当前状态不能撤回"),
    (re.compile(r"valid integer|whole number"), "请填写整数"),
]


def chinese(message):
    """The API's message in Chinese where it is one of the usual ones (then the contract and achievement forms'
    translations); else as it came (never dropped)."""
    found = drafts.translate(message, _MESSAGES)
    return contract_forms.chinese(message) if found is None else found


def _typed(form, names):
    return {name: form.get(name, "").strip() for name in names}


def _or_none(value):
    return value if value not in ("", None) else None


def _number(value):
    """An integer when the text is one, else the text (the API says what is wrong with it)."""
    return int(value) if re.fullmatch(r"-?\d+", value or "") else _or_none(value)


def keywords_of(text):
    return [k for k in re.split(r"[,，、;；\s]+", text or "") if k]


# -- listings (挂牌) and demands (需求) ---------------------------------------------------------------------------
def listing_body(form):
    typed = _typed(form, LISTING_FIELDS)
    return {"achievement_id": typed["achievement_id"], "patent_number": _or_none(typed["patent_number"]),
            "mode": typed["mode"], "asking_price": typed["asking_price"],
            "period_days": _number(typed["period_days"]) if typed["period_days"] else 30,
            "description": typed["description"]}


def demand_body(form):
    typed = _typed(form, DEMAND_FIELDS)
    return {"title": typed["title"], "problem": typed["problem"], "keywords": keywords_of(typed["keywords"]),
            "programme": _number(typed["programme"]), "region_code": typed["region_code"],
            "budget": _or_none(typed["budget"]), "min_trl": _number(typed["min_trl"]) if typed["min_trl"] else 1,
            "deadline": typed["deadline"]}


def withdrawal_body(form, optional=False):
    """``{"reason": ...}``; for a demand, whose reason may be omitted, an empty one is left out."""
    reason = form.get("reason", "").strip()
    return {"reason": reason or None} if optional else {"reason": reason}


# -- the annual report (年度报告) ----------------------------------------------------------------------------------
def report_body(form, organization_id, year):
    typed = _typed(form, REPORT_FIELDS)
    body = {"year": year, "organization_id": organization_id}
    for deal in DEALS:
        body[deal] = {"count": _number(typed[f"{deal}_count"]), "amount_yuan": _or_none(typed[f"{deal}_amount_yuan"])}
    body.update(rewards_paid_yuan=_or_none(typed["rewards_paid_yuan"]), rewarded_people=_number(typed["rewarded_people"]),
                summary=typed["summary"])
    return body


def report_form(report):
    """A stored report as its form (to file it again after a return)."""
    form = {}
    for deal in DEALS:
        deals = report.get(deal) or {}
        form[f"{deal}_count"] = str(deals.get("count", ""))
        form[f"{deal}_amount_yuan"] = str(deals.get("amount_yuan", ""))
    form.update(rewards_paid_yuan=str(report.get("rewards_paid_yuan", "")),
                rewarded_people=str(report.get("rewarded_people", "")), summary=report.get("summary", ""))
    return form


# -- reward plans (奖励方案) ---------------------------------------------------------------------------------------
def reward_body(form, organization_id):
    typed = _typed(form, REWARD_FIELDS)
    allocations = []
    for i in range(ALLOCATION_ROWS):
        row = _typed(form, (f"person_id_{i}", f"cash_yuan_{i}", f"share_percent_{i}"))
        if any(row.values()):
            allocations.append({"person_id": row[f"person_id_{i}"], "cash_yuan": _or_none(row[f"cash_yuan_{i}"]),
                                "share_percent": _or_none(row[f"share_percent_{i}"])})
    body = {"organization_id": organization_id, "achievement_id": typed["achievement_id"], "mode": typed["mode"],
            "occurred_on": typed["occurred_on"], "allocations": allocations}
    if typed["contract_id"]:  # only when given (a plan citing no contract sends none)
        body["contract_id"] = typed["contract_id"]
    for name in ("net_income_yuan", "shares_percent", "operating_profit_yuan"):
        body[name] = _or_none(typed[name])
    body["years"] = _number(typed["years"])
    if typed["own_rules_reference"] or typed["own_rules_minimum_percent"]:
        body["own_rules"] = {"reference": typed["own_rules_reference"],
                             "minimum_percent": _or_none(typed["own_rules_minimum_percent"])}
    return body


def reward_field(path):
    """The form field an API path names: ``allocations.1.cash_yuan`` is ``cash_yuan_1``, ``own_rules.reference``
    is ``own_rules_reference``; the allocations as a whole are ``allocations``."""
    parts = str(path).split(".")
    if parts[0] == "allocations" and len(parts) >= 3 and parts[1].isdigit():
        return f"{parts[2]}_{parts[1]}"
    if parts[0] == "own_rules" and len(parts) >= 2:
        return f"own_rules_{parts[1]}"
    return parts[0]


def findings(check):
    """A plan's findings against article 45 (or its own rules) in Chinese, from the talent API's check."""
    out = []
    for finding in (check or {}).get("findings") or []:
        template = labels.REWARD_FINDINGS.get(finding.get("code"))
        if template is None:
            out.append(finding.get("message", ""))
            continue
        message = finding.get("message", "")
        years = re.search(r"for (\d+) years", message)
        span = re.search(r"requires (\d+) to (\d+)", message)
        out.append(template.format(actual=check.get("actual_percent") or "", required=check.get("required_percent") or "",
                                   source=check.get("source") or "", years=years.group(1) if years else "",
                                   low=span.group(1) if span else "", high=span.group(2) if span else ""))
    return out


# -- errors beside the fields -------------------------------------------------------------------------------------
def field_errors(refusal, fields, to_field=None):
    """{form field: Chinese message} of an API's refusal; what fits none of ``fields`` goes under ``""``.
    ``to_field`` maps an API path to a form field (default: its first part; the annual report's
    ``transfers.count`` is ``transfers_count``)."""
    to_field = to_field or (lambda path: str(path).replace(".", "_") if str(path).split(".")[0] in DEALS
                            else str(path).split(".")[0])
    errors = {}
    for item in refusal.fields or []:
        field = to_field(item.get("path", ""))
        errors.setdefault(field if field in fields else "", chinese(item.get("message", "")))
    if not errors:
        errors[""] = chinese(refusal.message)
    return errors


# -- auctions (竞价拍卖) -------------------------------------------------------------------------------------------
def beijing_time(text):
    """A datetime-local value (``2026-12-31T18:00``) as Beijing time for the API; anything else as typed."""
    text = (text or "").strip()
    return f"{text}:00{BEIJING}" if re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", text) else _or_none(text)


def auction_body(form):
    typed = _typed(form, AUCTION_FIELDS)
    body = {"listing_id": typed["listing_id"], "start_price": typed["start_price"],
            "reserve_price": _or_none(typed["reserve_price"]), "increment": typed["increment"],
            "starts_at": beijing_time(typed["starts_at"]), "ends_at": beijing_time(typed["ends_at"])}
    if typed["extension_seconds"]:
        body["extension_seconds"] = _number(typed["extension_seconds"])
    return body


# -- technical income (技术性收入) ---------------------------------------------------------------------------------
def income_body(form):
    typed = _typed(form, INCOME_FIELDS)
    return {"amount": typed["amount"], "received_from": typed["received_from"], "received_to": typed["received_to"],
            "note": typed["note"]}


def income_form(filing):
    """A stored filing as its form (to file a returned one again)."""
    return {name: str(filing.get(name) or "") for name in INCOME_FIELDS}


def verify_body(form):
    return {"verified_amount": form.get("verified_amount", "").strip(), "reason": form.get("reason", "").strip()}


# -- duty-achievement disclosures (职务科技成果披露) ----------------------------------------------------------------
def disclosure_body(form, organization_id):
    """The disclosure: its basis and remarks, and the achievement on the registration form (the draft's fields)."""
    return {"basis": form.get("basis", ""), "remarks": form.get("remarks", "").strip(),
            "achievement": drafts.body_of(form, organization_id)}


def disclosure_errors(refusal):
    """The registry's refusal of a disclosure beside its fields: ``achievement.title`` is the form's ``title``."""
    errors = {}
    for item in refusal.fields or []:
        path = str(item.get("path", "")).split(".")
        if path[0] == "achievement" and len(path) > 1:
            path = path[1:]
        field = "contributor" if path[0] == "contributors" else path[0]
        field = field if field in drafts.FIELDS or field in labels.DISCLOSURE_FORM else ""
        errors.setdefault(field, chinese(item.get("message", "")))
    if not errors:
        errors[""] = chinese(refusal.message)
    return errors
