"""Reviewers' and registrars' queues: the region's achievements to register and publish and annual transformation
reports to accept, return or forward (registry), and technology contracts to register (transactions; their income
filings are ``income``), each with its actions as plain forms, and each queue as an Excel file
(``?format=xlsx``, the page's filters applied). Every call carries the person's token: the services decide who sees
and does what (a reviewer of another region, or a person without the role, gets the service's refusal as a page)."""
from datetime import datetime, timezone
from urllib.parse import quote

from werkzeug.utils import redirect

from ttp_common import labels
from ttp_common.web import http

from .. import drafts, exports, metrics, queues
from ..upstream import Refused
from .common import page, page_offset
from .public import filters

ACHIEVEMENT_STATUSES = ("submitted", "registered", "returned", "published", "withdrawn")  # registry REVIEW_STATUSES
ACHIEVEMENT_ACTIONS = ("register", "return", "publish")
CONTRACT_STATUSES = ("submitted", "returned", "registered", "cancelled")  # transactions.contracts
CONTRACT_ACTIONS = ("register", "return")
REPORT_STATUSES = ("submitted", "returned", "accepted", "forwarded")  # registry.annual_reports.STATUSES
REPORT_ACTIONS = ("accept", "return", "forward")
PAGE_SIZE = 50
EXPORT_PAGES = 20  # an export reads at most this many pages of 100 (the registry's largest)
REFUSALS = {401: "请重新登录", 403: "无权访问", 404: "未找到", 409: "操作未完成"}


