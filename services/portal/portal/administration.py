"""The administration pages' forms and lists: what a form's fields become in the identity, registry and metrics
APIs' bodies (accounts and roles, an organization's corrections and accreditation, a task's update), their field
errors put back beside the fields in Chinese, and the rows of the administrators' Excel exports. The services
decide who may do what and what is valid (an institution administrator manages its own organization's accounts
only, as the identity API enforces); nothing here refuses anything."""
from ttp_common import labels

from .drafts import chinese
from .pages import local_time

ACCOUNT_FIELDS = ("username", "display_name", "email", "role", "organization_id", "region_code")
ROLE_FIELDS = ("role", "organization_id", "region_code", "reason")
CORRECTION_FIELDS = ("name", "supervising_department", "contact")
ORGANIZATION_FIELDS = ("name", "credit_code", "kind", "region_code", "supervising_department", "state_established")
ACCREDITATION_FIELDS = ("basis", "unit")
REVOCATION_FIELDS = ("reason", "unit")
TASK_FIELDS = ("status", "note")
# the roles an administrator can give (identity.accounts.ASSIGNABLE), in the order the form offers them
ASSIGNABLE_ROLES = ("institution", "institution_admin", "investor", "supervisor", "reviewer", "registrar", "admin",
                    "auditor")
ACCOUNT_STATUSES = ("active", "disabled")


def _text(form, name):
    return (form.get(name) or "").strip()


def _optional(form, name):
    """A field left empty is not given (``None``), so the API says whether it must be."""
    return _text(form, name) or None


def account_body(form):
    """``POST /api/v1/accounts``: a new account as typed."""
    return {"username": _text(form, "username"), "display_name": _text(form, "display_name"),
            "email": _optional(form, "email"), "role": _text(form, "role"),
            "organization_id": _optional(form, "organization_id"), "region_code": _optional(form, "region_code")}


def role_body(form):
    """``POST /api/v1/accounts/{id}/role``: the new role and what the account belongs to."""
    return {"role": _text(form, "role"), "organization_id": _optional(form, "organization_id"),
            "region_code": _optional(form, "region_code"), "reason": _optional(form, "reason")}


def reason_body(form):
    """``…/disable``, ``…/enable``."""
    return {"reason": _optional(form, "reason")}


def organization_body(form):
    """``POST /api/v1/organizations``: a new organization (主体登记) as typed; 国家设立 not stated unless chosen."""
    established = {"true": True, "false": False}.get(_text(form, "state_established"))
    return {"name": _text(form, "name"), "credit_code": _text(form, "credit_code").upper(), "kind": _text(form, "kind"),
            "region_code": _text(form, "region_code"),
            "supervising_department": _optional(form, "supervising_department"), "state_established": established}


def correction_body(form):
    """``PATCH /api/v1/organizations/{id}``: the three correctable fields as typed (an emptied department or contact
    is cleared; the registry answers an unchanged record as it is)."""
    return {"name": _text(form, "name"), "supervising_department": _optional(form, "supervising_department"),
            "contact": _optional(form, "contact")}


def accreditation_body(form):
    """``POST …/accreditation``: the basis, and the unit when a university's or institute's transfer unit is meant."""
    return {"basis": _optional(form, "basis"), "unit": _optional(form, "unit")}


def revocation_body(form):
    return {"reason": _text(form, "reason"), "unit": _optional(form, "unit")}


def task_body(form):
    """``PATCH /api/v1/tasks/{id}``: the status chosen (none chosen: left as it is) and the note (emptied: cleared)."""
    body = {"note": _optional(form, "note")}
    if _text(form, "status"):
        body["status"] = _text(form, "status")
    return body


def form_of_account(account):
    return {name: account.get(name) or "" for name in ROLE_FIELDS if name != "reason"}


def form_of_organization(organization):
    return {name: organization.get(name) or "" for name in CORRECTION_FIELDS}


def field_errors(refusal, fields):
    """{form field: Chinese message} of a service's refusal; what fits none of ``fields`` goes under ``""`` (with the
    service's message when it named no field)."""
    errors = {}
    for item in refusal.fields or []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("path", "")).split(".")[0]
        errors.setdefault(name if name in fields else "", chinese(item.get("message", "")))
    if not errors or (refusal.message and "" not in errors and not refusal.fields):
        errors[""] = chinese(refusal.message)
    return errors


def refusal_text(refusal):
    """A non-field refusal (403, 404, 409) in a sentence a person understands, its service's reason kept."""
    why = chinese(refusal.message)
    if refusal.status == 403:
        return f"无权执行：{why or '您的账号不能管理这一对象。'}"
    if refusal.status == 404:
        return "未找到这一对象，或您无权查看。"
    if refusal.status == 409:
        return f"未执行：当前状态不允许这项操作（{why}）。"
    return why or "请求有误。"


# -- the administrators' lists as Excel sheets ---------------------------------------------------------
def _f(name):
    return labels.ADMIN_FORM[name]


def _yes(value):
    return "是" if value else "否"


def account_rows(items):
    header = [_f("username"), "姓名", _f("role"), "所属机构", "所属地区", _f("status"), _f("locked"), "电子邮箱",
              _f("created_at")]
    rows = [[a.get("username") or "", a.get("display_name") or "", labels.label("roles", a.get("role")),
             a.get("organization_id") or "",
             labels.label("regions", a.get("region_code")) if a.get("region_code") else "",
             labels.label("states.account", a.get("status")), _yes(a.get("locked")), a.get("email") or "",
             local_time(a.get("created_at"))] for a in items]
    return header, rows


def organization_rows(items):
    header = [_f("name"), _f("credit_code"), _f("kind"), "地区", _f("supervising_department"), _f("contact"),
              _f("accredited"), _f("accredited_at"), _f("accredited_units")]
    rows = [[o.get("name") or "", o.get("credit_code") or "", labels.label("organization_kinds", o.get("kind")),
             labels.label("regions", o.get("region_code")), o.get("supervising_department") or "",
             o.get("contact") or "", "已认定" if o.get("accredited") else "未认定",
             local_time(o.get("accredited_at"), "%Y-%m-%d"),
             "、".join(u.get("name", "") for u in o.get("accredited_units") or [])] for o in items]
    return header, rows


def task_rows(tasks):
    header = [_f("task_id"), _f("title"), _f("departments"), _f("schedule"), _f("due"), "进展", _f("overdue"),
              _f("note"), _f("updated_at")]
    rows = [[t.get("id") or "", t.get("title") or "", "、".join(t.get("departments") or []), t.get("schedule") or "",
             t.get("due") or "", t.get("status_label") or labels.label("states.task", t.get("status")),
             _yes(t.get("overdue")), t.get("note") or "", local_time(t.get("updated_at"))] for t in tasks]
    return header, rows


def organization_units(organization):
    """The transfer units an organization has accredited now (names), for its page and the public list."""
    return [u.get("name", "") for u in organization.get("accredited_units") or []]
