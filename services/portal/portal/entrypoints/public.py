"""The public pages (no sign-in): home with the plan's targets as charts, achievement search and an achievement's
page (with its trace, 成果转化全链条, as the signed-in person's role may see it, else the public's, and its IP
rights), an IP right's page (知识产权: its holders and the achievements it protects), listings, demands, auctions (live while open), accredited service institutions, the task ledger. Each part
comes from one service's public API; a service that does not answer leaves its part 暂不可用 and the rest renders.
The filters are passed on as the API defines them: the API decides what is valid (its 400 is shown)."""
from urllib.parse import quote

from werkzeug.wrappers import Response

from ttp_common import labels
from ttp_common.web import dumps, http

from .. import bidding, traces
from .common import Part, page

PAGE_SIZE = 20
IP_LINKS_SHOWN = 20  # an IP right's achievements and an achievement's IP rights shown on their pages
UNIT_KINDS = ("university", "institute")  # the kinds whose transfer units (技术转移机构) are accredited by name


class Filters(dict):
    """The filters a page was asked for; one not given reads as empty in the templates."""

    def __missing__(self, name):
        return ""


def filters(request, names):
    """The query's values of ``names`` (empty ones left out), as typed."""
    return Filters({name: request.args.get(name, "").strip() for name in names if request.args.get(name, "").strip()})


def chart_series(targets):
    """What the home page's charts draw: per target its goal, value and expected value, and its breakdowns by year,
    region, programme and contract type as (label, value) pairs (numbers, for the chart library)."""
    charts = []
    for target in targets or []:
        breakdowns = target.get("breakdowns") or {}
        series = {}
        for dimension, rows in breakdowns.items():
            pairs = []
            for row in rows or []:
                name = row.get("label") or str(row.get("year") or row.get(dimension) or "")
                pairs.append([name, float(row.get("value") or 0)])
            if pairs:
                series[dimension] = pairs
        charts.append({"key": target.get("key"), "label": target.get("label"), "unit": target.get("unit"),
                       "goal": float(target.get("goal") or 0), "value": float(target.get("value") or 0),
                       "expected": float(target.get("expected") or 0), "breakdowns": series})
    return charts


