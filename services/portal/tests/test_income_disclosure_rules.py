"""The forms of an auction, a technical income filing, its verification and a duty-achievement disclosure
(portal.institution_forms, portal.queues): what they send, the APIs' refusals beside the right fields in Chinese,
and the registrar's income export."""
from portal import institution_forms as forms, queues
from portal.upstream import Refused


def test_an_auction_is_sent_with_its_times_as_beijing_time_and_the_rest_as_typed():
    body = forms.auction_body({"listing_id": "l1", "start_price": " 100000 ", "reserve_price": "", "increment": "x",
                               "starts_at": "", "ends_at": "2026-12-31T18:30", "extension_seconds": "600"})
    assert body == {"listing_id": "l1", "start_price": "100000", "reserve_price": None, "increment": "x",
                    "starts_at": None, "ends_at": "2026-12-31T18:30:00+08:00", "extension_seconds": 600}
    assert forms.beijing_time("明天") == "明天"  # the API says what is wrong with it
    assert "extension_seconds" not in forms.auction_body({"listing_id": "l1"})


def test_an_auctions_refusals_are_in_chinese_beside_their_fields():
    refusal = Refused(400, "validation_failed", "", [
        {"path": "ends_at", "message": "Value error, must be after the start and in the future"},
        {"path": "reserve_price", "message": "Value error, must not be below start_price"}])
    assert forms.field_errors(refusal, forms.AUCTION_FIELDS) == {"ends_at": "必须晚于开拍时间和现在",
                                                                "reserve_price": "不能低于起拍价"}
    taken = Refused(409, "transition_refused", "the listing already has an open auction")
    assert forms.field_errors(taken, forms.AUCTION_SHOWN) == {"": "这个挂牌项目已有进行中的竞价拍卖"}
    closed = Refused(400, "invalid", "x", [{"path": "listing_id", "message": "the listing is not open"}])
    assert forms.field_errors(closed, forms.AUCTION_SHOWN) == {"": "这个挂牌项目已不在挂牌中"}  # above the form


def test_an_income_filing_its_refusals_and_a_verification():
    assert forms.income_body({"amount": " 50000 ", "received_from": "2026-01-01", "received_to": "2026-03-31"}) == {
        "amount": "50000", "received_from": "2026-01-01", "received_to": "2026-03-31", "note": ""}
    over = Refused(400, "invalid", "x", [{"path": "amount", "message": "the contract's filed and verified income "
                                          "(900000) would exceed its technology transaction amount (800000.00)"}])
    assert forms.field_errors(over, forms.INCOME_FIELDS) == {
        "amount": "申报和已核定的技术性收入合计不能超过合同的技术交易额 800000.00 元"}
    late = Refused(400, "invalid", "", [{"path": "received_to", "message": "income is filed once received: "
                                         "received_to is after today"}])
    assert forms.field_errors(late, forms.INCOME_FIELDS) == {"received_to": "收入到账后才能申报：不能晚于今天"}
    reason = Refused(400, "invalid", "", [{"path": "reason", "message": "a verified amount below the filed one needs a reason"}])
    assert forms.field_errors(reason, forms.VERIFY_FIELDS) == {"reason": "核定金额低于申报金额时须填写核减理由"}
    assert forms.verify_body({"verified_amount": " 40000 ", "reason": " 发票不足 "}) == {"verified_amount": "40000",
                                                                                      "reason": "发票不足"}
    assert forms.income_form({"amount": "10.00", "received_from": "2026-01-01", "received_to": "2026-01-31",
                              "note": None}) == {"amount": "10.00", "received_from": "2026-01-01",
                                                 "received_to": "2026-01-31", "note": ""}


def test_a_disclosure_is_the_registration_form_and_its_errors_go_beside_the_achievement_fields():
    body = forms.disclosure_body({"basis": "job_duties", "remarks": " 无 ", "title": "成果", "type": "applied",
                                  "trl": "7", "contributor": "张三", "keywords": "光伏、储能"}, "org-1")
    assert body["basis"] == "job_duties" and body["remarks"] == "无"
    assert body["achievement"]["organization_ids"] == ["org-1"] and body["achievement"]["trl"] == 7
    assert body["achievement"]["contributors"] == [{"name": "张三", "share": "100"}]
    refusal = Refused(400, "validation_failed", "", [
        {"path": "achievement.summary", "message": "String should have at least 10 characters"},
        {"path": "achievement.contributors", "message": "List should have at least 1 item"},
        {"path": "basis", "message": "Input should be 'job_duties' or 'institution_resources'"}])
    assert forms.disclosure_errors(refusal) == {"summary": "至少需要 10 个字", "contributor": "至少填写 1 项",
                                                "basis": "请从列表中选择"}
    own = Refused(403, "not_allowed", "the researcher who disclosed an achievement does not decide on it; another "
                  "person of the institution decides", [{"path": "decision", "message": "the caller disclosed it"}])
    assert forms.field_errors(own, forms.DECISION_FIELDS)["decision"]  # beside the decision (its detail)
    assert forms.chinese(own.message) == "披露人本人不能对自己的披露作出决定，须由本单位其他人员决定"


def test_the_income_export_has_chinese_headers_and_labels():
    header, rows = queues.income_rows([{"contract_id": "c1", "status": "filed", "seller_organization_id": "o1",
                                        "region_code": "510100", "amount": "50000.00", "received_from": "2026-01-01",
                                        "received_to": "2026-03-31", "filed_at": "2026-04-01T02:00:00Z",
                                        "verified_amount": None, "return_reasons": None}])
    assert header[:2] == ["技术合同编号", "状态"] and "核定金额（元）" in header
    assert rows[0][:5] == ["c1", "待核定", "o1", "成都市", 50000.0] and rows[0][7].startswith("2026-04-01 10:00")
