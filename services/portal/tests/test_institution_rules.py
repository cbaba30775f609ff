"""The institution forms' translations (portal.institution_forms, portal.imports): what the listing, demand,
annual report and reward forms send, the APIs' field errors beside the right fields in Chinese, the findings
against article 45 in Chinese, and an uploaded import file read as the registry's CLI reads it."""
import pytest

from portal import imports, institution_forms as forms
from portal.upstream import Refused


def test_a_listing_and_a_demand_are_sent_as_typed():
    body = forms.listing_body({"achievement_id": " a1 ", "mode": "transfer", "asking_price": "abc", "period_days": ""})
    assert body == {"achievement_id": "a1", "patent_number": None, "mode": "transfer", "asking_price": "abc",
                    "period_days": 30, "description": ""}
    demand = forms.demand_body({"title": "需求", "problem": "难题", "keywords": "光伏、储能, 电池", "programme": "6",
                                "region_code": "510100", "budget": "", "min_trl": "x", "deadline": "2020-01-01"})
    assert demand["keywords"] == ["光伏", "储能", "电池"] and demand["programme"] == 6 and demand["min_trl"] == "x"
    assert demand["budget"] is None
    assert forms.withdrawal_body({"reason": " "}, optional=True) == {"reason": None}
    assert forms.withdrawal_body({"reason": " "}) == {"reason": ""}


def test_the_apis_field_errors_go_beside_their_fields_in_chinese():
    refusal = Refused(400, "validation_failed", "1 invalid field(s)",
                      [{"path": "deadline", "message": "Value error, must not be in the past"}])
    assert forms.field_errors(refusal, forms.DEMAND_FIELDS) == {"deadline": "不能早于今天"}
    report = Refused(400, "validation_failed", "", [{"path": "transfers.count", "message": "Input should be a valid integer"},
                                                    {"path": "summary", "message": "String should have at least 10 characters"}])
    assert forms.field_errors(report, forms.REPORT_FIELDS) == {"transfers_count": "请填写整数", "summary": "至少需要 10 个字"}
    plan = Refused(400, "invalid", "", [{"path": "allocations.0.cash_yuan", "message": "not used for investment"},
                                        {"path": "own_rules.minimum_percent", "message": "Field required"}])
    fields = {"cash_yuan_0", "own_rules_minimum_percent"}
    assert forms.field_errors(plan, fields, forms.reward_field) == {"cash_yuan_0": "此转化方式不填此项",
                                                                    "own_rules_minimum_percent": "此项必填"}
    whole = Refused(409, "conflict", "cannot submit a report that is submitted")
    assert forms.field_errors(whole, forms.REPORT_FIELDS) == {"": "报告已报送且未被退回，不能重复报送"}


def test_an_annual_report_form_and_its_stored_report():
    form = {f"{d}_count": "2" for d in forms.DEALS} | {f"{d}_amount_yuan": "100" for d in forms.DEALS} | {
        "rewards_paid_yuan": "10", "rewarded_people": "3", "summary": "全年转化成果两项，成效明显。"}
    body = forms.report_body(form, "org-1", 2025)
    assert body["year"] == 2025 and body["organization_id"] == "org-1"
    assert body["transfers"] == {"count": 2, "amount_yuan": "100"} and body["rewarded_people"] == 3
    stored = {**{d: {"count": 2, "amount_yuan": "100"} for d in forms.DEALS}, "rewards_paid_yuan": "10",
              "rewarded_people": 3, "summary": "全年转化成果两项，成效明显。"}
    assert forms.report_form(stored) == form


