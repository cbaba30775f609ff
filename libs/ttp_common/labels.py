"""The label catalogue: every code the platform shows to a person, with its Chinese label (organization kinds,
achievement types, contract types, listing modes, the plan's 15 programmes, designation kinds, regions, states).

One place for the portal's pages and its ``/api/v1/labels``; the services' own tables of the same codes are
checked against it (``services/portal/tests/test_labels.py``), so a code added there without a label here fails.
"""
from .reference import SICHUAN_REGIONS
from .regions import PROVINCE

ORGANIZATION_KINDS = {
    "university": "高等院校", "institute": "科研院所", "enterprise": "企业",
    "service_institution": "科技成果转移转化服务机构", "investor": "投资机构", "government": "政府部门",
}
ACHIEVEMENT_TYPES = {"applied": "应用技术", "basic": "基础理论", "soft_science": "软科学"}
CONTRACT_TYPES = {"development": "技术开发", "transfer": "技术转让", "licence": "技术许可", "consulting": "技术咨询",
                  "service": "技术服务"}
LISTING_MODES = {"transfer": "转让", "licence": "许可", "equity": "作价投资"}
# IP rights (知识产权): their kinds (the registry's ``registry.ip.KINDS``), how a listing or contract passes them, and
# a licence's kind (独占/排他/普通许可)
IP_KINDS = {"invention_patent": "发明专利", "utility_model": "实用新型", "design_patent": "外观设计",
            "software_copyright": "计算机软件著作权", "plant_variety": "植物新品种权", "ic_layout": "集成电路布图设计"}
TRANSFER_MODES = {"assignment": "转让", "licence": "许可"}
LICENCE_KINDS = {"exclusive": "独占许可", "sole": "排他许可", "non_exclusive": "普通许可"}
# Duty-achievement disclosure (职务科技成果披露): why it is a duty achievement, and the institution's decision.
DISCLOSURE_BASES = {"job_duties": "执行本单位任务", "institution_resources": "主要利用本单位物质技术条件"}
DISCLOSURE_DECISIONS = {"transfer": "转让", "licence": "许可", "investment": "作价投资", "own_implementation": "自行实施",
                        "left_to_inventors": "由完成人实施"}
# The fields of the records people work from, as the headers of the portal's Excel exports and its tables name them
FIELDS = {
    "registration_number": "登记号", "title": "名称", "status": "状态", "type": "成果类型", "region_code": "地区",
    "programme": "所属专项", "trl": "技术成熟度（TRL）", "owner_organization_id": "完成单位", "industry": "所属行业",
    "updated_at": "最后修改时间", "return_reasons": "退回原因", "contract_type": "合同类型",
    "contract_amount": "合同金额（元）", "technology_transaction_amount": "技术交易额（元）",
    "seller_organization_id": "卖方机构", "buyer_name": "买方", "submitted_at": "提交时间",
    "days_left": "距30日登记期限剩余天数", "year": "报告年度", "organization_id": "报送单位", "late": "逾期报送",
    "forwarding_deadline": "转报截止日", "forwarding_overdue": "逾期未转报", "transfers": "转让", "licences": "许可",
    "equity_investments": "作价投资", "cooperation_contracts": "技术开发、咨询、服务合同", "count": "项数",
    "amount_yuan": "金额（元）", "rewards_paid_yuan": "奖励与报酬（元）", "rewarded_people": "获奖励人数",
    "summary": "总体成效与面临的问题", "contract_id": "技术合同编号", "amount": "申报金额（元）",
    "received_from": "收入期间起", "received_to": "收入期间止", "filed_at": "申报时间", "verified_amount": "核定金额（元）",
    "verification_reason": "核减理由", "decided_at": "核定或退回时间",
}
# Demonstration designations (示范认定, 四(一)2–3, 四(三)3): what the department designates or recognizes
DESIGNATION_KINDS = {
    "demonstration_enterprise": "科技成果转移转化示范企业", "demonstration_zone": "科技成果转移转化示范区",
    "industrialization_base": "科技成果产业化基地", "regional_institution": "区域性技术转移机构",
    "industry_institution": "行业性技术转移服务机构", "international_institution": "国际技术转移机构",
}
# 四(一)1 (1)-(15)
PROGRAMMES = {
    1: "新一代信息技术与产业成果转化专项", 2: "智能制造装备产业科技成果转化专项", 3: "轨道交通装备产业科技成果转化专项",
    4: "节能环保产业科技成果转化专项", 5: "生物医药产业科技成果转化专项", 6: "新能源产业科技成果转化专项",
    7: "新能源汽车产业科技成果转化专项", 8: "新材料产业科技成果转化专项", 9: "航空航天产业科技成果转化专项",
    10: "先进电力装备产业科技成果转化专项", 11: "现代中药产业科技成果转化专项", 12: "特色现代农业产业科技成果转化专项",
    13: "传统优势特色产业改造提升科技成果转化专项", 14: "军民融合科技成果转化专项", 15: "国际科技合作科技成果转化专项",
}
REGIONS = {PROVINCE: "四川省", **SICHUAN_REGIONS}
ROLES = {"public": "公众", "institution": "机构经办人", "institution_admin": "机构管理员", "reviewer": "成果登记审核员",
         "registrar": "技术合同登记员", "supervisor": "主管部门", "investor": "投资机构人员", "admin": "平台管理员",
         "auditor": "安全审计员", "client": "接入系统"}
