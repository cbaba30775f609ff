"""The queue pages' own helpers, without a server: the days left of a contract's 30-day registration limit (China's
calendar), an achievement's history, the reasons a return form typed, the rows and cells of an Excel export, and an
edited draft keeping what its form does not show."""
import io
from datetime import datetime, timezone

from openpyxl import load_workbook

from portal import drafts, exports, queues


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_days_left_count_china_calendar_days_from_the_submission_30_on_the_day_0_on_the_last_then_overdue():
    submitted = "2026-11-03T15:30:00Z"  # 23:30 on 3 November in China
    assert queues.days_left(submitted, utc(2026, 11, 3, 15, 45)) == 30
    assert queues.days_left(submitted, utc(2026, 11, 3, 16, 1)) == 29  # past midnight in China: 4 November
    assert queues.days_left(submitted, utc(2026, 12, 3, 10, 0)) == 0
    assert queues.days_left(submitted, utc(2026, 12, 5, 10, 0)) == -2
    assert queues.days_left(None, utc(2026, 12, 5)) is None
    assert [queues.days_left_text(d) for d in (30, 0, -2, None)] == ["剩余 30 天", "今日到期", "已超期 2 天", ""]


def test_an_achievements_history_lists_its_dated_steps_oldest_first_its_returns_and_a_later_change():
    shown = queues.history({"status": "submitted", "created_at": "2026-12-01T02:00:00Z",
                            "updated_at": "2026-12-02T03:00:00Z", "return_reasons": ["缺少专利证明"]})
    assert shown == [("2026-12-01 10:00", "创建草稿"), ("", "退回：缺少专利证明"),
                     ("2026-12-02 11:00", "最后修改（当前状态：已提交）")]
    published = queues.history({"status": "published", "created_at": "2026-12-01T02:00:00Z",
                                "registered_at": "2026-12-02T02:00:00Z", "published_at": "2026-12-03T02:00:00Z",
                                "updated_at": "2026-12-03T02:00:00Z"})
    assert [step for _, step in published] == ["创建草稿", "登记", "公开"]  # the last change is the publication


def test_a_return_forms_reasons_are_its_non_blank_lines():
    assert queues.reasons_of("缺少专利证明\r\n\n  单位名称有误 \n") == ["缺少专利证明", "单位名称有误"]
    assert queues.reasons_of("   ") == []  # the registry refuses an empty list, with its field


def test_an_export_has_chinese_headers_labels_for_codes_and_the_filters_and_keeps_formulas_as_text():
    header, rows = queues.contract_rows([{
        "status": "submitted", "contract_type": "licence", "region_code": "510700", "title": "=HYPERLINK(\"x\")",
        "contract_amount": "1200000.50", "technology_transaction_amount": "900000", "seller_organization_id": "org-a",
        "buyer_name": "绵阳某企业", "submitted_at": "2026-11-20T02:00:00Z"}], utc(2026, 12, 3, 2))
    assert header[:6] == ["登记号", "名称", "状态", "合同类型", "地区", "合同金额（元）"]
    row = dict(zip(header, rows[0]))
    assert (row["状态"], row["合同类型"], row["地区"]) == ("待登记", "技术许可", "绵阳市")
    assert row["合同金额（元）"] == 1200000.5 and row["距30日登记期限剩余天数"] == 17
    data = exports.workbook("技术合同待登记清单", [("状态", "待登记")], header, rows)
    cells = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert cells[0][0] == "技术合同待登记清单" and cells[1][:2] == ("筛选条件", "状态：待登记")
    assert cells[3][1] == "'=HYPERLINK(\"x\")"  # typed by a party: shown, never run as a formula
    header, rows = queues.achievement_rows([{"status": "registered", "type": "soft_science", "programme": 12,
                                             "region_code": "510100", "title": "成果", "trl": 5}])
    row = dict(zip(header, rows[0]))
    assert (row["状态"], row["成果类型"], row["所属专项"]) == ("已登记", "软科学", "特色现代农业产业科技成果转化专项")


def test_an_edited_draft_takes_the_forms_fields_and_keeps_what_the_form_does_not_show():
    stored = {"id": "a1", "status": "returned", "owner_organization_id": "org-a", "registration_number": None,
              "return_reasons": ["x"], "created_at": "t", "updated_at": "t", "registered_at": None, "published_at": None,
              "title": "旧名称", "type": "applied", "summary": "旧简介旧简介旧简介", "keywords": ["旧"], "industry": "新材料",
              "programme": 8, "trl": 5, "region_code": "510100", "organization_ids": ["org-a", "org-b"],
              "contributors": [{"name": "张三", "share": "60", "organization_id": None}, {"name": "李四", "share": "40"}],
              "funding": {"fiscal": True, "plan_project_id": "p1"}, "patents": [{"number": "ZL2020", "kind": "invention",
                                                                                 "status": "granted"}]}
    form = {"title": "新名称", "type": "applied", "summary": "新简介新简介新简介", "keywords": "钒钛、冶金", "industry": "新材料",
            "programme": "8", "trl": "6", "region_code": "510400", "contributor": "王五"}
    body = drafts.edited(stored, form, "org-a")
    assert {k: body[k] for k in ("title", "keywords", "trl", "region_code", "programme")} == {
        "title": "新名称", "keywords": ["钒钛", "冶金"], "trl": 6, "region_code": "510400", "programme": 8}
    assert body["organization_ids"] == ["org-a", "org-b"] and body["patents"] == stored["patents"]
    assert body["funding"] == stored["funding"]
    assert body["contributors"] == [{"name": "王五", "share": "60", "organization_id": None}, {"name": "李四", "share": "40"}]
    assert not set(body) & {"id", "status", "owner_organization_id", "return_reasons", "created_at", "updated_at"}


def test_the_queues_states_are_the_services_own_and_each_has_its_label():
    from registry.achievements import REVIEW_STATUSES
    from registry.annual_reports import STATUSES as REPORT_STATUSES
    from transactions.contracts import CONTRACT_STATUSES

    from ttp_common import labels
    from portal.entrypoints import review

    assert set(review.ACHIEVEMENT_STATUSES) == set(REVIEW_STATUSES)
    assert review.CONTRACT_STATUSES == CONTRACT_STATUSES and review.REPORT_STATUSES == REPORT_STATUSES
    assert set(labels.STATES["annual_report"]) == set(REPORT_STATUSES)
    header, rows = queues.report_rows([{"year": 2025, "organization_id": "org-u", "region_code": "510100",
                                        "status": "accepted", "late": True, "forwarding_deadline": "2026-03-31",
                                        "forwarding_overdue": False, "transfers": {"count": 2, "amount_yuan": "10.5"}}])
    row = dict(zip(header, rows[0]))
    assert (row["状态"], row["逾期报送"], row["逾期未转报"], row["转让项数"], row["转让金额（元）"]) == ("已审核", "是", "否", 2, 10.5)
    assert row["许可项数"] is None  # a deal kind the report does not give is left empty, not 0
