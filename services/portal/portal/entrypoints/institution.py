"""Institution staff pages beyond the achievement drafts and contracts: bulk import by file upload (批量导入),
本单位挂牌与需求 (create and withdraw, an auction of a listing), the annual transformation report (年度报告: file, see the return reasons,
file again) and reward plans (奖励方案, with their findings against article 45). Plain forms (CSRF); every call
carries the person's token, so the registry, transactions and talent APIs decide what stands, and their field
errors show beside the fields in Chinese with what was typed kept. The portal adds no rule of its own: another
organization's listing, demand or report is the API's refusal (or not this organization's to act on) here too."""
from urllib.parse import quote

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from ttp_common import annual_report_dates, clock, labels
from ttp_common.web import http

from .. import imports, institution_forms as forms, metrics
from ..upstream import Refused
from .common import page
from .public import Filters

UPLOAD_MAX_BYTES = 5_000_000  # the registry's import takes bodies up to 5 MB


def _status(refusal):
    return refusal.status if refusal.status < 500 else 400


def _q(value):
    return quote(str(value), safe="")


class InstitutionEntrypoints:
    # -- bulk import (批量导入) --------------------------------------------------------------------------------------
    @http("GET", "/my/achievements/import")
    @page("my_import")
    def import_form(self, request):
        signed, refused = self.staff(request, "/my/achievements/import")
        if refused:
            return refused
        return self.render(request, "my_import.html", title="批量导入科技成果", report=None, refusal=None,
                           outcomes=labels.IMPORT_OUTCOMES)

    @http("GET", "/my/achievements/import/template.csv")
    @page("my_import_template")
    def import_template(self, request):
        signed, refused = self.staff(request, "/my/achievements/import")
        if refused:
            return refused
        return Response(imports.template_csv().encode("utf-8"), status=200, content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=achievement-import-template.csv",
                                 "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    @http("POST", "/my/achievements/import")
    @page("my_import_send")
    def import_file(self, request):
        if request.content_length is not None and request.content_length > UPLOAD_MAX_BYTES:
            return self.render(request, "my_import.html", status=413, title="批量导入科技成果", report=None,
                               refusal="文件超过 5 MB，请分成几个文件上传。", outcomes=labels.IMPORT_OUTCOMES)
        signed, refused = self.form_post(request, "/my/achievements/import", self.staff)
        if refused:
            return refused
        _, token = signed
        upload = request.files.get("file")
        try:
            rows = imports.read_upload(upload.filename if upload else "", upload.read() if upload else b"")
        except imports.FileRefused as exc:
            metrics.INSTITUTION_ACTIONS.labels("import", "refused").inc()
            return self.render(request, "my_import.html", status=400, title="批量导入科技成果", report=None,
                               refusal=str(exc), outcomes=labels.IMPORT_OUTCOMES)
        report = imports.Report()
        items = imports.items_of(rows, report)
        for sent in imports.batches(items):
            try:
                answer = self.runtime.services.post("registry", "/api/v1/achievements/import", token=token,
                                                    json={"rows": [item for _, item in sent]})
            except Refused as exc:
                imports.refuse_batch(report, sent, forms.chinese(exc.message) or "登记系统拒绝了这批数据。")
                continue
            imports.record_results(report, sent, answer.get("results") or [])
        report.rows.sort(key=lambda r: r["row"])
        metrics.INSTITUTION_ACTIONS.labels("import", "done").inc()
        return self.render(request, "my_import.html", title="批量导入科技成果", report=report, refusal=None,
                           outcomes=labels.IMPORT_OUTCOMES, filename=upload.filename)

    # -- listings (挂牌) and demands (需求) ------------------------------------------------------------------------
    @http("GET", "/my/market")
    @page("my_market")
    def my_market(self, request):
        signed, refused = self.staff(request, "/my/market")
        if refused:
            return refused
        session, token = signed
        org = session.user["org"]
        listings = self.part(request, "transactions", "/api/v1/listings", params={"seller": org, "limit": 100},
                             token=token)
        demands = self.part(request, "transactions", "/api/v1/demands", params={"organization": org, "limit": 100},
                            token=token)
        return self.render(request, "my_market.html", title="本单位挂牌与需求", listings=listings, demands=demands)

    def _published(self, request, org, token):
        """My organization's published achievements (the listing form's choices)."""
        found = self.part(request, "registry", f"/api/v1/organizations/{_q(org)}/achievements",
                          params={"status": "published", "limit": 100}, token=token)
        return (found.data or {}).get("items") or []

    def _listing_form(self, request, org, token, values, errors, status=200):
        return self.render(request, "my_listing_form.html", status=status, title="成果挂牌", values=values,
                           errors=errors, form=labels.LISTING_FORM, choices=self._published(request, org, token))

    @http("GET", "/my/listings/new")
    @page("my_listing_new")
    def new_listing(self, request):
        signed, refused = self.staff(request, "/my/listings/new")
        if refused:
            return refused
        session, token = signed
        values = Filters({"period_days": "30", "achievement_id": request.args.get("achievement", "").strip()})
        return self._listing_form(request, session.user["org"], token, values, Filters())

    @http("POST", "/my/listings")
    @page("my_listing_create")
    def create_listing(self, request):
        signed, refused = self.form_post(request, "/my/listings/new", self.staff)
        if refused:
            return refused
        session, token = signed
        values = dict(request.form)
        try:
            made = self.runtime.services.post("transactions", "/api/v1/listings", token=token,
                                              json=forms.listing_body(values))
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("listing", "refused").inc()
            return self._listing_form(request, session.user["org"], token, Filters(values),
                                      Filters(forms.field_errors(exc, forms.LISTING_FIELDS)), status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("listing", "done").inc()
        return redirect(f"/my/market#listing-{_q(made['id'])}", code=303)

    def _demand_form(self, request, values, errors, status=200):
        return self.render(request, "my_demand_form.html", status=status, title="发布技术需求", values=values,
                           errors=errors, form=labels.DEMAND_FORM)

    @http("GET", "/my/demands/new")
    @page("my_demand_new")
    def new_demand(self, request):
        signed, refused = self.staff(request, "/my/demands/new")
        if refused:
            return refused
        return self._demand_form(request, Filters({"min_trl": "1"}), Filters())

    @http("POST", "/my/demands")
    @page("my_demand_create")
    def create_demand(self, request):
        signed, refused = self.form_post(request, "/my/demands/new", self.staff)
        if refused:
            return refused
        _, token = signed
        values = dict(request.form)
        try:
            made = self.runtime.services.post("transactions", "/api/v1/demands", token=token,
                                              json=forms.demand_body(values))
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("demand", "refused").inc()
            return self._demand_form(request, Filters(values), Filters(forms.field_errors(exc, forms.DEMAND_FIELDS)),
                                     status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("demand", "done").inc()
        return redirect(f"/my/market#demand-{_q(made['id'])}", code=303)

    # withdrawing: /my/listings/<id>/withdraw and /my/demands/<id>/withdraw (a form with the reason)
    _KINDS = {"listings": ("listing", "seller_organization_id", "撤牌", "本单位没有这个挂牌项目。"),
              "demands": ("demand", "organization_id", "撤回需求", "本单位没有这项需求。")}

    def _own(self, request, kind, item_id, org, token):
        """(the organization's open listing or demand, None), or (None, the page saying it is not there)."""
        what, owner, _, missing = self._KINDS[kind]
        found = self.part(request, "transactions", f"/api/v1/{kind}/{_q(item_id)}", token=token)
        if found.unavailable:
            return None, self.render(request, "message.html", status=503, title="暂不可用",
                                     text="交易信息暂不可用，请稍后再试。")
        if found.error is not None or found.data.get(owner) != org:
            # an open one is public, but its withdrawal form is its own organization's only
            return None, self.render(request, "message.html", status=404, title="未找到", text=missing)
        return found.data, None

    def _withdraw_form(self, request, kind, item, values, errors, status=200):
        what, _, action, _ = self._KINDS[kind]
        return self.render(request, "my_withdraw.html", status=status, title=action, kind=kind, what=what, item=item,
                           values=values, errors=errors, form=labels.WITHDRAW_FORM,
                           optional=kind == "demands")

    @http("GET", "/my/listings/<string:item_id>/withdraw")
    @page("my_listing_withdraw")
    def listing_withdraw_form(self, request, item_id):
        return self._withdraw_page(request, "listings", item_id)

    @http("POST", "/my/listings/<string:item_id>/withdraw")
    @page("my_listing_withdraw_send")
    def withdraw_listing(self, request, item_id):
        return self._withdraw(request, "listings", item_id)

    @http("GET", "/my/demands/<string:item_id>/withdraw")
    @page("my_demand_withdraw")
    def demand_withdraw_form(self, request, item_id):
        return self._withdraw_page(request, "demands", item_id)

    @http("POST", "/my/demands/<string:item_id>/withdraw")
    @page("my_demand_withdraw_send")
    def withdraw_demand(self, request, item_id):
        return self._withdraw(request, "demands", item_id)

    def _withdraw_page(self, request, kind, item_id):
        signed, refused = self.staff(request, f"/my/{kind}/{item_id}/withdraw")
        if refused:
            return refused
        session, token = signed
        item, missing = self._own(request, kind, item_id, session.user["org"], token)
        if missing:
            return missing
        return self._withdraw_form(request, kind, item, Filters(), Filters())

    def _withdraw(self, request, kind, item_id):
        signed, refused = self.form_post(request, f"/my/{kind}/{item_id}/withdraw", self.staff)
        if refused:
            return refused
        session, token = signed
        values = dict(request.form)
        try:
            self.runtime.services.post("transactions", f"/api/v1/{kind}/{_q(item_id)}/withdraw", token=token,
                                       json=forms.withdrawal_body(values, optional=kind == "demands"))
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels(f"withdraw_{self._KINDS[kind][0]}", "refused").inc()
            item, missing = self._own(request, kind, item_id, session.user["org"], token)
            if missing:
                return missing
            return self._withdraw_form(request, kind, item, Filters(values),
                                       Filters(forms.field_errors(exc, ("reason",))), status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels(f"withdraw_{self._KINDS[kind][0]}", "done").inc()
        return redirect("/my/market", code=303)

    # -- an auction of a listing (竞价拍卖) -------------------------------------------------------------------------
    def _auction_form(self, request, item, token, values, errors, status=200):
        auctions = self.part(request, "transactions", "/api/v1/auctions", params={"listing_id": item["id"]},
                             token=token)
        return self.render(request, "my_auction_form.html", status=status, title="发起竞价拍卖", item=item,
                           values=values, errors=errors, form=labels.AUCTION_FORM, auctions=auctions)

    @http("GET", "/my/listings/<string:item_id>/auction")
    @page("my_auction_new")
    def auction_form(self, request, item_id):
        signed, refused = self.staff(request, f"/my/listings/{item_id}/auction")
        if refused:
            return refused
        session, token = signed
        item, missing = self._own(request, "listings", item_id, session.user["org"], token)
        if missing:
            return missing
        values = Filters({"start_price": str(item.get("asking_price") or ""), "extension_seconds": "300"})
        return self._auction_form(request, item, token, values, Filters())

    @http("POST", "/my/listings/<string:item_id>/auction")
    @page("my_auction_create")
    def open_auction(self, request, item_id):
        signed, refused = self.form_post(request, f"/my/listings/{item_id}/auction", self.staff)
        if refused:
            return refused
        session, token = signed
        values = dict(request.form)
        try:
            made = self.runtime.services.post("transactions", "/api/v1/auctions", token=token,
                                              json=forms.auction_body({**values, "listing_id": item_id}))
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("auction", "refused").inc()
            item, missing = self._own(request, "listings", item_id, session.user["org"], token)
            if missing:
                return missing
            return self._auction_form(request, item, token, Filters(values),
                                      Filters(forms.field_errors(exc, forms.AUCTION_SHOWN)), status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("auction", "done").inc()
        return redirect(f"/auctions/{_q(made['id'])}", code=303)

    # -- the annual transformation report (年度报告) ----------------------------------------------------------------
    @http("GET", "/my/annual-reports")
    @page("my_annual_reports")
    def my_annual_reports(self, request):
        """The report of last year (the one due now), and links to the years before."""
        signed, refused = self.staff(request, "/my/annual-reports")
        if refused:
            return refused
        session, _ = signed
        return redirect(f"/my/annual-reports/{_q(session.user['org'])}:{clock.china_date().year - 1}", code=303)

    def _report_page(self, request, org, year, report, values, errors, status=200):
        last = clock.china_date().year - 1
        return self.render(request, "my_annual_report.html", status=status, title=f"{year}年度科技成果转化年度报告",
                           year=year, report=report, values=values, errors=errors, form=labels.ANNUAL_REPORT_FORM,
                           deals=forms.DEALS, org=org, years=list(range(last, last - 5, -1)),
                           filing_deadline=annual_report_dates.filing_deadline(year),
                           forwarding_deadline=annual_report_dates.forwarding_deadline(year),
                           today=clock.china_date(), action=f"/my/annual-reports/{_q(org)}:{year}")

    def _report(self, request, report_id, token):
        """(org, year, the stored report or None when not filed yet, None), or (…, the page saying why not)."""
        session = request._portal_session
        org, _, year = report_id.rpartition(":")
        if org != session.user["org"] or not year.isdigit():
            return None, None, None, self.render(request, "message.html", status=404, title="未找到",
                                                 text="本单位没有这份年度报告。")
        found = self.part(request, "registry", f"/api/v1/annual-reports/{_q(report_id)}", token=token)
        if found.unavailable:
            return None, None, None, self.render(request, "message.html", status=503, title="暂不可用",
                                                 text="年度报告暂不可用，请稍后再试。")
        if found.error is not None and found.error.status != 404:
            return None, None, None, self.render(request, "message.html", status=found.error.status,
                                                 title="无权访问", text=forms.chinese(found.error.message))
        return org, int(year), found.data, None

    @http("GET", "/my/annual-reports/<string:report_id>")
    @page("my_annual_report")
    def my_annual_report(self, request, report_id):
        signed, refused = self.staff(request, f"/my/annual-reports/{report_id}")
        if refused:
            return refused
        org, year, report, missing = self._report(request, report_id, signed[1])
        if missing:
            return missing
        values = Filters(forms.report_form(report) if report else {})
        return self._report_page(request, org, year, report, values, Filters())

    @http("POST", "/my/annual-reports/<string:report_id>")
    @page("my_annual_report_file")
    def file_annual_report(self, request, report_id):
        signed, refused = self.form_post(request, f"/my/annual-reports/{report_id}", self.staff)
        if refused:
            return refused
        _, token = signed
        org, year, report, missing = self._report(request, report_id, token)
        if missing:
            return missing
        values = dict(request.form)
        try:
            self.runtime.services.post("registry", "/api/v1/annual-reports", token=token,
                                       json=forms.report_body(values, org, year))
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("annual_report", "refused").inc()
            return self._report_page(request, org, year, report, Filters(values),
                                     Filters(forms.field_errors(exc, forms.REPORT_FIELDS)), status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("annual_report", "done").inc()
        return redirect(f"/my/annual-reports/{_q(org)}:{year}", code=303)

    # -- reward plans (奖励方案) --------------------------------------------------------------------------------------
    @http("GET", "/my/rewards")
    @page("my_rewards")
    def my_rewards(self, request):
        signed, refused = self.staff(request, "/my/rewards")
        if refused:
            return refused
        found = self.part(request, "talent", "/api/v1/rewards", params={"limit": 50}, token=signed[1])
        items = [{**plan, "findings_zh": forms.findings(plan.get("check"))} for plan in (found.data or {}).get("items") or []]
        return self.render(request, "my_rewards.html", title="本单位奖励方案", found=found, items=items,
                           reward_checks=labels.REWARD_CHECKS, reward_bases=labels.REWARD_BASES)

    def _reward_form(self, request, org, token, values, errors, status=200):
        return self.render(request, "my_reward_form.html", status=status, title="登记奖励方案", values=values,
                           errors=errors, form=labels.REWARD_FORM, modes=labels.REWARD_MODES,
                           rows=range(forms.ALLOCATION_ROWS), choices=self._registered(request, org, token))

    def _registered(self, request, org, token):
        found = self.part(request, "registry", f"/api/v1/organizations/{_q(org)}/achievements",
                          params={"limit": 100}, token=token)
        return [a for a in (found.data or {}).get("items") or [] if a.get("status") in ("registered", "published")]

    @http("GET", "/my/rewards/new")
    @page("my_reward_new")
    def new_reward(self, request):
        signed, refused = self.staff(request, "/my/rewards/new")
        if refused:
            return refused
        session, token = signed
        values = Filters({"achievement_id": request.args.get("achievement", "").strip()})
        return self._reward_form(request, session.user["org"], token, values, Filters())

    @http("POST", "/my/rewards")
    @page("my_reward_record")
    def record_reward(self, request):
        signed, refused = self.form_post(request, "/my/rewards/new", self.staff)
        if refused:
            return refused
        session, token = signed
        values = dict(request.form)
        fields = set(forms.REWARD_FIELDS) | {"allocations"} | {
            f"{name}_{i}" for i in range(forms.ALLOCATION_ROWS) for name in ("person_id", "cash_yuan", "share_percent")}
        try:
            made = self.runtime.services.post("talent", "/api/v1/rewards", token=token,
                                              json=forms.reward_body(values, session.user["org"]))
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("reward", "refused").inc()
            return self._reward_form(request, session.user["org"], token, Filters(values),
                                     Filters(forms.field_errors(exc, fields, forms.reward_field)), status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("reward", "done").inc()
        return redirect(f"/my/rewards#reward-{_q(made['id'])}", code=303)