# How the delivery service (事件推送) puts a CloudEvent into an HTTP request
DELIVERY_MODES = {"binary": "二进制模式", "structured": "结构化模式"}
STATES = {
    "achievement": {"draft": "草稿", "submitted": "已提交", "returned": "已退回", "registered": "已登记",
                    "published": "已公开", "withdrawn": "已撤回"},
    "listing": {"open": "挂牌中", "sold": "已成交", "expired": "已到期", "withdrawn": "已撤牌",
                "achievement_withdrawn": "成果已撤回"},
    "demand": {"open": "征集中", "withdrawn": "已撤回"},
    "designation_application": {"submitted": "已申报", "eligible": "形式审查通过", "ineligible": "形式审查未通过",
                                "under_review": "专家评审中", "scored": "评审完成", "designated": "已认定",
                                "not_designated": "未认定"},
    "designation": {"designated": "有效", "revoked": "已撤销"},
    "auction": {"open": "竞价中", "sold": "已成交", "unsold": "流拍", "cancelled": "已撤拍"},
    "contract": {"submitted": "待登记", "returned": "已退回", "registered": "已登记", "cancelled": "已注销"},
    "delivery": {"pending": "待投递", "delivered": "已投递", "parked": "已搁置"},
    "disclosure": {"disclosed": "待决定", "decided": "已决定"},
    "contract_income": {"filed": "待核定", "verified": "已核定", "returned": "已退回"},
    "task": {"not_started": "未开始", "in_progress": "推进中", "done": "已完成"},
    "annual_report": {"submitted": "待审核", "returned": "已退回", "accepted": "已审核", "forwarded": "已转报"},
    "account": {"active": "正常", "disabled": "已停用"},
}
# The portal's notification centre (站内消息): a message's kind, and its text (``str.format`` with the values the
# portal's ``notifications`` module takes from the event, already labelled).
NOTIFICATION_KINDS = {
    "achievement_returned": "科技成果被退回", "achievement_registered": "科技成果已登记",
    "achievement_published": "科技成果已公开", "contract_registered": "技术合同已登记",
    "contract_returned": "技术合同被退回", "outbid": "竞价出价被超过", "annual_report_returned": "年度报告被退回",
    "annual_report_missing": "年度报告逾期未报", "annual_report_due_soon": "年度报告即将截止",
    "plan_project_overdue": "科技计划项目报告逾期",
    "achievement_submitted": "科技成果待登记审核", "contract_submitted": "技术合同待认定登记",
}
NOTIFICATION_TEXTS = {
    "achievement_returned": "本单位的科技成果（{achievement_id}）被{region}审核退回，退回理由：{reasons}。请修改后重新提交。",
    "achievement_registered": "本单位的科技成果（{achievement_id}）已由{region}登记，登记号 {registration_number}。",
    "achievement_published": "科技成果《{title}》已公开（登记号 {registration_number}），公众可在成果查询中查到。",
    "contract_registered": "本单位的{contract_type}合同已由{region}认定登记，登记号 {registration_number}，"
                           "合同金额 {contract_amount}，技术交易额 {technology_transaction_amount}。",
    "contract_returned": "本单位申请登记的技术合同（{contract_id}）被{region}退回，退回理由：{reasons}。",
    "outbid": "本单位在竞价拍卖（{auction_id}）中的出价已被其他竞买人超过，当前最高价 {amount}。",
    "annual_report_returned": "本单位{year}年度科技成果转化年度报告被退回，退回理由：{reasons}。",
    "annual_report_missing": "本单位{year}年度科技成果转化年度报告已逾期未报，请尽快提交。",
    "annual_report_due_soon": "本单位{year}年度科技成果转化年度报告将于{deadline}截止，还剩{days_left}天，请按时报送。",
    "plan_project_overdue": "本单位承担的科技计划项目（{code}）的科技报告已逾期（应于 {due_date} 前提交）。",
    "achievement_submitted": "科技成果《{title}》（{organization_id}）已提交，待{region}登记审核。",
    "contract_submitted": "一份{contract_type}合同（合同金额 {contract_amount}，卖方 {seller_organization_id}）已{resubmitted}"
                          "提交{region}认定登记，应自受理起 30 日内办理。",
}
# Why the transactions API refused a bid (its stable codes), as the portal's bid form says it beside the amount
BID_REFUSALS = {
    "bid_too_low": "出价低于当前最低可出价", "auction_closed": "本场拍卖已结束，不能再出价",
    "auction_ended": "竞价时间已过，不能再出价", "auction_not_started": "竞价尚未开始",
    "own_auction": "本单位是拍卖成果的卖方或完成单位，不能参与竞价", "forbidden": "只有机构经办人可以代表本单位出价",
    "validation_failed": "请填写正确的金额（元，大于零，最多两位小数）",
}
# The technology contract form (技术合同认定登记, the JJ-001 fields the transactions API takes), as the portal labels it
CONTRACT_FORM = {
    "contract_type": "合同类型", "title": "合同名称", "contract_amount": "合同金额（元）",
    "technology_transaction_amount": "技术交易额（元，不超过合同金额）", "seller_organization_id": "卖方机构编号",
    "buyer_organization_id": "买方机构编号（平台上的机构）", "buyer_name": "买方名称（不在平台上的买方）",
    "region_code": "登记地（卖方所在地区）", "listing_id": "来自挂牌项目（编号）", "auction_id": "来自竞价拍卖（编号）",
    "achievement_id": "涉及的科技成果（编号）",
}
# The administration forms (accounts through the identity API, organizations and accreditation through the registry's,
# the task ledger's updates through the metrics service's), as the portal labels their fields and list columns
ADMIN_FORM = {
    "username": "登录名", "display_name": "姓名（或办公室名称）", "email": "电子邮箱（接收站内消息通知，可不填）",
    "role": "角色", "organization_id": "所属机构编号", "region_code": "所属地区（审核、登记机构及地区管理员）",
    "status": "账号状态", "locked": "已锁定", "created_at": "创建时间", "reason": "原因（记入安全审计）",
    "name": "机构名称", "credit_code": "统一社会信用代码", "kind": "主体类型", "supervising_department": "主管部门",
    "contact": "联系方式", "accredited": "认定", "accredited_at": "认定时间", "accredited_units": "已认定的技术转移机构",
    "basis": "认定依据（如文件编号）", "unit": "内设技术转移机构名称（认定高校院所内设机构时填写）",
    "revocation_reason": "撤销原因", "note": "进展说明", "task_id": "任务编号", "title": "任务",
    "departments": "责任单位", "schedule": "进度安排", "due": "完成时限", "overdue": "是否逾期",
    "updated_at": "更新时间", "one_time_password": "一次性密码",
    "state_established": "国家设立（仅高等院校、科研院所）",
}
# The institution staff's forms (本单位挂牌、需求、年度报告、奖励方案) and the bulk import's report, as the portal labels them
LISTING_FORM = {
    "achievement_id": "挂牌的科技成果（本单位已公开的成果）", "patent_number": "专利号（只挂牌其中一项专利时填写）",
    "mode": "挂牌方式", "asking_price": "挂牌价（元）", "period_days": "挂牌期（天）", "description": "项目说明",
}
DEMAND_FORM = {
    "title": "需求名称", "problem": "需要解决的技术难题", "keywords": "关键词（以顿号或逗号分隔）", "programme": "所属专项",
    "region_code": "所在地区", "budget": "预算（元，可不填）", "min_trl": "可接受的最低技术成熟度（TRL）",
    "deadline": "征集截止日期",
}
WITHDRAW_FORM = {"reason": "撤回原因"}
AUCTION_FORM = {
    "listing_id": "拍卖的挂牌项目", "start_price": "起拍价（元）", "reserve_price": "保留价（元，可不填：低于此价流拍）",
    "increment": "加价幅度（元）", "starts_at": "开拍时间（北京时间，可不填：立即开拍）", "ends_at": "结束时间（北京时间）",
    "extension_seconds": "延时（秒：结束前这段时间内有出价则顺延）",
}
INCOME_FORM = {"amount": "实际收到的技术性收入（元）", "received_from": "收入期间起", "received_to": "收入期间止（到账日期）",
               "note": "说明（可不填）"}
