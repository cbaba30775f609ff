"""Rules of the notification centre (``portal.notifications``, ``portal.mail``): which events become messages, to
whom, in what Chinese words with which link; who may read a message; when a failed email is tried again. No I/O."""
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from portal import mail, notifications as n

ORG, OTHER = "91510100MA61234567", "91510100MA67654321"
CLERK = {"sub": "a1", "role": "institution", "org": ORG}


def test_a_returned_achievement_tells_its_organization_why_and_links_to_its_draft():
    [m] = n.messages_of(n.ACHIEVEMENT_RETURNED, {"achievement_id": "ach-1", "organization_id": ORG,
                                                 "region_code": "510100", "reasons": ["缺少知识产权证明", " "],
                                                 "secrecy": "public"})
    assert m.audience == f"org:{ORG}" and set(m.roles) == {"institution", "institution_admin"}
    assert m.title == "科技成果被退回" and m.link == "/my/achievements/ach-1"
    assert "成都市" in m.text and "缺少知识产权证明" in m.text and "退回" in m.text
    [bare] = n.messages_of(n.ACHIEVEMENT_RETURNED, {"achievement_id": "ach-1", "organization_id": ORG,
                                                    "region_code": "510100", "reasons": []})
    assert "未说明" in bare.text


def test_a_published_achievement_tells_every_completing_organization_once():
    made = n.messages_of(n.ACHIEVEMENT_PUBLISHED, {"achievement_id": "ach-2", "registration_number": "510202600001",
                                                   "title": "高原光伏储能协同控制", "organization_ids": [ORG, OTHER, ORG]})
    assert [m.audience for m in made] == [f"org:{ORG}", f"org:{OTHER}"]
    assert all(m.link == "/achievements/ach-2" and "《高原光伏储能协同控制》" in m.text for m in made)


def test_a_registered_contract_states_its_type_and_both_amounts_in_yuan_and_an_imported_one_says_nothing():
    data = {"contract_id": "c-1", "registration_number": "5101002026000001", "contract_type": "transfer",
            "contract_amount": Decimal("1200000.00"), "technology_transaction_amount": Decimal("1000000.00"),
            "seller_organization_id": ORG, "region_code": "510100", "imported": False}
    [m] = n.messages_of(n.CONTRACT_REGISTERED, data)
    assert m.audience == f"org:{ORG}" and m.title == "技术合同已登记"
    assert "技术转让合同" in m.text and "¥1,200,000.00" in m.text and "¥1,000,000.00" in m.text
    assert "5101002026000001" in m.text and m.link == "/my/contracts#contract-c-1"  # its certificate is there
    assert n.messages_of(n.CONTRACT_REGISTERED, {**data, "imported": True}) == []
    [returned] = n.messages_of(n.CONTRACT_RETURNED, {"contract_id": "c-2", "seller_organization_id": ORG,
                                                     "region_code": "510700", "reasons": ["金额与合同文本不符"]})
    assert returned.title == "技术合同被退回" and "绵阳市" in returned.text and "金额与合同文本不符" in returned.text
    assert returned.link == "/my/contracts/c-2/edit"  # where it is corrected and resubmitted


def test_outbid_goes_to_the_previous_leader_only():
    bid = {"auction_id": "au-1", "bidder_organization_id": OTHER, "sequence": 2, "amount": Decimal("130000.00")}
    [m] = n.messages_of(n.BID_ACCEPTED, bid, lead={"organization_id": ORG, "sequence": 1})
    assert m.audience == f"org:{ORG}" and m.kind == "outbid" and m.link == "/auctions/au-1"
    assert "¥130,000.00" in m.text
    assert n.messages_of(n.BID_ACCEPTED, bid, lead=None) == []  # the first bid outbids nobody
    assert n.messages_of(n.BID_ACCEPTED, bid, lead={"organization_id": OTHER, "sequence": 1}) == []  # raising its own
    assert n.messages_of(n.BID_ACCEPTED, bid, lead={"organization_id": ORG, "sequence": 2}) == []  # a replay
    assert n.is_newer_lead({"organization_id": ORG, "sequence": 1}, bid)
    assert not n.is_newer_lead({"organization_id": ORG, "sequence": 3}, bid)


