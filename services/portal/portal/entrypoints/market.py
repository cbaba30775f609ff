"""An institution in the market: bidding in an auction from its page, and filing its technology contracts for
registration. Plain forms; the transactions API, called with the person's token, decides what stands and says
why not (its refusals shown beside the fields, in Chinese)."""
from urllib.parse import quote

from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from ttp_common import labels
from ttp_common.web import http

from .. import contract_forms, metrics
from ..upstream import Refused
from .common import page, page_offset
from .public import PAGE_SIZE, Filters


class MarketEntrypoints:
    @http("POST", "/auctions/<string:auction_id>/bids")
    @page("auction_bid")
    def place_bid(self, request, auction_id):
        path = f"/auctions/{quote(auction_id, safe='')}"
        signed, refused = self.form_post(request, path)
        if refused:
            return refused
        _, token = signed
        typed = request.form.get("amount", "").strip()
        try:
            self.runtime.services.post("transactions", f"/api/v1{path}/bids", json={"amount": typed}, token=token)
        except Refused as exc:
            metrics.BIDS.labels(exc.code).inc()
            return self.auction_page(request, auction_id, typed=typed, error=exc, status=exc.status)
        metrics.BIDS.labels("accepted").inc()
        return redirect(path, code=303)


class ContractEntrypoints:
    """My organization's technology contracts (技术合同认定登记): filing one (free, or from a listing or an auction
    the organization won), their states with the return reasons and registration numbers, correcting and
    resubmitting a returned one, and the registration certificate once registered."""

    @http("GET", "/my/contracts")
    @page("my_contracts")
    def my_contracts(self, request):
        signed, refused = self.staff(request, "/my/contracts")
        if refused:
            return refused
        _, token = signed
        offset, shown = page_offset(request)
        found = self.part(request, "transactions", "/api/v1/contracts", token=token,
                          params={"sort": "newest", "limit": PAGE_SIZE, "offset": offset})
        items = (found.data or {}).get("items") or []
        return self.render(request, "my_contracts.html", title="本单位技术合同", found=found, items=items,
                           page_size=PAGE_SIZE, offset=shown)

    @http("GET", "/my/contracts/new")
    @page("my_contract_new")
    def new_contract(self, request):
        signed, refused = self.staff(request, "/my/contracts/new")
        if refused:
            return refused
        session, _ = signed
        org = session.user["org"]
        values = {"seller_organization_id": org}
        auction_id, listing_id = request.args.get("auction", "").strip(), request.args.get("listing", "").strip()
        if auction_id:
            origin = self.part(request, "transactions", f"/api/v1/auctions/{quote(auction_id, safe='')}")
            values = contract_forms.from_auction(origin.data, org) if origin.data else {**values,
                                                                                         "auction_id": auction_id}
        elif listing_id:
            origin = self.part(request, "transactions", f"/api/v1/listings/{quote(listing_id, safe='')}")
            values = contract_forms.from_listing(origin.data, org) if origin.data else {**values,
                                                                                         "listing_id": listing_id}
        return self._contract_form(request, Filters(values), Filters(), "/my/contracts", "申请技术合同认定登记")

    @http("POST", "/my/contracts")
    @page("my_contract_submit")
    def submit_contract(self, request):
        signed, refused = self.form_post(request, "/my/contracts/new", self.staff)
        if refused:
            return refused
        session, token = signed
        values = dict(request.form)
        try:
            made = self.runtime.services.post("transactions", "/api/v1/contracts", token=token,
                                              json=contract_forms.body_of(values))
        except Refused as exc:
            metrics.CONTRACT_FILINGS.labels("submit", "refused").inc()
            return self._contract_form(request, Filters(values), Filters(contract_forms.field_errors(exc)),
                                       "/my/contracts", "申请技术合同认定登记", status=exc.status)
        metrics.CONTRACT_FILINGS.labels("submit", "done").inc()
        return redirect(f"/my/contracts#contract-{quote(made['id'], safe='')}", code=303)

    @http("GET", "/my/contracts/<string:contract_id>/edit")
    @page("my_contract_edit")
    def edit_contract(self, request, contract_id):
        signed, refused = self.staff(request, f"/my/contracts/{contract_id}/edit")
        if refused:
            return refused
        stored, missing = self._contract(request, contract_id, signed[1])
        if missing:
            return missing
        return self._contract_form(request, Filters(contract_forms.form_of(stored)), Filters(),
                                   f"/my/contracts/{quote(contract_id, safe='')}/edit", "修改并重新提交技术合同",
                                   reasons=stored.get("return_reasons") or [])

    @http("POST", "/my/contracts/<string:contract_id>/edit")
    @page("my_contract_resubmit")
    def resubmit_contract(self, request, contract_id):
        """The corrected contract, sent whole (PUT): the API says whether it may be resubmitted and what is wrong."""
        signed, refused = self.form_post(request, f"/my/contracts/{contract_id}/edit", self.staff)
        if refused:
            return refused
        session, token = signed
        stored, missing = self._contract(request, contract_id, token)
        if missing:
            return missing
        values = dict(request.form)
        try:
            self.runtime.services.call("transactions", "PUT", f"/api/v1/contracts/{quote(contract_id, safe='')}",
                                       token=token, json=contract_forms.body_of(values, stored))
        except Refused as exc:
            metrics.CONTRACT_FILINGS.labels("resubmit", "refused").inc()
            return self._contract_form(request, Filters(values), Filters(contract_forms.field_errors(exc)),
                                       f"/my/contracts/{quote(contract_id, safe='')}/edit", "修改并重新提交技术合同",
                                       status=exc.status, reasons=stored.get("return_reasons") or [])
        metrics.CONTRACT_FILINGS.labels("resubmit", "done").inc()
        return redirect(f"/my/contracts#contract-{quote(contract_id, safe='')}", code=303)

    @http("GET", "/my/contracts/<string:contract_id>/certificate")
    @page("my_contract_certificate")
    def contract_certificate(self, request, contract_id):
        """The registration certificate (技术合同登记证明, PDF) as the API makes it, for the contract's parties."""
        signed, refused = self.staff(request, f"/my/contracts/{contract_id}/certificate")
        if refused:
            return refused
        try:
            pdf = self.runtime.services.call("transactions", "GET",
                                             f"/api/v1/contracts/{quote(contract_id, safe='')}/certificate",
                                             token=signed[1], raw=True)
        except Refused as exc:
            text = "这份合同尚未登记，登记后才有登记证明。" if exc.status == 409 else "本单位没有这份合同。"
            return self.render(request, "message.html", status=exc.status, title="没有登记证明", text=text)
        metrics.CONTRACT_FILINGS.labels("certificate", "done").inc()
        headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
        if pdf.headers.get("Content-Disposition"):
            headers["Content-Disposition"] = pdf.headers["Content-Disposition"]
        return Response(pdf.content, status=200, headers=headers,
                        content_type=pdf.headers.get("Content-Type", "application/pdf"))

    def _contract(self, request, contract_id, token):
        """(the organization's stored contract, None), or (None, the page saying it is not there)."""
        found = self.part(request, "transactions", f"/api/v1/contracts/{quote(contract_id, safe='')}", token=token)
        if found.error is not None:
            return None, self.render(request, "message.html", status=404, title="未找到", text="本单位没有这份合同。")
        if found.unavailable:
            return None, self.render(request, "message.html", status=503, title="暂不可用",
                                     text="合同信息暂不可用，请稍后再试。")
        return found.data, None

    def _contract_form(self, request, values, errors, action, title, status=200, reasons=()):
        return self.render(request, "contract_form.html", status=status if status < 500 else 400, title=title,
                           values=values, errors=errors, action=action, reasons=list(reasons),
                           contract_form=labels.CONTRACT_FORM)
