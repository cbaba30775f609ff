"""Administration (管理): accounts and roles through the identity API (administrators; an institution's
administrator for its own organization, as the identity API decides), organizations, their corrections and
accreditation through the registry's (administrators and the region's reviewers), and the task ledger's updates
through the metrics service's (administrators). Plain forms with the CSRF token; a service's field errors beside the
fields with what was typed kept, its other refusals as a page; each list as an Excel file (``?format=xlsx``).
The portal adds no rule: every call carries the person's token."""
from urllib.parse import quote

from werkzeug.utils import redirect

from ttp_common import labels
from ttp_common.web import http

from .. import administration as admin
from .. import exports, metrics
from ..upstream import Refused
from .common import page
from .public import Filters, filters

PAGE_SIZE = 50
ACCOUNT_FILTERS = ("role", "status", "organization_id", "region")
ORGANIZATION_FILTERS = ("kind", "region", "credit_code")
TASK_FILTERS = ("status", "department", "overdue")
# the identity API's actions on an account (POST /api/v1/accounts/{id}/<action>)
ACCOUNT_ACTIONS = ("disable", "enable", "role", "password-reset", "totp-reset", "unlock")


def _q(value):
    return quote(str(value), safe="")


def _offset(request):
    text = request.args.get("offset", "0")
    return int(text) if text.isdigit() else 0


