"""Duty-achievement disclosures (职务科技成果披露) in the browser: a researcher discloses an achievement made in their
job to their own institution on the registration form (the achievement draft's fields, with the basis and remarks);
the institution's list of its disclosures, those undecided past their due date marked 逾期; one disclosure with its
decision form (another person of the institution than the discloser decides, and says why) and, once the
institution keeps it, 转为成果登记草稿 (the registry makes the draft from the disclosed form). Every call carries the
person's token: the registry decides who sees and does what (another organization's disclosure is its 404 here
too), and its field errors show beside the fields in Chinese with what was typed kept."""
from urllib.parse import quote

from werkzeug.utils import redirect

from ttp_common import labels
from ttp_common.web import http

from .. import institution_forms as forms, metrics
from ..upstream import Refused
from .common import page, page_offset
from .public import Filters

STATUSES = ("disclosed", "decided")  # registry.disclosures.STATUSES
PAGE_SIZE = 50


def _q(value):
    return quote(str(value), safe="")


def _status(refusal):
    return refusal.status if refusal.status < 500 else 400


class DisclosureEntrypoints:
    @http("GET", "/my/disclosures")
    @page("my_disclosures")
    def my_disclosures(self, request):
        signed, refused = self.staff(request, "/my/disclosures")
        if refused:
            return refused
        session, token = signed
        status = request.args.get("status", "")
        overdue = request.args.get("overdue", "")
        offset, shown = page_offset(request)
        found = self.part(request, "registry", f"/api/v1/organizations/{_q(session.user['org'])}/disclosures",
                          token=token, params={"status": status if status in STATUSES else None,
                                               "overdue": "true" if overdue == "true" else None,
                                               "limit": PAGE_SIZE, "offset": offset})
        return self.render(request, "my_disclosures.html", title="职务科技成果披露", found=found, statuses=STATUSES,
                           wanted=status, overdue=overdue, page_size=PAGE_SIZE, offset=shown)

    def _disclosure_form(self, request, values, errors, status=200):
        return self.render(request, "my_disclosure_form.html", status=status, title="披露职务科技成果", values=values,
                           errors=errors, form=labels.DISCLOSURE_FORM, action="/my/disclosures")

    @http("GET", "/my/disclosures/new")
    @page("my_disclosure_new")
    def new_disclosure(self, request):
        signed, refused = self.staff(request, "/my/disclosures/new")
        if refused:
            return refused
        return self._disclosure_form(request, Filters({"basis": "job_duties"}), Filters())

    @http("POST", "/my/disclosures")
    @page("my_disclosure_create")
    def create_disclosure(self, request):
        signed, refused = self.form_post(request, "/my/disclosures/new", self.staff)
        if refused:
            return refused
        session, token = signed
        values = dict(request.form)
        try:
            made = self.runtime.services.post("registry", "/api/v1/disclosures", token=token,
                                              json=forms.disclosure_body(values, session.user["org"]))
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("disclosure", "refused").inc()
            return self._disclosure_form(request, Filters(values), Filters(forms.disclosure_errors(exc)),
                                         status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("disclosure", "done").inc()
        return redirect(f"/my/disclosures/{_q(made['id'])}", code=303)

    def _disclosure_page(self, request, disclosure_id, token, values, errors, status=200):
        found = self.part(request, "registry", f"/api/v1/disclosures/{_q(disclosure_id)}", token=token)
        if found.unavailable:
            return self.render(request, "message.html", status=503, title="暂不可用", text="成果登记系统暂不可用，请稍后再试。")
        if found.error is not None:
            return self.render(request, "message.html", status=404, title="未找到", text="本单位没有这项披露。")
        disclosure = found.data
        return self.render(request, "my_disclosure.html", status=status, title="职务科技成果披露", d=disclosure,
                           a=disclosure.get("achievement") or {}, values=values, errors=errors,
                           form=labels.DISCLOSURE_DECISION_FORM, kept=set(labels.DISCLOSURE_DECISIONS) - {"left_to_inventors"})

    @http("GET", "/my/disclosures/<string:disclosure_id>")
    @page("my_disclosure")
    def my_disclosure(self, request, disclosure_id):
        signed, refused = self.staff(request, f"/my/disclosures/{disclosure_id}")
        if refused:
            return refused
        return self._disclosure_page(request, disclosure_id, signed[1], Filters(), Filters())

    @http("POST", "/my/disclosures/<string:disclosure_id>/decision")
    @page("my_disclosure_decide")
    def decide_disclosure(self, request, disclosure_id):
        signed, refused = self.form_post(request, f"/my/disclosures/{disclosure_id}", self.staff)
        if refused:
            return refused
        _, token = signed
        values = dict(request.form)
        body = {"decision": values.get("decision", ""), "reasons": values.get("reasons", "").strip()}
        try:
            self.runtime.services.post("registry", f"/api/v1/disclosures/{_q(disclosure_id)}/decision", token=token,
                                       json=body)
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("disclosure_decision", "refused").inc()
            if exc.status == 404:
                return self._disclosure_page(request, disclosure_id, token, Filters(), Filters())
            # the discloser deciding on their own disclosure (403): why, beside the decision
            errors = ({"decision": forms.chinese(exc.message)} if exc.status == 403
                      else forms.field_errors(exc, forms.DECISION_FIELDS))
            return self._disclosure_page(request, disclosure_id, token, Filters(values), Filters(errors),
                                         status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("disclosure_decision", "done").inc()
        return redirect(f"/my/disclosures/{_q(disclosure_id)}", code=303)

    @http("POST", "/my/disclosures/<string:disclosure_id>/achievement")
    @page("my_disclosure_draft")
    def draft_from_disclosure(self, request, disclosure_id):
        signed, refused = self.form_post(request, f"/my/disclosures/{disclosure_id}", self.staff)
        if refused:
            return refused
        _, token = signed
        try:
            made = self.runtime.services.post("registry", f"/api/v1/disclosures/{_q(disclosure_id)}/achievement",
                                              token=token, json={})
        except Refused as exc:
            metrics.INSTITUTION_ACTIONS.labels("disclosure_draft", "refused").inc()
            return self._disclosure_page(request, disclosure_id, token, Filters(),
                                         Filters({"": forms.chinese(exc.message)}), status=_status(exc))
        metrics.INSTITUTION_ACTIONS.labels("disclosure_draft", "done").inc()
        return redirect(f"/my/achievements/{_q(made['id'])}", code=303)