def test_a_missed_annual_report_and_an_overdue_tech_report_are_told_to_the_organization():
    [missing] = n.messages_of(n.ANNUAL_REPORT_MISSING, {"report_id": "r-1", "organization_id": ORG,
                                                        "region_code": "510100", "year": 2025})
    assert missing.title == "年度报告逾期未报" and "2025年度" in missing.text
    assert missing.link == "/my/annual-reports/r-1"  # the organization's report page of that year
    [returned] = n.messages_of(n.ANNUAL_REPORT_RETURNED, {"report_id": f"{ORG}:2025", "organization_id": ORG,
                                                          "region_code": "510100", "year": 2025, "reasons": ["缺少附件"]})
    assert returned.link == f"/my/annual-reports/{ORG}:2025" and "缺少附件" in returned.text
    [overdue] = n.messages_of(n.PLAN_PROJECT_OVERDUE, {"plan_project_id": "p-1", "code": "2026ZDZX0001",
                                                       "organization_id": ORG, "region_code": "510100",
                                                       "due_date": datetime(2026, 6, 30).date()})
    assert "2026ZDZX0001" in overdue.text and "2026-06-30" in overdue.text
    assert n.messages_of("registry.achievement.withdrawn.v1", {"achievement_id": "x"}) == []


def test_an_approaching_report_deadline_is_told_to_the_organization_with_the_date_and_days_left():
    data = {"report_id": f"{ORG}:2026", "organization_id": ORG, "region_code": "510100", "year": 2026,
            "deadline": datetime(2027, 2, 28).date(), "days_left": 30}
    [m] = n.messages_of(n.ANNUAL_REPORT_DUE_SOON, data)
    assert m.kind == "annual_report_due_soon" and m.title == "年度报告即将截止"
    assert m.audience == f"org:{ORG}" and set(m.roles) == {"institution", "institution_admin"}
    assert "2026年度" in m.text and "年度报告将于2月28日截止，还剩30天" in m.text
    assert m.link == f"/my/annual-reports/{ORG}:2026" and m.subject == f"{ORG}:2026"
    [same] = n.messages_of(n.ANNUAL_REPORT_DUE_SOON, {**data, "deadline": "2027-02-28", "days_left": 0})
    assert "2月28日截止，还剩0天" in same.text  # the deadline as ISO text reads the same
    assert n.ANNUAL_REPORT_DUE_SOON in n.EVENTS  # the consumer subscribes to it


def test_a_person_reads_their_own_organizations_messages_for_their_role_only():
    audience, roles = f"org:{ORG}", n.ORGANIZATION_ROLES
    assert n.may_read(CLERK, audience, roles)
    assert n.may_read({**CLERK, "role": "institution_admin"}, audience, roles)
    assert not n.may_read({**CLERK, "org": OTHER}, audience, roles)
    assert not n.may_read({**CLERK, "role": "investor"}, audience, roles)
    assert not n.may_read({"sub": "r1", "role": "reviewer", "region": "510100"}, audience, roles)
    assert n.audience_of({"sub": "r1", "role": "reviewer", "region": "510100"}) == "region:510100"
    assert n.audience_of({"sub": "x", "role": "admin"}) is None and n.audience_of(None) is None


def test_one_message_per_event_and_audience():
    assert n.message_id("e1", "org:a") == n.message_id("e1", "org:a")
    assert n.message_id("e1", "org:a") != n.message_id("e1", "org:b") != n.message_id("e2", "org:a")
    assert n.message_id("e1", "org:a").isalnum()