INCOME_VERIFY_FORM = {"verified_amount": "核定金额（元）", "reason": "核减理由（核定金额低于申报金额时必填）",
                      "reasons": "退回原因（每行一条）"}
DISCLOSURE_FORM = {"basis": "职务科技成果的依据", "remarks": "补充说明（可不填）"}
DISCLOSURE_DECISION_FORM = {"decision": "单位决定", "reasons": "决定理由"}
ANNUAL_REPORT_FORM = {
    "transfers_count": "转让项数", "transfers_amount_yuan": "转让金额（元）", "licences_count": "许可项数",
    "licences_amount_yuan": "许可金额（元）", "equity_investments_count": "作价投资项数",
    "equity_investments_amount_yuan": "作价投资金额（元）", "cooperation_contracts_count": "技术开发、咨询、服务合同项数",
    "cooperation_contracts_amount_yuan": "技术开发、咨询、服务合同金额（元）", "rewards_paid_yuan": "奖励与报酬（元）",
    "rewarded_people": "获奖励人数", "summary": "总体成效与面临的问题（至少 10 个字）",
}
REWARD_MODES = {"transfer": "转让", "licence": "许可", "investment": "作价投资", "self_implementation": "自行实施或合作实施"}
REWARD_FORM = {
    "achievement_id": "科技成果", "mode": "转化方式", "occurred_on": "转化日期", "net_income_yuan": "净收入（元，转让、许可）",
    "shares_percent": "取得的股份或出资比例（%，作价投资）", "operating_profit_yuan": "年营业利润（元，自行实施）",
    "years": "奖励连续年数（自行实施）", "person_id": "完成人（人才库编号）", "cash_yuan": "现金奖励（元）",
    "share_percent": "股份比例（%）", "own_rules_reference": "本单位规定（可不填，如《××大学科技成果转化管理办法》第十二条）",
    "own_rules_minimum_percent": "本单位规定的最低比例（%）", "allocations": "奖励分配",
    "contract_id": "已核定技术性收入的技术合同（编号，可不填：转让、许可以其核定收入为净收入）",
}
# A reward plan's findings (the talent API's codes) in Chinese, ``str.format`` with the plan's check
REWARD_FINDINGS = {
    "below_minimum": "奖励为所得的 {actual}%，低于 {source} 规定的最低 {required}%",
    "years_out_of_range": "奖励连续 {years} 年，{source} 要求 {low} 至 {high} 年",
}
REWARD_CHECKS = {True: "符合", False: "不符合"}
REWARD_BASES = {"statutory": "法定标准（促进科技成果转化法第四十五条）", "own_rules": "本单位规定"}
IMPORT_OUTCOMES = {"created": "已导入为草稿", "exists": "已导入过（未重复创建）", "rejected": "未导入"}
NOTIFICATION_RESUBMITTED = "重新"
NOTIFICATION_TEXT_DEFAULTS = {"no_reasons": "未说明"}

