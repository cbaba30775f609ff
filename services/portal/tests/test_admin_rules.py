"""The administration forms' rules (``portal.administration``): what each form sends the identity, registry and
metrics APIs, their refusals put beside the fields in Chinese, and the administrators' export rows."""
from portal import administration as admin
from portal.upstream import Refused


def test_a_new_account_is_sent_as_typed_and_empty_fields_are_not_given():
    body = admin.account_body({"username": " zhang.clerk ", "display_name": "张经办", "email": "", "role": "institution",
                               "organization_id": "dev-demo-organization", "region_code": ""})
    assert body == {"username": "zhang.clerk", "display_name": "张经办", "email": None, "role": "institution",
                    "organization_id": "dev-demo-organization", "region_code": None}
    assert admin.role_body({"role": "reviewer", "region_code": "510100", "reason": ""}) == {
        "role": "reviewer", "organization_id": None, "region_code": "510100", "reason": None}


def test_corrections_accreditation_and_task_updates():
    assert admin.correction_body({"name": "西南大学", "supervising_department": "", "contact": "028-1"}) == {
        "name": "西南大学", "supervising_department": None, "contact": "028-1"}  # an emptied department is cleared
    assert admin.accreditation_body({"basis": "川科函〔2026〕12号", "unit": ""}) == {"basis": "川科函〔2026〕12号", "unit": None}
    assert admin.revocation_body({"reason": "", "unit": "技术转移中心"}) == {"reason": "", "unit": "技术转移中心"}
    assert admin.task_body({"status": "", "note": "推进中"}) == {"note": "推进中"}  # no status chosen: left as it is
    assert admin.task_body({"status": "done", "note": ""}) == {"status": "done", "note": None}


def test_the_services_field_errors_go_beside_their_fields_in_chinese_and_the_rest_on_top():
    refused = Refused(400, "validation_failed", "invalid request", [
        {"path": "username", "message": "String should have at least 3 characters"},
        {"path": "body", "message": "a institution account belongs to an organization"}])
    errors = admin.field_errors(refused, admin.ACCOUNT_FIELDS)
    assert errors["username"] == "至少需要 3 个字" and "organization" in errors[""]
    assert admin.field_errors(Refused(409, "conflict", "username taken"), admin.ACCOUNT_FIELDS) == {"": "username taken"}


def test_the_export_rows_label_the_codes():
    header, rows = admin.account_rows([{"username": "u1", "display_name": "甲", "role": "institution_admin",
                                        "organization_id": "org-a", "status": "disabled", "locked": True,
                                        "created_at": "2026-12-03T01:00:00Z"}])
    assert header[:3] == ["登录名", "姓名", "角色"]
    assert rows == [["u1", "甲", "机构管理员", "org-a", "", "已停用", "是", "", "2026-12-03 09:00"]]
    _, rows = admin.organization_rows([{"name": "西南大学", "kind": "university", "region_code": "510100",
                                        "accredited": False, "accredited_units": [{"name": "技术转移中心"}]}])
    assert rows[0][2:4] == ["高等院校", "成都市"] and rows[0][6] == "未认定" and rows[0][8] == "技术转移中心"
    _, rows = admin.task_rows([{"id": "1", "title": "专项", "departments": ["科技厅", "财政厅"], "status": "in_progress",
                                "overdue": True, "note": "推进"}])
    assert rows[0][2] == "科技厅、财政厅" and rows[0][5] == "推进中" and rows[0][6] == "是"


def test_a_new_organization_is_sent_as_typed_and_state_established_only_when_chosen():
    body = admin.organization_body({"name": "西南大学", "credit_code": "12510000abc", "kind": "university",
                                    "region_code": "510100", "supervising_department": "", "state_established": ""})
    assert body == {"name": "西南大学", "credit_code": "12510000ABC", "kind": "university", "region_code": "510100",
                    "supervising_department": None, "state_established": None}
    assert admin.organization_body({"state_established": "false"})["state_established"] is False