def test_a_failed_email_is_tried_again_later_each_time_and_given_up_after_the_last_try():
    at = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    assert mail.next_attempt(1, at, 30, 5) == at + timedelta(seconds=30)
    assert mail.next_attempt(2, at, 30, 5) == at + timedelta(seconds=60)
    assert mail.next_attempt(4, at, 30, 5) == at + timedelta(seconds=240)
    assert mail.next_attempt(5, at, 30, 5) is None


def test_the_email_has_a_chinese_subject_the_text_and_the_pages_link():
    email = mail.compose({"title": "科技成果被退回", "text": "本单位的科技成果被退回。", "link": "/my/achievements/a1"},
                         "noreply@ttp.example.org", "clerk@example.org", "https://portal.example.org")
    assert email["Subject"] == "【四川省科技成果转移转化平台】科技成果被退回" and email["To"] == "clerk@example.org"
    body = email.get_content()
    assert "本单位的科技成果被退回。" in body and "https://portal.example.org/my/achievements/a1" in body


def test_what_waits_in_a_regions_queue_is_told_to_its_reviewers_or_registrars():
    [m] = n.messages_of(n.ACHIEVEMENT_SUBMITTED, {"achievement_id": "ach-3", "organization_id": ORG,
                                                  "region_code": "510100", "title": "川西高原光伏", "secrecy": "public"})
    assert m.audience == "region:510100" and m.roles == ("reviewer",) and m.link == "/review/achievements/ach-3"
    assert m.title == "科技成果待登记审核" and "《川西高原光伏》" in m.text and "成都市" in m.text
    reviewer = {"sub": "r1", "role": "reviewer", "region": "510100"}
    assert n.may_read(reviewer, m.audience, m.roles)
    assert not n.may_read({**reviewer, "region": "510700"}, m.audience, m.roles)
    assert not n.may_read({**reviewer, "role": "registrar"}, m.audience, m.roles)
    [c] = n.messages_of(n.CONTRACT_SUBMITTED, {"contract_id": "c-3", "contract_type": "development",
                                               "contract_amount": Decimal("500000"), "seller_organization_id": ORG,
                                               "region_code": "510100", "resubmission": True})
    assert c.audience == "region:510100" and c.roles == ("registrar",) and c.link == "/review/contracts"
    assert "技术开发合同" in c.text and "¥500,000.00" in c.text and "重新提交" in c.text and "30 日" in c.text


def test_history_read_by_a_new_consumer_group_is_not_told_again():
    now = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)
    assert n.fresh(now - timedelta(days=29), now, timedelta(days=30))
    assert not n.fresh(now - timedelta(days=31), now, timedelta(days=30))
    assert n.fresh(None, now, timedelta(days=30))  # an event without a time is told


def test_email_is_off_without_an_smtp_host_and_its_login_comes_from_the_environment_only(monkeypatch):
    from portal.settings import Settings

    for name in ("PORTAL_SMTP_HOST", "PORTAL_SMTP_USERNAME", "PORTAL_SMTP_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    assert not Settings.from_config({}).email_on
    configured = Settings.from_config({"PORTAL_SMTP_HOST": "smtp.example.org", "PORTAL_SMTP_PORT": "587",
                                       "PORTAL_SMTP_STARTTLS": "true", "PORTAL_SMTP_PASSWORD": "in-the-file"})
    assert configured.email_on and configured.smtp_port == 587 and configured.smtp_starttls
    assert configured.smtp_password == ""  # a password in the configuration file is not taken
    monkeypatch.setenv("PORTAL_SMTP_USERNAME", "notifier")
    monkeypatch.setenv("PORTAL_SMTP_PASSWORD", "s3cret-from-env")
    from_env = Settings.from_config({"PORTAL_SMTP_HOST": "smtp.example.org"})
    assert from_env.smtp_username == "notifier" and from_env.smtp_password == "s3cret-from-env"
    assert "s3cret-from-env" not in repr(from_env)