class PublicEntrypoints:
    def list_page(self, request, template, title, service, path, names, **fixed):
        """A page of one service's list: the query's ``names`` passed on as typed (with ``fixed`` ones); the
        service's 400 is the page's."""
        query = filters(request, names)
        found = self.part(request, service, path, params={**query, **fixed})
        return self.render(request, template, status=400 if found.error else 200, title=title, query=query,
                           found=found, page_size=PAGE_SIZE)

    @http("GET", "/")
    @page("home")
    def home(self, request):
        progress = self.part(request, "metrics", "/api/v1/progress")
        latest = self.part(request, "registry", "/api/v1/achievements", params={"limit": 5})
        charts = chart_series(progress.data.get("targets")) if progress.data else []
        return self.render(request, "home.html", title="首页", progress=progress, latest=latest, charts=charts)

    @http("GET", "/achievements")
    @page("achievements")
    def achievements(self, request):
        return self.list_page(request, "achievements.html", "科技成果查询", "registry", "/api/v1/achievements",
                              ("q", "region", "programme", "type", "trl_min", "trl_max", "sort", "cursor"),
                              limit=PAGE_SIZE)

    @http("GET", "/achievements/<string:achievement_id>")
    @page("achievement")
    def achievement(self, request, achievement_id):
        found = self.part(request, "registry", f"/api/v1/achievements/{quote(achievement_id, safe='')}")
        if found.error is not None:
            return self.render(request, "message.html", status=404, title="未找到", text="没有这项公开的科技成果。")
        listings = self.part(request, "transactions", "/api/v1/listings", params={"achievement": achievement_id})
        ip_rights = self.part(request, "registry", "/api/v1/ip-rights",
                              params={"achievement_id": achievement_id, "limit": IP_LINKS_SHOWN})
        trace = self.trace_part(request, "achievements", achievement_id)
        return self.render(request, "achievement.html", title=(found.data or {}).get("title") or "科技成果",
                           found=found, listings=listings, ip_rights=ip_rights, trace=trace,
                           trace_rows=traces.rows(trace.data))

    @http("GET", "/ip-rights/<string:ip_right_id>")
    @page("ip_right")
    def ip_right(self, request, ip_right_id):
        """An IP right's public page (知识产权, the registry's public register): kind, number, state and dates, its
        holders by their registered names and the published achievements it protects (one not public is left out)."""
        found = self.part(request, "registry", f"/api/v1/ip-rights/{quote(ip_right_id, safe='')}")
        if found.error is not None:
            return self.render(request, "message.html", status=404, title="未找到", text="没有这项知识产权的记录。")
        right = found.data or {}
        holders = [(org, self.part(request, "registry", f"/api/v1/organizations/{quote(org, safe='')}"))
                   for org in right.get("holder_organization_ids") or ()]
        achievements = [(a, self.part(request, "registry", f"/api/v1/achievements/{quote(a, safe='')}"))
                        for a in (right.get("achievement_ids") or ())[:IP_LINKS_SHOWN]]
        return self.render(request, "ip_right.html", title=right.get("title") or "知识产权", found=found,
                           holders=[(org, (p.data or {}).get("name") or org) for org, p in holders],
                           achievements=[(a, p.data["title"]) for a, p in achievements if p.data],
                           achievements_unavailable=any(p.unavailable for _, p in achievements))

    @http("GET", "/contracts/<string:contract_id>/trace")
    @page("contract_trace")
    def contract_trace(self, request, contract_id):
        """A technology contract's trace (its market path, the achievement it came from, what financed it), linked
        from the contract rows of an achievement's trace: what the caller may see, else 404."""
        trace = self.trace_part(request, "contracts", contract_id)
        rows = traces.rows(trace.data)
        if not trace.unavailable and not rows:
            return self.render(request, "message.html", status=404, title="未找到", text="没有这份技术合同的记录。")
        return self.render(request, "contract_trace.html", title="技术合同全链条", contract_id=contract_id,
                           trace=trace, trace_rows=rows)

    def trace_part(self, request, kind, record_id):
        """The record's trace from the metrics service, with the signed-in person's token (they see what their role
        may) or none (the public entries); its 404 (nothing the caller may see yet) is an empty trace, any other
        refusal or silence leaves the part 暂不可用."""
        signed = self.signed_in(request)
        trace = self.part(request, "metrics", f"/api/v1/trace/{kind}/{quote(record_id, safe='')}",
                          token=signed[1] if signed else None)
        if trace.error is not None and trace.error.status == 404:
            return Part(data={"entries": []})
        if trace.error is not None:
            return Part(unavailable=True)
        return trace

    @http("GET", "/listings")
    @page("listings")
    def listings(self, request):
        return self.list_page(request, "listings.html", "成果挂牌", "transactions", "/api/v1/listings",
                              ("q", "region", "programme", "mode", "before"), limit=PAGE_SIZE)

    @http("GET", "/demands")
    @page("demands")
    def demands(self, request):
        return self.list_page(request, "demands.html", "技术需求", "transactions", "/api/v1/demands",
                              ("q", "region", "programme", "before"), limit=PAGE_SIZE)

    @http("GET", "/auctions")
    @page("auctions")
    def auctions(self, request):
        return self.list_page(request, "auctions.html", "竞价拍卖", "transactions", "/api/v1/auctions",
                              ("status", "before"), limit=PAGE_SIZE)

    @http("GET", "/auctions/<string:auction_id>")
    @page("auction")
    def auction(self, request, auction_id):
        return self.auction_page(request, auction_id)

    def auction_page(self, request, auction_id, typed=None, error=None, status=200):
        """The auction's page; for a signed-in institution user its bid form, prefilled with the minimum next bid
        or with what was ``typed`` beside the API's refusal ``error``."""
        found = self.part(request, "transactions", f"/api/v1/auctions/{quote(auction_id, safe='')}")
        if found.error is not None:
            return self.render(request, "message.html", status=404, title="未找到", text="没有这场拍卖。")
        bids = self.part(request, "transactions", f"/api/v1/auctions/{quote(auction_id, safe='')}/bids",
                         params={"sort": "newest", "limit": PAGE_SIZE})
        minimum = bidding.minimum_bid(found.data) if found.data else ""
        return self.render(request, "auction.html", status=status, title="竞价拍卖", auction_id=auction_id,
                           found=found, bids=bids, minimum=minimum, typed=minimum if typed is None else typed,
                           bid_error=bidding.bid_error(error, minimum) if error is not None else None)

    @http("GET", "/auctions/<string:auction_id>/live")
    @page("auction_live")
    def auction_live(self, request, auction_id):
        """The figures the auction page polls while the auction is open (JSON, the Chinese labels included)."""
        found = self.part(request, "transactions", f"/api/v1/auctions/{quote(auction_id, safe='')}")
        if found.unavailable:
            body, status = {"available": False}, 503
        elif found.error is not None:
            body, status = {"available": False}, 404
        else:
            a = found.data
            body, status = {"available": True, "status": a.get("status"),
                            "status_label": labels.label("states.auction", a.get("status")),
                            "current_price": a.get("current_price"), "bids": a.get("bids"),
                            "ends_at": a.get("ends_at"), "leader_organization_id": a.get("leader_organization_id"),
                            "minimum_bid": bidding.minimum_bid(a)}, 200
        return Response(dumps(body), status=status, content_type="application/json",
                        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

    @http("GET", "/institutions")
    @page("institutions")
    def institutions(self, request):
        """The service institutions, and the transfer units accredited inside universities and institutes (the
        registry lists organizations by kind; the first 100 of each kind are read for their accredited units)."""
        query = filters(request, ("region", "offset"))
        found = self.part(request, "registry", "/api/v1/organizations",
                          params={**query, "kind": "service_institution", "limit": PAGE_SIZE})
        units, units_unavailable = [], False
        for kind in UNIT_KINDS:
            hosts = self.part(request, "registry", "/api/v1/organizations",
                              params={"region": query.get("region"), "kind": kind, "limit": 100})
            units_unavailable = units_unavailable or hosts.unavailable
            units += [(host, unit) for host in (hosts.data or {}).get("items", [])
                      for unit in host.get("accredited_units") or []]
        return self.render(request, "institutions.html", status=400 if found.error else 200, title="专业化服务机构",
                           query=query, found=found, page_size=PAGE_SIZE, units=units,
                           units_unavailable=units_unavailable)

    @http("GET", "/tasks")
    @page("tasks")
    def tasks(self, request):
        return self.list_page(request, "tasks.html", "重点工作任务台账", "metrics", "/api/v1/tasks",
                              ("status", "department", "overdue"))

    @http("GET", "/api/v1/labels")
    @page("labels")
    def label_catalogue(self, request):
        """Every code shown to people with its Chinese label (``ttp_common.labels``)."""
        return Response(dumps(labels.as_json()), status=200, content_type="application/json")
