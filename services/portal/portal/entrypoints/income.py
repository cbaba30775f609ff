"""Technical income (技术性收入) in the browser. The seller's staff: a registered contract's filings with their state
and its verified income, a new filing (技术性收入申报), a returned one corrected and filed again. The registrars: the
income queue of their region (待核定, 已核定, 已退回) next to the contract queue, each filing verified (核定, at most the
filed amount, a reason when less) or returned with reasons, the queue as an Excel file. Every call carries the
person's token: the transactions API decides who sees and does what, and its field errors show beside the fields in
Chinese with what was typed kept."""
from urllib.parse import quote

from werkzeug.utils import redirect

from ttp_common import labels
from ttp_common.web import http

from .. import institution_forms as forms, metrics, queues
from ..upstream import Refused
from .common import page, page_offset
from .public import Filters
from .review import filters_shown

INCOME_STATUSES = ("filed", "verified", "returned")  # transactions.income.INCOME_STATUSES
INCOME_ACTIONS = ("verify", "return")
PAGE_SIZE = 50


def _q(value):
    return quote(str(value), safe="")


def _status(refusal):
    return refusal.status if refusal.status < 500 else 400


class IncomeEntrypoints:
    # -- the seller's side ------------------------------------------------------------------------------------------
    def _income_page(self, request, contract_id, token, values, errors, status=200):
        contract = self.part(request, "transactions", f"/api/v1/contracts/{_q(contract_id)}", token=token)
        if contract.unavailable:
            return self.render(request, "message.html", status=503, title="暂不可用", text="交易信息暂不可用，请稍后再试。")
        if contract.error is not None or contract.data.get("seller_organization_id") != request._portal_session.user["org"]:
            return self.render(request, "message.html", status=404, title="未找到",
                               text="本单位没有这份作为卖方的技术合同。")
        filings = self.part(request, "transactions", f"/api/v1/contracts/{_q(contract_id)}/income", token=token)
        return self.render(request, "my_contract_income.html", status=status, title="技术性收入申报",
                           contract=contract.data, filings=filings, values=values, errors=errors,
                           form=labels.INCOME_FORM)

    @http("GET", "/my/contracts/<string:contract_id>/income")
    @page("my_contract_income")
    def contract_income(self, request, contract_id):
        signed, refused = self.staff(request, f"/my/contracts/{contract_id}/income")
        if refused:
            return refused
        return self._income_page(request, contract_id, signed[1], Filters(), Filters())

    @http("POST", "/my/contracts/<string:contract_id>/income")
    @page("my_contract_income_file")
    def file_income(self, request, contract_id):
        signed, refused = self.form_post(request, f"/my/contracts/{contract_id}/income", self.staff)
        if refused:
            return refused
        _, token = signed
        values = dict(request.form)
        try:
            made = self.runtime.services.post("transactions", f"/api/v1/contracts/{_q(contract_id)}/income",
                                              token=token, json=forms.income_body(values))
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("income", "refused").inc()
            if exc.status == 404:
                return self.render(request, "message.html", status=404, title="未找到",
                                   text="本单位没有这份作为卖方的技术合同。")
            return self._income_page(request, contract_id, token, Filters(values),
                                     Filters(forms.field_errors(exc, forms.INCOME_FIELDS)), status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("income", "done").inc()
        return redirect(f"/my/contracts/{_q(contract_id)}/income#income-{_q(made['id'])}", code=303)

    def _filing(self, request, income_id, token):
        """(the filing, None) of my organization, or (None, the page saying why not)."""
        found = self.part(request, "transactions", f"/api/v1/contract-incomes/{_q(income_id)}", token=token)
        if found.unavailable:
            return None, self.render(request, "message.html", status=503, title="暂不可用",
                                     text="交易信息暂不可用，请稍后再试。")
        if found.error is not None or found.data.get("seller_organization_id") != request._portal_session.user["org"]:
            return None, self.render(request, "message.html", status=404, title="未找到", text="本单位没有这项收入申报。")
        return found.data, None

    def _refile_form(self, request, filing, values, errors, status=200):
        return self.render(request, "my_income_form.html", status=status, title="修改并重新申报技术性收入",
                           filing=filing, values=values, errors=errors, form=labels.INCOME_FORM)

    @http("GET", "/my/incomes/<string:income_id>/edit")
    @page("my_income_edit")
    def income_edit(self, request, income_id):
        signed, refused = self.staff(request, f"/my/incomes/{income_id}/edit")
        if refused:
            return refused
        filing, missing = self._filing(request, income_id, signed[1])
        if missing:
            return missing
        return self._refile_form(request, filing, Filters(forms.income_form(filing)), Filters())

    @http("POST", "/my/incomes/<string:income_id>/edit")
    @page("my_income_refile")
    def income_refile(self, request, income_id):
        signed, refused = self.form_post(request, f"/my/incomes/{income_id}/edit", self.staff)
        if refused:
            return refused
        _, token = signed
        filing, missing = self._filing(request, income_id, token)
        if missing:
            return missing
        values = dict(request.form)
        try:
            self.runtime.services.put("transactions", f"/api/v1/contract-incomes/{_q(income_id)}", token=token,
                                      json=forms.income_body(values))
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("income_refile", "refused").inc()
            return self._refile_form(request, filing, Filters(values),
                                     Filters(forms.field_errors(exc, forms.INCOME_FIELDS)), status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("income_refile", "done").inc()
        return redirect(f"/my/contracts/{_q(filing['contract_id'])}/income#income-{_q(income_id)}", code=303)

    # -- the registrars' queue --------------------------------------------------------------------------------------
    @http("GET", "/review/incomes")
    @page("review_incomes")
    def review_incomes(self, request):
        token, query, refused = self.queue_request(request, ("status", "region"))
        if refused:
            return refused
        if query["status"] not in INCOME_STATUSES:
            query["status"] = "filed"
        if request.args.get("format") == "xlsx":
            return self.export_queue(request, "transactions", "/api/v1/contract-incomes", query, token,
                                     "技术合同登记系统", "incomes",
                                     f"技术性收入{labels.label('states.contract_income', query['status'])}清单",
                                     filters_shown(query, "states.contract_income"), queues.income_rows)
        return self._income_queue(request, token, query, Filters(), None)

    def _income_queue(self, request, token, query, errors, failed, status=200, values=None):
        offset, shown = page_offset(request)
        found = self.part(request, "transactions", "/api/v1/contract-incomes", token=token,
                          params={**query, "limit": PAGE_SIZE, "offset": offset})
        if found.error is not None:
            return self.refusal_page(request, found.error, "技术合同登记系统")
        return self.render(request, "review_incomes.html", status=status, title="技术性收入核定", query=query,
                           found=found, statuses=INCOME_STATUSES, page_size=PAGE_SIZE, offset=shown,
                           form=labels.INCOME_VERIFY_FORM, errors=errors, failed=failed, values=values or Filters())

    @http("POST", "/review/incomes/<string:income_id>/<string:action>")
    @page("review_income_action")
    def review_income_action(self, request, income_id, action):
        signed, refused = self.form_post(request, "/review/incomes")
        if refused:
            return refused
        _, token = signed
        if action not in INCOME_ACTIONS:
            return self.render(request, "message.html", status=404, title="未找到", text="没有这项操作。")
        body = ({"reasons": queues.reasons_of(request.form.get("reasons"))} if action == "return"
                else forms.verify_body(request.form))
        try:
            self.runtime.services.post("transactions", f"/api/v1/contract-incomes/{_q(income_id)}/{action}",
                                       json=body, token=token)
        except Refused as exc:
            metrics.REVIEW_ACTIONS.labels("incomes", action, "refused").inc()
            if exc.status in (401, 403, 404):
                return self.refusal_page(request, exc, "技术合同登记系统")
            # the queue again, the refusal beside the filing's field, what was typed kept
            errors = forms.field_errors(exc, forms.VERIFY_FIELDS)
            return self._income_queue(request, token, Filters({"status": "filed"}), Filters(errors), income_id,
                                      status=_status(exc), values=Filters(dict(request.form)))
        metrics.REVIEW_ACTIONS.labels("incomes", action, "done").inc()
        return redirect("/review/incomes?status=filed", code=303)
