"""An institution in the market: bidding in an auction from its page (a plain form; the transactions API, called
with the person's token, decides whether the bid stands and says why not)."""
from urllib.parse import quote

from werkzeug.utils import redirect

from ttp_common.web import http

from .. import bidding, metrics
from ..upstream import Refused
from .common import page


class MarketEntrypoints:
    @http("POST", "/auctions/<string:auction_id>/bids")
    @page("auction_bid")
    def place_bid(self, request, auction_id):
        path = f"/auctions/{quote(auction_id, safe='')}"
        signed = self.signed_in(request)
        if signed is None:
            return redirect(f"/auth/login?next={path}", code=303)
        session, token = signed
        bad = self.csrf_refused(request, session)
        if bad is not None:
            return bad
        typed = request.form.get("amount", "").strip()
        try:
            self.runtime.services.post("transactions", f"/api/v1{path}/bids", json={"amount": typed}, token=token)
        except Refused as exc:
            metrics.BIDS.labels(exc.code).inc()
            return self.auction_page(request, auction_id, typed=typed, error=exc, status=exc.status)
        metrics.BIDS.labels("accepted").inc()
        return redirect(path, code=303)