# The trace (成果转化全链条, metrics' ``/api/v1/trace``): the service an entry comes from, what happened (its event
# type), and the details shown beside it: (label, how: "yuan" for an amount, a table of CATALOGUE for a code, None
# for the value as it is). The trace's API gives each caller only the details they may see.
SERVICES = {"registry": "科技成果登记", "transactions": "技术市场", "finance": "投融资", "talent": "人才队伍",
            "innovation": "创新载体", "metrics": "规划目标进度"}
_PROJECT_STEPS = {"proposed": "申报", "approved": "立项", "started": "启动", "stage_advanced": "进入下一阶段",
                  "completed": "完成", "terminated": "终止"}
TRACE_EVENTS = {
    "registry.achievement.submitted.v1": "成果登记：提交", "registry.achievement.returned.v1": "成果登记：退回",
    "registry.achievement.registered.v1": "成果登记：登记", "registry.achievement.published.v1": "成果登记：公开",
    "registry.achievement.withdrawn.v1": "成果登记：撤回",
    "registry.disclosure.disclosed.v1": "职务成果披露：披露", "registry.disclosure.overdue.v1": "职务成果披露：逾期未决定",
    "registry.disclosure.decided.v1": "职务成果披露：单位决定", "registry.disclosure.drafted.v1": "职务成果披露：生成登记草稿",
    "transactions.listing.opened.v1": "成果挂牌：挂牌", "transactions.listing.closed.v1": "成果挂牌：结束",
    "transactions.listing.withdrawn.v1": "成果挂牌：撤牌",
    "transactions.match.proposed.v1": "供需对接：提出", "transactions.match.accepted.v1": "供需对接：接受",
    "transactions.match.declined.v1": "供需对接：拒绝",
    "transactions.auction.scheduled.v1": "竞价拍卖：发布", "transactions.auction.bid_accepted.v1": "竞价拍卖：出价",
    "transactions.auction.closed.v1": "竞价拍卖：结束",
    "transactions.contract.submitted.v1": "技术合同：申请认定登记", "transactions.contract.returned.v1": "技术合同：退回",
    "transactions.contract.registered.v1": "技术合同：认定登记", "transactions.contract.changed.v1": "技术合同：变更登记",
    "transactions.contract.cancelled.v1": "技术合同：注销登记",
    "transactions.contract.income_filed.v1": "技术性收入：申报",
    "transactions.contract.income_verified.v1": "技术性收入：核定",
    "transactions.contract.income_returned.v1": "技术性收入：退回",
    "transactions.valuation.recorded.v1": "评价评估：评估",
    **{f"finance.transformation_project.{step}.v1": f"科技成果转化项目：{text}" for step, text in _PROJECT_STEPS.items()},
    "finance.financing_project.listed.v1": "融资项目：入库", "finance.financing_project.withdrawn.v1": "融资项目：撤回",
    "finance.deal.interest_expressed.v1": "投融资交易：投资意向", "finance.deal.due_diligence_started.v1": "投融资交易：尽职调查",
    "finance.deal.closed.v1": "投融资交易：成交", "finance.deal.declined.v1": "投融资交易：未成交",
    "finance.deal.pledge_lapsed.v1": "投融资交易：质押的知识产权失效",
    "finance.subsidy.applied.v1": "财政补助：申请", "finance.subsidy.approved.v1": "财政补助：批准",
    "finance.subsidy.rejected.v1": "财政补助：不予支持",
    "talent.reward.recorded.v1": "奖励与报酬：奖励方案",
    "innovation.incubation.entered.v1": "孵化：入驻", "innovation.incubation.graduated.v1": "孵化：毕业",
}
TRACE_DETAILS = {
    "registration_number": ("登记号", None), "contract_type": ("合同类型", "contract_types"),
    "asking_price": ("挂牌价", "yuan"), "start_price": ("起拍价", "yuan"), "amount": ("金额", "yuan"),
    "outcome": ("结果", "states.auction"), "final_price": ("成交价", "yuan"), "bids": ("出价次数", None),
    "contract_amount": ("合同金额", "yuan"), "technology_transaction_amount": ("技术交易额", "yuan"),
    "contract_amount_delta": ("合同金额变化", "yuan"), "technology_transaction_amount_delta": ("技术交易额变化", "yuan"),
    "budget": ("项目预算", "yuan"), "value": ("评估值", "yuan"), "total_cash_yuan": ("现金奖励合计", "yuan"),
    "filed_amount": ("申报金额", "yuan"), "verified_amount": ("核定金额", "yuan"),
    "basis": ("职务成果依据", "disclosure_bases"), "decision": ("单位决定", "disclosure_decisions"),
    "carrier_id": ("载体", None), "enterprise_organization_id": ("在孵企业", None),
    "entered_on": ("入驻日期", None), "graduated_on": ("毕业日期", None),
    "ip_right_id": ("知识产权", None), "lapsed_on": ("失效日期", None),
}