class AdminEntrypoints:
    def admin_refusal(self, request, exc, what):
        """A service's refusal of an administration request, as a page."""
        return self.refusal_page(request, exc, what)

    def _admin_list(self, request, service, path, names, token):
        """(query, offset, Part) of one administration list page."""
        query, offset = filters(request, names), _offset(request)
        found = self.part(request, service, path, token=token,
                          params={**query, "limit": PAGE_SIZE, "offset": offset})
        return query, offset, found

    def _export(self, request, service, path, query, token, what, title, rows_of, shown):
        try:
            items = self.all_pages(service, path, query, token)
        except Refused as exc:
            return self.admin_refusal(request, exc, what)
        header, rows = rows_of(items)
        metrics.EXPORTS.labels(title).inc()
        name = {"accounts": "账号清单", "organizations": "机构清单"}[title]
        return exports.response(exports.workbook(name, shown, header, rows), f"{name}.xlsx")

    # -- accounts (identity) ---------------------------------------------------------------------
    @http("GET", "/admin/accounts")
    @page("admin_accounts")
    def admin_accounts(self, request):
        signed, refused = self.signed_or_login(request, request.full_path)
        if refused:
            return refused
        token = signed[1]
        if request.args.get("format") == "xlsx":
            query = filters(request, ACCOUNT_FILTERS)
            return self._export(request, "identity", "/api/v1/accounts", query, token, "身份认证服务", "accounts",
                                admin.account_rows, _shown(query))
        query, offset, found = self._admin_list(request, "identity", "/api/v1/accounts", ACCOUNT_FILTERS, token)
        if found.error is not None:
            return self.admin_refusal(request, found.error, "身份认证服务")
        return self.render(request, "admin_accounts.html", title="账号与角色管理", query=query, found=found,
                           offset=offset, page_size=PAGE_SIZE, roles=admin.ASSIGNABLE_ROLES,
                           statuses=admin.ACCOUNT_STATUSES)

    @http("GET", "/admin/accounts/new")
    @page("admin_account_new")
    def admin_account_new(self, request):
        signed, refused = self.signed_or_login(request, "/admin/accounts/new")
        if refused:
            return refused
        user = signed[0].user
        values = {"organization_id": user.get("org") or ""} if user.get("role") == "institution_admin" else {}
        return self._account_form(request, Filters(values), Filters())

    @http("POST", "/admin/accounts")
    @page("admin_account_create")
    def admin_account_create(self, request):
        signed, refused = self.form_post(request, "/admin/accounts/new")
        if refused:
            return refused
        values = dict(request.form)
        try:
            made = self.runtime.services.post("identity", "/api/v1/accounts", json=admin.account_body(values),
                                              token=signed[1])
        except Refused as exc:
            metrics.ADMIN_ACTIONS.labels("account", "create", "refused").inc()
            if exc.status in (401, 403, 404):
                return self.admin_refusal(request, exc, "身份认证服务")
            return self._account_form(request, Filters(values),
                                      Filters(admin.field_errors(exc, admin.ACCOUNT_FIELDS)), status=exc.status)
        metrics.ADMIN_ACTIONS.labels("account", "create", "done").inc()
        # the one-time password is shown this once, on this answer (never stored by the portal)
        return self._account_page(request, made["account"], one_time_password=made.get("one_time_password"),
                                  status=201)

    @http("GET", "/admin/accounts/<string:account_id>")
    @page("admin_account")
    def admin_account(self, request, account_id):
        signed, refused = self.signed_or_login(request, f"/admin/accounts/{account_id}")
        if refused:
            return refused
        found = self.part(request, "identity", f"/api/v1/accounts/{_q(account_id)}", token=signed[1])
        if found.error is not None:
            return self.admin_refusal(request, found.error, "身份认证服务")
        if found.unavailable:
            return self.render(request, "message.html", status=503, title="暂不可用", text="账号信息暂不可用，请稍后再试。")
        return self._account_page(request, found.data)

    @http("POST", "/admin/accounts/<string:account_id>/<string:action>")
    @page("admin_account_action")
    def admin_account_action(self, request, account_id, action):
        back = f"/admin/accounts/{_q(account_id)}"
        signed, refused = self.form_post(request, back)
        if refused:
            return refused
        if action not in ACCOUNT_ACTIONS:
            return self.render(request, "message.html", status=404, title="未找到", text="没有这项操作。")
        values = dict(request.form)
        body = {"role": admin.role_body(values), "disable": admin.reason_body(values),
                "enable": admin.reason_body(values)}.get(action)
        try:
            done = self.runtime.services.post("identity", f"{back.replace('/admin', '/api/v1')}/{action}", json=body,
                                              token=signed[1])
        except Refused as exc:
            metrics.ADMIN_ACTIONS.labels("account", action, "refused").inc()
            if action != "role" or exc.status in (401, 403, 404):
                return self.admin_refusal(request, exc, "身份认证服务")
            stored = self.part(request, "identity", f"/api/v1/accounts/{_q(account_id)}", token=signed[1])
            if stored.data is None:
                return self.admin_refusal(request, exc, "身份认证服务")
            return self._account_page(request, stored.data, role_values=Filters(values), status=exc.status,
                                      role_errors=Filters(admin.field_errors(exc, admin.ROLE_FIELDS)))
        metrics.ADMIN_ACTIONS.labels("account", action, "done").inc()
        if action == "password-reset":  # the new one-time password is shown this once, on this answer
            return self._account_page(request, done["account"], one_time_password=done.get("one_time_password"),
                                      reset=True)
        return redirect(back, code=303)

    def _account_form(self, request, values, errors, status=200):
        return self.render(request, "admin_account_form.html", status=status if status < 500 else 400,
                           title="新建账号", values=values, errors=errors, roles=admin.ASSIGNABLE_ROLES,
                           form=labels.ADMIN_FORM)

    def _account_page(self, request, account, one_time_password=None, role_values=None, role_errors=None,
                      status=200, reset=False):
        return self.render(request, "admin_account.html", status=status, title="账号", account=account,
                           one_time_password=one_time_password, reset=reset, roles=admin.ASSIGNABLE_ROLES,
                           form=labels.ADMIN_FORM,
                           role_values=role_values or Filters(admin.form_of_account(account)),
                           role_errors=role_errors or Filters(), nothing=Filters())

    # -- organizations and accreditation (registry) ---------------------------------------------
    @http("GET", "/admin/organizations")
    @page("admin_organizations")
    def admin_organizations(self, request):
        signed, refused = self.signed_or_login(request, request.full_path)
        if refused:
            return refused
        token = signed[1]
        if request.args.get("format") == "xlsx":
            query = filters(request, ORGANIZATION_FILTERS)
            return self._export(request, "registry", "/api/v1/organizations", query, token, "成果登记系统",
                                "organizations", admin.organization_rows, _shown(query))
        query, offset, found = self._admin_list(request, "registry", "/api/v1/organizations", ORGANIZATION_FILTERS,
                                                token)
        return self.render(request, "admin_organizations.html", status=400 if found.error else 200,
                           title="机构与认定管理", query=query, found=found, offset=offset, page_size=PAGE_SIZE)

    @http("GET", "/admin/organizations/new")
    @page("admin_organization_new")
    def admin_organization_new(self, request):
        signed, refused = self.signed_or_login(request, "/admin/organizations/new")
        if refused:
            return refused
        return self._organization_form(request, Filters(), Filters())

    @http("POST", "/admin/organizations")
    @page("admin_organization_register")
    def admin_organization_register(self, request):
        signed, refused = self.form_post(request, "/admin/organizations/new")
        if refused:
            return refused
        values = dict(request.form)
        try:
            made = self.runtime.services.post("registry", "/api/v1/organizations", token=signed[1],
                                              json=admin.organization_body(values))
        except Refused as exc:
            metrics.ADMIN_ACTIONS.labels("organization", "register", "refused").inc()
            if exc.status in (401, 403, 404):
                return self.admin_refusal(request, exc, "成果登记系统")
            return self._organization_form(request, Filters(values),
                                           Filters(admin.field_errors(exc, admin.ORGANIZATION_FIELDS)),
                                           status=exc.status)
        metrics.ADMIN_ACTIONS.labels("organization", "register", "done").inc()
        return redirect(f"/admin/organizations/{_q(made['id'])}", code=303)

    def _organization_form(self, request, values, errors, status=200):
        return self.render(request, "admin_organization_form.html", status=status if status < 500 else 400,
                           title="登记机构", values=values, errors=errors, form=labels.ADMIN_FORM)

    @http("GET", "/admin/organizations/<string:organization_id>")
    @page("admin_organization")
    def admin_organization(self, request, organization_id):
        signed, refused = self.signed_or_login(request, f"/admin/organizations/{organization_id}")
        if refused:
            return refused
        return self._organization_page(request, organization_id)

    @http("POST", "/admin/organizations/<string:organization_id>/<string:action>")
    @page("admin_organization_action")
    def admin_organization_action(self, request, organization_id, action):
        back = f"/admin/organizations/{_q(organization_id)}"
        signed, refused = self.form_post(request, back)
        if refused:
            return refused
        forms = {"correct": ("PATCH", "", admin.correction_body, admin.CORRECTION_FIELDS),
                 "accredit": ("POST", "/accreditation", admin.accreditation_body, admin.ACCREDITATION_FIELDS),
                 "revoke": ("POST", "/accreditation/revocation", admin.revocation_body, admin.REVOCATION_FIELDS)}
        if action not in forms:
            return self.render(request, "message.html", status=404, title="未找到", text="没有这项操作。")
        method, suffix, body_of, fields = forms[action]
        values = dict(request.form)
        try:
            self.runtime.services.call("registry", method, f"/api/v1/organizations/{_q(organization_id)}{suffix}",
                                       json=body_of(values), token=signed[1])
        except Refused as exc:
            metrics.ADMIN_ACTIONS.labels("organization", action, "refused").inc()
            if exc.status in (401, 403, 404):
                return self.admin_refusal(request, exc, "成果登记系统")
            return self._organization_page(request, organization_id, forms={
                action: (Filters(values), Filters(admin.field_errors(exc, fields)))}, status=exc.status)
        metrics.ADMIN_ACTIONS.labels("organization", action, "done").inc()
        return redirect(back, code=303)

    def _organization_page(self, request, organization_id, forms=None, status=200):
        found = self.part(request, "registry", f"/api/v1/organizations/{_q(organization_id)}")
        if found.error is not None:
            return self.render(request, "message.html", status=404, title="未找到", text="没有这个机构。")
        if found.unavailable:
            return self.render(request, "message.html", status=503, title="暂不可用", text="机构信息暂不可用，请稍后再试。")
        corrections = self.part(request, "registry", f"/api/v1/organizations/{_q(organization_id)}/corrections")
        forms = forms or {}
        blank = (Filters(), Filters())
        return self.render(request, "admin_organization.html", status=status if status < 500 else 400,
                           title=found.data.get("name") or "机构", org=found.data, corrections=corrections,
                           form=labels.ADMIN_FORM,
                           correct=forms.get("correct", (Filters(admin.form_of_organization(found.data)), Filters())),
                           accredit=forms.get("accredit", blank), revoke=forms.get("revoke", blank))

    # -- the task ledger (metrics) ----------------------------------------------------------------
    @http("GET", "/admin/tasks")
    @page("admin_tasks")
    def admin_tasks(self, request):
        signed, refused = self.signed_or_login(request, request.full_path)
        if refused:
            return refused
        return self._tasks_page(request)

    @http("POST", "/admin/tasks/<string:task_id>")
    @page("admin_task_update")
    def admin_task_update(self, request, task_id):
        signed, refused = self.form_post(request, "/admin/tasks")
        if refused:
            return refused
        values = dict(request.form)
        try:
            self.runtime.services.call("metrics", "PATCH", f"/api/v1/tasks/{_q(task_id)}", json=admin.task_body(values),
                                       token=signed[1])
        except Refused as exc:
            metrics.ADMIN_ACTIONS.labels("task", "update", "refused").inc()
            if exc.status in (401, 403, 404):
                return self.admin_refusal(request, exc, "任务台账")
            return self._tasks_page(request, editing=(task_id, Filters(values),
                                                      Filters(admin.field_errors(exc, admin.TASK_FIELDS))),
                                    status=exc.status)
        metrics.ADMIN_ACTIONS.labels("task", "update", "done").inc()
        return redirect(f"/admin/tasks#task-{_q(task_id)}", code=303)

    def _tasks_page(self, request, editing=None, status=200):
        query = filters(request, TASK_FILTERS)
        found = self.part(request, "metrics", "/api/v1/tasks", params=query)
        if request.args.get("format") == "xlsx" and found.data:
            header, rows = admin.task_rows(found.data.get("tasks") or [])
            metrics.EXPORTS.labels("tasks").inc()
            shown = [("进展", labels.label("states.task", query["status"]))] if query.get("status") else []
            shown += [("责任单位", query["department"])] if query.get("department") else []
            return exports.response(exports.workbook("任务台账", shown, header, rows), "任务台账.xlsx")
        tasks = []
        for task in (found.data or {}).get("tasks") or []:
            if editing and editing[0] == str(task.get("id")):
                tasks.append((task, editing[1], editing[2]))
            else:
                tasks.append((task, Filters({"status": task.get("status"), "note": task.get("note")}), Filters()))
        return self.render(request, "admin_tasks.html", status=status if status < 500 else 400, title="任务台账更新",
                           query=query, found=found, tasks=tasks, form=labels.ADMIN_FORM)


def _shown(query):
    """The filters of an administrators' export, as its sheet says them."""
    names = {"role": ("角色", "roles"), "status": ("账号状态", "states.account"), "kind": ("主体类型", "organization_kinds"),
             "region": ("地区", "regions")}
    shown = []
    for key, value in query.items():
        if key in names:
            shown.append((names[key][0], labels.label(names[key][1], value)))
        else:
            shown.append(({"organization_id": "所属机构", "credit_code": "统一社会信用代码"}.get(key, key), value))
    return shown