def test_a_reward_plan_and_its_findings_in_chinese():
    body = forms.reward_body({"achievement_id": "a1", "mode": "transfer", "occurred_on": "2026-05-01",
                              "net_income_yuan": "1000000", "person_id_0": "p1", "cash_yuan_0": "300000",
                              "person_id_2": "p3", "share_percent_2": "1"}, "org-1")
    assert body["allocations"] == [{"person_id": "p1", "cash_yuan": "300000", "share_percent": None},
                                   {"person_id": "p3", "cash_yuan": None, "share_percent": "1"}]
    assert "own_rules" not in body and body["years"] is None and body["organization_id"] == "org-1"
    assert "contract_id" not in body
    cited = forms.reward_body({"mode": "licence", "contract_id": " c-9 "}, "org-1")
    assert cited["contract_id"] == "c-9" and cited["net_income_yuan"] is None
    above = Refused(422, "above_verified_income", "x", [{"path": "net_income_yuan",
                                                         "message": "the net income exceeds the contract's verified technical income 800000.00"}])
    assert forms.field_errors(above, set(forms.REWARD_FIELDS), forms.reward_field) == {
        "net_income_yuan": "不能超过这份合同核定的技术性收入 800000.00 元"}
    check = {"compliant": False, "actual_percent": "30.0000", "required_percent": "50", "source": "促进科技成果转化法(2015) 第四十五条",
             "findings": [{"code": "below_minimum", "message": "rewards are 30.0000% of the net income; ..."},
                          {"code": "years_out_of_range", "message": "rewards run for 7 years; X requires 3 to 5"}]}
    assert forms.findings(check) == ["奖励为所得的 30.0000%，低于 促进科技成果转化法(2015) 第四十五条 规定的最低 50%",
                                     "奖励连续 7 年，促进科技成果转化法(2015) 第四十五条 要求 3 至 5 年"]


def test_an_uploaded_file_is_read_as_the_cli_reads_it_and_the_answer_becomes_a_row_by_row_report():
    template = imports.template_csv()
    assert template.startswith("\ufeff登记编号,成果名称,成果类型")
    rows = imports.read_upload("成果.csv", template.encode("utf-8"))
    assert [n for n, _ in rows] == [2] and rows[0][1]["title"].endswith("高原光伏储能协同控制技术")
    with pytest.raises(imports.FileRefused, match="缺少必需的列：登记编号"):
        imports.read_upload("a.csv", "成果名称\n某成果\n".encode("utf-8"))
    with pytest.raises(imports.FileRefused, match="CSV 或 Excel"):
        imports.read_upload("a.pdf", b"%PDF")
    report = imports.Report()
    items = imports.items_of([(2, {"import_key": "k1", "title": "甲", "trl": "七"}), (3, {"import_key": "k2", "title": "乙"})],
                             report)
    assert [n for n, _ in items] == [3] and report.rows[0]["field"] == "技术成熟度" and report.rows[0]["message"] == "不是数字"
    imports.record_results(report, items, [{"status": "rejected", "errors": [
        {"path": "trl", "message": "Input should be less than or equal to 9"}]}])
    assert report.rows[1] == {"row": 3, "outcome": "rejected", "field": "技术成熟度", "message": "不能大于 9", "id": None}
    assert report.counts == {"created": 0, "exists": 0, "rejected": 2}


def test_the_reward_modes_are_the_talent_services_own():
    from talent.rewards import MODES
    from ttp_common import labels

    assert labels.REWARD_MODES == MODES


def test_an_excel_upload_is_read_like_a_csv(tmp_path):
    import io

    from openpyxl import Workbook

    from ttp_common.achievement_rows import template_headers

    book = Workbook()
    sheet = book.active
    sheet.append(template_headers())
    sheet.append(["X-1", "川南页岩气返排液处理", "应用技术", "返排液处理与回用。", "页岩气；环保", "能源", 4, 6, "510500",
                  "org-1", "王五:100", "是", None, "否", None])
    out = io.BytesIO()
    book.save(out)
    [(number, cells)] = imports.read_upload("成果.xlsx", out.getvalue())
    assert number == 2 and cells["title"] == "川南页岩气返排液处理" and cells["trl"] == "6"
    report = imports.Report()
    [(_, item)] = imports.items_of([(number, cells)], report)
    assert item["import_key"] == "X-1" and item["form"]["trl"] == 6 and item["form"]["funding"]["fiscal"] is True
    with pytest.raises(imports.FileRefused, match="无法读取"):
        imports.read_upload("坏.xlsx", b"not a workbook")