CATALOGUE = {
    "organization_kinds": ORGANIZATION_KINDS, "achievement_types": ACHIEVEMENT_TYPES,
    "contract_types": CONTRACT_TYPES, "listing_modes": LISTING_MODES, "programmes": PROGRAMMES,
    "ip_kinds": IP_KINDS, "transfer_modes": TRANSFER_MODES, "licence_kinds": LICENCE_KINDS,
    "designation_kinds": DESIGNATION_KINDS,
    "disclosure_bases": DISCLOSURE_BASES, "disclosure_decisions": DISCLOSURE_DECISIONS,
    "delivery_modes": DELIVERY_MODES, "reward_modes": REWARD_MODES,
    "regions": REGIONS, "roles": ROLES, "states": STATES, "notification_kinds": NOTIFICATION_KINDS,
    "services": SERVICES, "trace_events": TRACE_EVENTS,
}


def label(table, code, default=None):
    """The Chinese label of ``code`` in ``table`` (a key of CATALOGUE, or ``states.<kind>``); ``default`` (else the
    code itself) when the code is unknown, so a new code shows as itself rather than as nothing."""
    entries = STATES.get(table.split(".", 1)[1], {}) if table.startswith("states.") else CATALOGUE.get(table, {})
    if table == "programmes" and code is not None:
        try:
            code = int(code)
        except (TypeError, ValueError):
            pass
    found = entries.get(code)
    if found is not None:
        return found
    return default if default is not None else ("" if code is None else str(code))


def as_json():
    """The catalogue with string keys (JSON objects)."""
    return {name: ({kind: dict(values) for kind, values in table.items()} if name == "states"
                   else {str(code): text for code, text in table.items()}) for name, table in CATALOGUE.items()}