class ReviewEntrypoints:
    def queue_request(self, request, names):
        """(token, the page's filters ``names`` with the state defaulting to submitted, None), or a sign-in redirect
        in the last place."""
        signed, refused = self.signed_or_login(request, request.full_path)
        if refused:
            return None, None, refused
        query = filters(request, names)
        query.setdefault("status", "submitted")
        return signed[1], query, None

    def refusal_page(self, request, exc, what):
        """A service's refusal as a page a person understands: its status, why, and the fields it named."""
        title = REFUSALS.get(exc.status, "请求有误")
        text = {403: f"{what}拒绝了这项请求：您的账号没有这项权限，或该事项不属于您负责的地区。",
                404: f"{what}中没有这一事项，或您无权查看。",
                409: f"{what}未执行这项操作：该事项的状态已不允许（{drafts.chinese(exc.message)}）。"}.get(
            exc.status, f"{what}拒绝了这项请求：{drafts.chinese(exc.message)}")
        return self.render(request, "refusal.html", status=exc.status, title=title, text=text, refusal=exc)

    # -- achievements (registry) ------------------------------------------------------------------
    @http("GET", "/review/achievements")
    @page("review_achievements")
    def review_achievements(self, request):
        token, query, refused = self.queue_request(request, ("status", "region"))
        if refused:
            return refused
        if request.args.get("format") == "xlsx":
            return self._export_achievements(request, query, token)
        offset, shown = page_offset(request)
        found = self.part(request, "registry", "/api/v1/review/achievements", token=token,
                          params={**query, "limit": PAGE_SIZE, "offset": offset})
        if found.error is not None:
            return self.refusal_page(request, found.error, "成果登记系统")
        return self.render(request, "review_achievements.html", title="成果登记审核", query=query, found=found,
                           statuses=ACHIEVEMENT_STATUSES, page_size=PAGE_SIZE, offset=shown)

    def all_pages(self, service, path, query, token):
        """Every item of an offset-paged list (at most ``EXPORT_PAGES`` pages of 100), for an export."""
        items = []
        for number in range(EXPORT_PAGES):
            got = self.runtime.services.get(service, path, token=token,
                                            params={**query, "limit": 100, "offset": number * 100})
            items += got["items"]
            if len(got["items"]) < 100:
                break
        return items

    def export_queue(self, request, service, path, query, token, what, kind, title, shown, rows_of):
        """A queue as an Excel file: every page of ``path`` with the page's ``query``, its rows by ``rows_of`` (a
        ``queues`` function answering (header, rows)), ``title`` and the filters ``shown`` above them; the
        service's refusal as a page."""
        try:
            items = self.all_pages(service, path, query, token)
        except Refused as exc:
            return self.refusal_page(request, exc, what)
        header, rows = rows_of(items)
        metrics.EXPORTS.labels(kind).inc()
        return exports.response(exports.workbook(title, shown, header, rows), f"{title}.xlsx")

    def _export_achievements(self, request, query, token):
        return self.export_queue(request, "registry", "/api/v1/review/achievements", query, token, "成果登记系统",
                                 "achievements", f"科技成果{labels.label('states.achievement', query['status'])}清单",
                                 filters_shown(query, "states.achievement"), queues.achievement_rows)

    @http("GET", "/review/achievements/<string:achievement_id>")
    @page("review_achievement")
    def review_achievement(self, request, achievement_id):
        signed, refused = self.signed_or_login(request, f"/review/achievements/{achievement_id}")
        if refused:
            return refused
        _, token = signed
        found = self.part(request, "registry", f"/api/v1/achievements/{quote(achievement_id, safe='')}", token=token)
        if found.error is not None:
            return self.refusal_page(request, found.error, "成果登记系统")
        history = queues.history(found.data) if found.data else []
        return self.render(request, "review_achievement.html", title="成果登记审核", found=found, history=history,
                           achievement_id=achievement_id)

    @http("POST", "/review/achievements/<string:achievement_id>/<string:action>")
    @page("review_achievement_action")
    def review_achievement_action(self, request, achievement_id, action):
        return self._act(request, "registry", "achievements", f"/api/v1/achievements/{quote(achievement_id, safe='')}",
                         action, ACHIEVEMENT_ACTIONS, f"/review/achievements/{quote(achievement_id, safe='')}",
                         "成果登记系统")

    # -- contracts (transactions) -----------------------------------------------------------------
    @http("GET", "/review/contracts")
    @page("review_contracts")
    def review_contracts(self, request):
        token, query, refused = self.queue_request(request, ("status", "region"))
        if refused:
            return refused
        now = datetime.now(timezone.utc)
        if request.args.get("format") == "xlsx":
            return self.export_queue(request, "transactions", "/api/v1/contracts", query, token, "技术合同登记系统",
                                     "contracts", f"技术合同{labels.label('states.contract', query['status'])}清单",
                                     filters_shown(query, "states.contract"),
                                     lambda items: queues.contract_rows(items, now))
        offset, shown = page_offset(request)
        found = self.part(request, "transactions", "/api/v1/contracts", token=token,
                          params={**query, "limit": PAGE_SIZE, "offset": offset})
        if found.error is not None:
            return self.refusal_page(request, found.error, "技术合同登记系统")
        items = [{**c, "days_left": queues.days_left_text(queues.days_left(c.get("submitted_at"), now))
                  if c.get("status") == "submitted" else ""} for c in (found.data or {}).get("items", [])]
        return self.render(request, "review_contracts.html", title="技术合同认定登记", query=query, found=found,
                           items=items, statuses=CONTRACT_STATUSES, page_size=PAGE_SIZE, offset=shown)

    @http("POST", "/review/contracts/<string:contract_id>/<string:action>")
    @page("review_contract_action")
    def review_contract_action(self, request, contract_id, action):
        back = request.form.get("status", "submitted")
        back = back if back in CONTRACT_STATUSES else "submitted"
        return self._act(request, "transactions", "contracts", f"/api/v1/contracts/{quote(contract_id, safe='')}",
                         action, CONTRACT_ACTIONS, f"/review/contracts?status={back}", "技术合同登记系统")

    # -- annual transformation reports (registry) --------------------------------------------------
    @http("GET", "/review/annual-reports")
    @page("review_annual_reports")
    def review_annual_reports(self, request):
        token, query, refused = self.queue_request(request, ("status", "region", "year", "forwarding_overdue"))
        if refused:
            return refused
        if request.args.get("format") == "xlsx":
            shown = filters_shown(query, "states.annual_report") + (
                [("报告年度", query["year"])] if query.get("year") else [])
            return self.export_queue(request, "registry", "/api/v1/annual-reports", query, token, "成果登记系统",
                                     "annual_reports",
                                     f"科技成果转化年度报告{labels.label('states.annual_report', query['status'])}清单",
                                     shown, queues.report_rows)
        found = self.part(request, "registry", "/api/v1/annual-reports", token=token, params={**query, "limit": 100})
        if found.error is not None:
            return self.refusal_page(request, found.error, "成果登记系统")
        return self.render(request, "review_annual_reports.html", title="科技成果转化年度报告", query=query,
                           found=found, statuses=REPORT_STATUSES, deals=queues.REPORT_DEALS)

    @http("POST", "/review/annual-reports/<string:report_id>/<string:action>")
    @page("review_annual_report_action")
    def review_annual_report_action(self, request, report_id, action):
        back = request.form.get("status", "submitted")
        back = back if back in REPORT_STATUSES else "submitted"
        return self._act(request, "registry", "annual_reports", f"/api/v1/annual-reports/{quote(report_id, safe='')}",
                         action, REPORT_ACTIONS, f"/review/annual-reports?status={back}", "成果登记系统")

    def _act(self, request, service, queue, path, action, actions, done, what):
        """A queue's form post: the CSRF check, then the service's action with the person's token (a return sends
        the reasons typed, one a line); the service's refusal is the page."""
        signed, refused = self.form_post(request, done)
        if refused:
            return refused
        _, token = signed
        if action not in actions:
            return self.render(request, "message.html", status=404, title="未找到", text="没有这项操作。")
        body = {"reasons": queues.reasons_of(request.form.get("reasons"))} if action == "return" else {}
        try:
            self.runtime.services.post(service, f"{path}/{action}", json=body, token=token)
        except Refused as exc:
            metrics.REVIEW_ACTIONS.labels(queue, action, "refused").inc()
            return self.refusal_page(request, exc, what)
        metrics.REVIEW_ACTIONS.labels(queue, action, "done").inc()
        return redirect(done, code=303)


def filters_shown(query, states):
    """The filters of a queue's export: its state and region, in Chinese."""
    shown = [("状态", labels.label(states, query.get("status")))]
    if query.get("region"):
        shown.append(("地区", labels.label("regions", query["region"])))
    return shown

