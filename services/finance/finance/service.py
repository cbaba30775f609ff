"""Finance service entrypoints (thin: the rules live in domain.py, pool.py and subsidies.py).

Investors act through institution tokens whose ``org`` claim is the organization of a
registered investor (the platform has no investor role); departments act as reviewers of a
region; admins may do everything.
"""
import json
import uuid
from decimal import Decimal

from nameko.extensions import DependencyProvider
from prometheus_client import Counter
from pymongo.errors import DuplicateKeyError

from ttp_common import auth, paging, web
from ttp_common.consumer import consume
from ttp_common.errors import Conflict, Forbidden, NotFound, ValidationFailed, field_error
from ttp_common.rpc import rpc
from ttp_common.service_base import PlatformService
from ttp_common.web import http

from . import domain, pool, subsidies
from .documents import (
    Deal, FinancingProject, Fund, Investor, OrganizationFacts, Roadshow, Subsidy, TransformationProject,
    drop_legacy_indexes, now_ms,
)
from .domain import TransitionRefused, TransformationProjectIn, cents
from .openapi import SPEC
from .subsidies import SubsidyIn

PROPOSED = "finance.transformation_project.proposed.v1"
LISTED = "finance.financing_project.listed.v1"
WITHDRAWN = "finance.financing_project.withdrawn.v1"
INVESTOR_REGISTERED = "finance.investor.registered.v1"
FUND_REGISTERED = "finance.fund.registered.v1"
FUND_INVESTED = "finance.fund.invested.v1"
INTEREST_EXPRESSED = "finance.deal.interest_expressed.v1"
SUBSIDY_APPLIED = "finance.subsidy.applied.v1"
SUBSIDY_DECIDED = {"approve": "finance.subsidy.approved.v1", "reject": "finance.subsidy.rejected.v1"}
ROADSHOW_SCHEDULED = "finance.roadshow.scheduled.v1"
ROADSHOW_INVESTOR = "finance.roadshow.investor_registered.v1"
CONTRACT_REGISTERED = "transactions.contract.registered.v1"
ACHIEVEMENT_PUBLISHED = "registry.achievement.published.v1"
PUBLIC_PROJECT_STATUSES = ("approved", "in_progress", "completed")
STATUSES = ["proposed", *PUBLIC_PROJECT_STATUSES, "terminated"]
NEWEST_DEALS = [("expressed_at", -1), ("_id", -1)]
NEWEST_SUBSIDIES = [("applied_at", -1), ("_id", -1)]

DEALS_CLOSED = Counter("ttp_finance_deals_closed_total", "Deals closed, by instrument", ["instrument"])
AMOUNT_FINANCED = Counter("ttp_finance_amount_financed_yuan_total", "Yuan financed by closed deals", ["instrument"])
SUBSIDIES_APPROVED = Counter("ttp_finance_subsidies_approved_yuan_total", "Yuan of approved subsidies", ["instrument"])


class SubsidyRules(DependencyProvider):
    """The per-year subsidy rules (``rules/<year>.yaml`` or ``SUBSIDY_RULES_DIR``), validated at start-up."""

    def setup(self):
        self.rules = subsidies.load_rules(self.container.config.get("SUBSIDY_RULES_DIR") or subsidies.RULES_DIR)

    def get_dependency(self, worker_ctx):
        return self.rules


def _get(db, document, doc_id, session=None, missing="not found"):
    doc = db[document._get_collection_name()].find_one({"_id": str(doc_id)}, session=session)
    if doc is None:
        raise NotFound(missing)
    return document._from_son(doc)


def _replace_unchanged(uow, document, expected, refusal):
    """Replace ``document`` if it still has the prior state ``expected``, else refuse (409) with ``refusal``.

    A cheap safety net, not what settles races: the work runs in a snapshot transaction, so a concurrent writer
    makes the loser's write a WriteConflict and its whole work re-runs on fresh reads (and is refused by the rule
    it then breaks); within the snapshot this filter always matches. It costs one filter and still holds should a
    read ever be made outside the session (stale). The races themselves: test_pool_api's concurrent tests."""
    if not uow.replace(document, expected=expected):
        raise TransitionRefused(refusal)


class FinanceService(PlatformService):
    name = "finance"
    openapi_spec = SPEC
    documents = [TransformationProject, FinancingProject, Investor, Fund, Deal, Subsidy, Roadshow, OrganizationFacts]
    rules = SubsidyRules()
    migrations = [drop_legacy_indexes]

    def _act(self, work, request, principal):
        try:
            return self.store.transact(work, actor=self.actor(request, principal))
        except TransitionRefused as exc:
            raise Conflict(str(exc))
        except subsidies.Refused as exc:
            raise ValidationFailed.at(exc.path, exc.message)

    @staticmethod
    def _is_department(principal, region_code):
        return principal.role == auth.Roles.ADMIN or (
            principal.role == auth.Roles.REVIEWER and principal.region is not None
            and auth.region_covers(principal.region, region_code))

    # -- transformation projects (科技成果转化项目) ---------------------------------------
    @http("POST", "/api/v1/transformation-projects")
    @web.api
    def propose_project(self, request):
        """An institution proposes a project of its own organization (admins for any)."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, TransformationProjectIn)
        auth.require_org(principal, body.organization_id)
        now = now_ms()
        project = TransformationProject(id=uuid.uuid4().hex, status="proposed", proposed_at=now, updated_at=now,
                                        proposed_by=principal.sub, **body.model_dump())

        def work(uow):
            uow.insert(project)
            uow.emit(PROPOSED, {"project_id": project.id, **body.model_dump(), "budget": cents(body.budget),
                                "proposed_at": now}, subject=project.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(project.public(), status=201,
                                 headers={"Location": f"/api/v1/transformation-projects/{project.id}"})

    @http("POST", "/api/v1/transformation-projects/<string:project_id>/<string:action>")
    @web.api
    def project_transition(self, request, project_id, action):
        """approve, complete, terminate (reviewer of its region, admin) · start, advance (owner, admin)."""
        if action not in domain.TRANSITIONS:
            raise NotFound(f"no action {action!r}; one of: {', '.join(domain.TRANSITIONS)}")
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        model = domain.BODIES.get(action)
        body = web.parse_body(request, model) if model else None
        now = now_ms()

        def work(uow):
            t = domain.TRANSITIONS[action]
            project = _get(uow.db, TransformationProject, project_id, uow.session, "no such project")
            if t.actor == domain.OWNER:
                auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
                auth.require_org(principal, project.organization_id)
            else:
                auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
                auth.require_region(principal, project.region_code)
            previous = project.status
            domain.transition(action, previous)
            project.status, project.updated_at = t.target, now
            base = {"project_id": project.id, "organization_id": project.organization_id,
                    "region_code": project.region_code}
            if action == "approve":
                project.approved_at, project.approved_by = now, principal.sub
                data = {"project_id": project.id, **{k: project[k] for k in (
                    "title", "category", "programme", "region_code", "organization_id", "responsible_department",
                    "achievement_ids")}, "budget": cents(project.budget), "approved_at": now}
            elif action == "start":
                project.started_at = now
                data = {**base, "stage": project.stage, "started_at": now}
            elif action == "advance":
                domain.check_advance(project.stage, body.stage)
                data = {**base, "from_stage": project.stage, "stage": body.stage, "advanced_at": now}
                project.stage = body.stage
            elif action == "complete":
                project.completed_at, project.completion_summary = now, body.summary
                data = {**base, "category": project.category, "programme": project.programme,
                        "stage": project.stage, "summary": body.summary, "completed_at": now}
            else:
                project.terminated_at, project.termination_reason = now, body.reason
                data = {**base, "from_status": previous, "reason": body.reason, "terminated_at": now}
            # One approval (one counted event) per project: a racing transition conflicts and re-runs, refused.
            _replace_unchanged(uow, project, {"status": previous, "stage": data.get("from_stage", project.stage)},
                               "the project changed meanwhile; reload it")
            uow.emit(t.event, data, subject=project.id)
            return project

        return web.json_response(self._act(work, request, principal).public())

    @http("GET", "/api/v1/transformation-projects/<string:project_id>")
    @web.api
    def get_project(self, request, project_id):
        """Approved, running and completed projects are public; the others to their owner and department."""
        principal = self.principal(request)
        project = _get(self.store.db, TransformationProject, project_id, missing="no such project")
        if project.status not in PUBLIC_PROJECT_STATUSES and not self._may_see(principal, project):
            raise NotFound("no such project")
        return web.json_response(project.public())

    @http("GET", "/api/v1/transformation-projects")
    @web.api
    def list_projects(self, request):
        """Public projects by programme, category, region, status; ``mine=true`` for an institution's own."""
        principal = self.principal(request)
        query = {}
        for name, field, kind in (("programme", "programme", int), ("category", "category", str),
                                  ("region", "region_code", str), ("status", "status", str)):
            choices = {"programme": domain.PROGRAMMES, "category": domain.CATEGORIES, "status": STATUSES}.get(name)
            value = web.query_param(request, name, type=kind, choices=choices)
            if value is not None:
                query[field] = value
        if web.query_param(request, "mine", type=bool):
            auth.require(principal, auth.Roles.INSTITUTION)
            query["organization_id"] = principal.org
        elif principal.role == auth.Roles.REVIEWER:
            auth.require_region(principal, query.get("region_code", principal.region))
            query.setdefault("region_code", self._region_filter(principal.region))  # the reviewer's whole scope
        elif principal.role != auth.Roles.ADMIN:
            if query.get("status", "approved") not in PUBLIC_PROJECT_STATUSES:
                raise ValidationFailed.at("status", f"public callers see: {', '.join(PUBLIC_PROJECT_STATUSES)}")
            query.setdefault("status", {"$in": list(PUBLIC_PROJECT_STATUSES)})
        limit = paging.limit(request)
        docs = self.store.db[TransformationProject._get_collection_name()].find(query).sort(
            [("proposed_at", -1), ("_id", -1)]).limit(limit)
        return web.json_response({"items": [TransformationProject._from_son(d).public() for d in docs]})

    def _may_see(self, principal, project):
        return (principal.role == auth.Roles.INSTITUTION and principal.org == project.organization_id) or \
            self._is_department(principal, project.region_code)

    def _page(self, request, document, query, sort):
        """One page of ``document`` (``offset``, ``limit``), as the pool pages."""
        return web.json_response(paging.offset_page(self.store.db[document._get_collection_name()], query, sort,
                                                    request, lambda doc: document._from_son(doc).public()))

    @staticmethod
    def _region_filter(region):
        """The region codes a reviewer of ``region`` covers (as ``auth.region_covers``), as a filter."""
        if len(region) == 6 and region.endswith("0000"):
            return {"$gte": region[:2], "$lt": region[:2] + "~"}
        if len(region) == 6 and region.endswith("00"):
            return {"$gte": region[:4], "$lt": region[:4] + "~"}
        return region

    # -- the financing project pool (投融资项目库) ---------------------------------------
    @http("POST", "/api/v1/financing-projects")
    @web.api
    def list_financing_need(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, pool.FinancingProjectIn)
        auth.require_org(principal, body.organization_id)
        now = now_ms()
        project = FinancingProject(id=uuid.uuid4().hex, status="listed", listed_at=now, listed_by=principal.sub,
                                   amount_fen=pool.fen(body.amount), **body.model_dump())

        def work(uow):
            if body.transformation_project_id:
                doc = uow.db[TransformationProject._get_collection_name()].find_one(
                    {"_id": body.transformation_project_id}, {"organization_id": 1}, session=uow.session)
                if doc is None or doc["organization_id"] != body.organization_id:
                    raise ValidationFailed.at("transformation_project_id", "no such project of this organization")
            facts = uow.db[OrganizationFacts._get_collection_name()].find_one({"_id": body.organization_id},
                                                                              session=uow.session)
            try:
                pool.check_ip_pledge_eligible(body.instruments, bool(facts)
                                              and OrganizationFacts._from_son(facts).ip_pledge_eligible)
            except TransitionRefused as exc:
                raise Conflict(str(exc), [field_error("instruments", str(exc))])
            uow.insert(project)
            uow.emit(LISTED, {"financing_project_id": project.id, **body.model_dump(exclude={"summary"}),
                              "amount": cents(body.amount), "listed_at": now}, subject=project.id)

        self._act(work, request, principal)
        return web.json_response(project.public(), status=201,
                                 headers={"Location": f"/api/v1/financing-projects/{project.id}"})

    @http("GET", "/api/v1/financing-projects")
    @web.api
    def browse_pool(self, request):
        """Investors (any authenticated caller) browse listed needs: filter, sort, page."""
        auth.require(self.principal(request))
        query, sort = self.pool_query(request)
        return self._page(request, FinancingProject, query, sort)

    def pool_query(self, request):
        """(filter, sort) of a pool query; never a raw operator from the caller."""
        query = {"status": "listed"}
        for name, field, choices in (("instrument", "instruments", pool.INSTRUMENTS), ("stage", "stage", domain.STAGES),
                                     ("region", "region_code", None), ("industry", "industry", None),
                                     ("organization", "organization_id", None)):
            value = web.query_param(request, name, choices=list(choices) if choices else None)
            if value is not None:
                query[field] = value
        bounds = {}
        for name, op in (("min_amount", "$gte"), ("max_amount", "$lte")):
            value = web.query_param(request, name, type=Decimal)
            if value is not None:
                if value < 0 or value >= pool.MAX_AMOUNT:
                    raise ValidationFailed.at(name, "must be a non-negative amount in yuan")
                bounds[op] = pool.fen(value)
        if bounds:
            query["amount_fen"] = bounds
        sort = pool.SORTS[web.query_param(request, "sort", default="newest", choices=list(pool.SORTS))]
        return query, sort

    @http("GET", "/api/v1/financing-projects/<string:financing_project_id>")
    @web.api
    def get_financing_project(self, request, financing_project_id):
        auth.require(self.principal(request))
        return web.json_response(_get(self.store.db, FinancingProject, financing_project_id,
                                      missing="no such financing project").public())

    @http("POST", "/api/v1/financing-projects/<string:financing_project_id>/withdraw")
    @web.api
    def withdraw_financing_need(self, request, financing_project_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, domain.ReasonIn)
        now = now_ms()

        def work(uow):
            project = _get(uow.db, FinancingProject, financing_project_id, uow.session, "no such financing project")
            auth.require_org(principal, project.organization_id)
            if project.status != "listed":
                raise TransitionRefused(f"cannot withdraw a financing project that is {project.status}")
            project.status, project.withdrawn_at = "withdrawn", now
            _replace_unchanged(uow, project, {"status": "listed"},
                               "the financing project changed meanwhile; reload it")
            uow.emit(WITHDRAWN, {"financing_project_id": project.id, "organization_id": project.organization_id,
                                 "reason": body.reason, "withdrawn_at": now}, subject=project.id)
            return project

        return web.json_response(self._act(work, request, principal).public())

    # -- investors and funds ---------------------------------------------------------
    @http("POST", "/api/v1/investors")
    @web.api
    def register_investor(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.ADMIN)
        body = web.parse_body(request, pool.InvestorIn)
        investor = Investor(id=uuid.uuid4().hex, registered_at=now_ms(), **body.model_dump())

        def work(uow):
            uow.insert(investor)
            uow.emit(INVESTOR_REGISTERED, {"investor_id": investor.id, **body.model_dump(),
                                           "registered_at": investor.registered_at}, subject=investor.id)

        try:
            self.store.transact(work, actor=self.actor(request, principal))
        except DuplicateKeyError:
            raise Conflict("this organization is already a registered investor",
                           [field_error("organization_id", "already registered")])
        return web.json_response(investor.public(), status=201)

    @http("GET", "/api/v1/investors")
    @web.api
    def list_investors(self, request):
        auth.require(self.principal(request))
        kind = web.query_param(request, "kind", choices=list(pool.INVESTOR_KINDS))
        docs = self.store.db[Investor._get_collection_name()].find({"kind": kind} if kind else {}).sort("name", 1)
        return web.json_response({"items": [Investor._from_son(d).public() for d in docs.limit(500)]})

    @http("POST", "/api/v1/funds")
    @web.api
    def register_fund(self, request):
        """Admins register the guidance fund (引导基金), its sub-funds and other funds."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.ADMIN)
        body = web.parse_body(request, pool.FundIn)
        fund = Fund(id=uuid.uuid4().hex, registered_at=now_ms(), invested_amount=cents(0), **body.model_dump())

        def work(uow):
            _get(uow.db, Investor, body.investor_id, uow.session, "no such investor")
            if body.parent_fund_id:
                doc = uow.db[Fund._get_collection_name()].find_one({"_id": body.parent_fund_id}, session=uow.session)
                if doc is None or doc["kind"] != "guidance":
                    raise ValidationFailed.at("parent_fund_id", "not a registered guidance fund")
                parent = Fund._from_son(doc)
                committed = sum((Decimal(d["committed_amount"]) for d in uow.db[Fund._get_collection_name()].find(
                    {"parent_fund_id": parent.id}, {"committed_amount": 1}, session=uow.session)), Decimal(0))
                problem = pool.check_sub_fund_commitment(parent.committed_amount, committed, body.committed_amount)
                if problem:
                    raise ValidationFailed.at("committed_amount", problem)
                # Written on the parent so that two concurrent sub-fund registrations conflict (one re-runs).
                parent.sub_funds_committed_amount = cents(committed + body.committed_amount)
                uow.replace(parent)
            uow.insert(fund)
            uow.emit(FUND_REGISTERED, {"fund_id": fund.id, **body.model_dump(),
                                       "committed_amount": cents(body.committed_amount),
                                       "registered_at": fund.registered_at}, subject=fund.id)

        self._act(work, request, principal)
        return web.json_response(fund.public(), status=201)

    @http("GET", "/api/v1/funds")
    @web.api
    def list_funds(self, request):
        """The registered funds (any authenticated caller, as a single fund), newest first, by kind; paged like
        the pool."""
        auth.require(self.principal(request))
        kind = web.query_param(request, "kind", choices=list(pool.FUND_KINDS))
        return self._page(request, Fund, {"kind": kind} if kind else {}, [("registered_at", -1), ("_id", -1)])

    @http("GET", "/api/v1/funds/<string:fund_id>")
    @web.api
    def get_fund(self, request, fund_id):
        """A fund with its committed and invested amounts; a guidance fund also lists its sub-funds."""
        auth.require(self.principal(request))
        fund = _get(self.store.db, Fund, fund_id, missing="no such fund")
        view = fund.public()
        if fund.kind == "guidance":
            subs = [Fund._from_son(d) for d in self.store.db[Fund._get_collection_name()].find(
                {"parent_fund_id": fund.id}).sort("registered_at", 1)]
            view["sub_funds"] = [sub.public() for sub in subs]
            view["sub_funds_committed_amount"] = cents(sum((s.committed_amount for s in subs), Decimal(0)))
            view["sub_funds_invested_amount"] = cents(sum((s.invested_amount for s in subs), Decimal(0)))
        return web.json_response(view)

    # -- deals ----------------------------------------------------------------------
    def _investor_of(self, db, principal, investor_id, session=None):
        investor = _get(db, Investor, investor_id, session, "no such investor")
        auth.require_org(principal, investor.organization_id)  # an institution acts only for its own investor
        return investor

    @http("POST", "/api/v1/deals")
    @web.api
    def express_interest(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, pool.InterestIn)
        now = now_ms()

        def work(uow):
            investor = self._investor_of(uow.db, principal, body.investor_id, uow.session)
            project = _get(uow.db, FinancingProject, body.financing_project_id, uow.session,
                           "no such financing project")
            if project.status != "listed":
                raise TransitionRefused(f"the financing project is {project.status}")
            pool.check_instrument_sought(body.instrument, project.instruments)
            if body.fund_id:
                fund = uow.db[Fund._get_collection_name()].find_one({"_id": body.fund_id}, session=uow.session)
                if fund is None or fund["investor_id"] != investor.id:
                    raise ValidationFailed.at("fund_id", "not a fund of this investor")
            if body.roadshow_id:
                roadshow = uow.db[Roadshow._get_collection_name()].find_one({"_id": body.roadshow_id},
                                                                            session=uow.session)
                if roadshow is None or project.id not in roadshow["financing_project_ids"] \
                        or investor.id not in roadshow.get("investor_ids", []):
                    raise ValidationFailed.at("roadshow_id", "the project did not present at this event or the "
                                                           "investor was not registered for it")
            deal = Deal(id=uuid.uuid4().hex, financing_project_id=project.id, organization_id=project.organization_id,
                        region_code=project.region_code, investor_id=investor.id, investor_kind=investor.kind,
                        fund_id=body.fund_id, roadshow_id=body.roadshow_id, instrument=body.instrument,
                        status="interested", expressed_at=now, updated_at=now)
            uow.insert(deal)
            uow.emit(INTEREST_EXPRESSED, {
                "deal_id": deal.id, "financing_project_id": project.id, "organization_id": project.organization_id,
                "investor_id": investor.id, "fund_id": body.fund_id, "instrument": body.instrument,
                "roadshow_id": body.roadshow_id, "expressed_at": now}, subject=deal.id)
            return deal

        deal = self._act(work, request, principal)
        return web.json_response(deal.public(), status=201, headers={"Location": f"/api/v1/deals/{deal.id}"})

    @http("POST", "/api/v1/deals/<string:deal_id>/<string:action>")
    @web.api
    def deal_transition(self, request, deal_id, action):
        """due-diligence, close (the investor) · decline (the investor or the financed organization)."""
        if action not in pool.DEAL_TRANSITIONS:
            raise NotFound(f"no action {action!r}; one of: {', '.join(pool.DEAL_TRANSITIONS)}")
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        model = pool.DEAL_BODIES.get(action)
        body = web.parse_body(request, model) if model else None
        now = now_ms()

        def work(uow):
            t = pool.DEAL_TRANSITIONS[action]
            deal = _get(uow.db, Deal, deal_id, uow.session, "no such deal")
            investor = _get(uow.db, Investor, deal.investor_id, uow.session, "no such investor")
            if principal.role == auth.Roles.ADMIN:
                side = pool.INVESTOR
            elif principal.org == investor.organization_id:
                side = pool.INVESTOR
            elif principal.org == deal.organization_id:
                side = pool.ORGANIZATION
            else:
                raise Forbidden("This deal belongs to other organizations")
            if side not in t.actors:
                raise Forbidden(f"only the {' or '.join(sorted(t.actors))} may {action} a deal")
            previous = deal.status
            pool.deal_transition(action, previous)
            deal.status, deal.updated_at = t.target, now
            base = {"deal_id": deal.id, "financing_project_id": deal.financing_project_id,
                    "investor_id": deal.investor_id}
            extra = []
            if action == "due-diligence":
                data = {**base, "started_at": now}
            elif action == "close":
                problems = pool.check_terms(deal.instrument, body)
                if problems:
                    raise ValidationFailed(f"{len(problems)} invalid field(s)",
                                           [field_error(p, m) for p, m in problems])
                deal.amount, deal.annual_rate, deal.term_months, deal.terms, deal.closed_at = (
                    cents(body.amount), body.annual_rate, body.term_months, body.terms, now)
                data = {**base, "organization_id": deal.organization_id, "region_code": deal.region_code,
                        "investor_kind": deal.investor_kind, "fund_id": deal.fund_id, "instrument": deal.instrument,
                        "amount": deal.amount, "annual_rate": body.annual_rate, "term_months": body.term_months,
                        "terms": body.terms, "closed_at": now}
                project = _get(uow.db, FinancingProject, deal.financing_project_id, uow.session)
                if project.status != "listed":
                    raise TransitionRefused(f"the financing project is {project.status}; its deals cannot close")
                problem = pool.check_within_need(project.amount, project.raised, deal.amount)
                if problem:
                    raise ValidationFailed.at("amount", problem)
                raised = project.raised
                project.raised = cents(raised + deal.amount)
                # In the same transaction as the deal: a racing close conflicts and re-runs on the new ``raised``,
                # so the need is never passed.
                _replace_unchanged(uow, project, {"status": "listed", "raised": str(cents(raised))},
                                   "the financing project changed meanwhile; reload it")
                if deal.fund_id:
                    fund = _get(uow.db, Fund, deal.fund_id, uow.session, "no such fund")
                    pool.check_fund_capacity(fund.committed_amount, fund.invested_amount, deal.amount)
                    fund.invested_amount = cents(fund.invested_amount + deal.amount)
                    uow.replace(fund)
                    extra.append((FUND_INVESTED, {"fund_id": fund.id, "deal_id": deal.id, "amount": deal.amount,
                                                  "invested_amount": fund.invested_amount,
                                                  "committed_amount": cents(fund.committed_amount),
                                                  "invested_at": now}, fund.id))
            else:
                deal.declined_by, deal.decline_reason = side, body.reason
                data = {**base, "declined_by": side, "reason": body.reason, "declined_at": now}
            _replace_unchanged(uow, deal, {"status": previous}, "the deal changed meanwhile; reload it")
            uow.emit(t.event, data, subject=deal.id)
            for event, event_data, subject in extra:
                uow.emit(event, event_data, subject=subject)
            return deal

        deal = self._act(work, request, principal)
        if action == "close":
            DEALS_CLOSED.labels(deal.instrument).inc()
            AMOUNT_FINANCED.labels(deal.instrument).inc(float(deal.amount))
        return web.json_response(deal.public())

    @http("GET", "/api/v1/deals")
    @web.api
    def list_deals(self, request):
        """Deals of the caller's organization, as investor or as financed organization (reviewers: their
        region's; admins: all), newest first, by status; paged like the pool."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        query = self._scope(principal)
        if principal.role == auth.Roles.INSTITUTION:
            investor = self.store.db[Investor._get_collection_name()].find_one({"organization_id": principal.org},
                                                                               {"_id": 1})
            if investor:
                query = {"$or": [query, {"investor_id": investor["_id"]}]}
        status = web.query_param(request, "status", choices=pool.DEAL_STATUSES)
        if status:
            query = {**query, "status": status}
        return self._page(request, Deal, query, NEWEST_DEALS)

    def _scope(self, principal):
        """The records an institution (its organization's), a reviewer (its region's) or an admin (all) may list."""
        if principal.role == auth.Roles.ADMIN:
            return {}
        if principal.role == auth.Roles.REVIEWER:
            if principal.region is None:
                raise Forbidden("a reviewer's token names its region")
            return {"region_code": self._region_filter(principal.region)}
        if principal.org is None:
            raise Forbidden("an institution's token names its organization")
        return {"organization_id": principal.org}

    @http("GET", "/api/v1/deals/<string:deal_id>")
    @web.api
    def get_deal(self, request, deal_id):
        principal = self.principal(request)
        auth.require(principal)
        deal = _get(self.store.db, Deal, deal_id, missing="no such deal")
        investor = _get(self.store.db, Investor, deal.investor_id)
        if principal.org not in (investor.organization_id, deal.organization_id) \
                and not self._is_department(principal, deal.region_code):
            raise NotFound("no such deal")
        return web.json_response(deal.public())

    # -- fiscal instruments (财政支持) ---------------------------------------------------
    @http("GET", "/api/v1/subsidy-rules")
    @web.api
    def subsidy_rules(self, request):
        """Public: the rules of every year, as data."""
        return web.json_response({str(year): r.model_dump(mode="json") for year, r in sorted(self.rules.items())})

    @http("POST", "/api/v1/subsidies")
    @web.api
    def apply_for_subsidy(self, request):
        """The financed organization applies on a closed deal; the amount follows the rules of the deal's year."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, SubsidyIn)
        now = now_ms()

        def work(uow):
            deal = _get(uow.db, Deal, body.deal_id, uow.session, "no such deal")
            auth.require_org(principal, deal.organization_id)
            if deal.status != "closed":
                raise TransitionRefused(f"subsidies apply to closed deals; this one is {deal.status}")
            closed_year = subsidies.rule_year(deal.closed_at)
            in_force = subsidies.rules_for(self.rules, closed_year)
            if in_force is None:
                raise TransitionRefused(f"there are no subsidy rules for {closed_year}")
            year = in_force.year
            rule = in_force.instruments.get(body.instrument)
            if rule is None:
                raise ValidationFailed.at("instrument", f"{body.instrument} is not offered in {year}")
            computation = subsidies.compute(
                rule, subsidies.Deal(deal.instrument, deal.amount, deal.investor_kind, deal.annual_rate,
                                     deal.term_months),
                loss=body.loss, premium=body.premium, guarantee_fee=body.guarantee_fee)
            amount = subsidies.granted(computation, body.amount)
            subsidy = Subsidy(id=uuid.uuid4().hex, deal_id=deal.id, organization_id=deal.organization_id,
                              region_code=deal.region_code, instrument=body.instrument, rule_year=year,
                              computed_amount=computation.amount, uncapped_amount=computation.uncapped,
                              capped=computation.capped, amount=cents(amount), loss=body.loss, premium=body.premium,
                              guarantee_fee=body.guarantee_fee, status="applied", applied_at=now,
                              applied_by=principal.sub)
            uow.insert(subsidy)
            uow.emit(SUBSIDY_APPLIED, {
                "subsidy_id": subsidy.id, "deal_id": deal.id, "organization_id": deal.organization_id,
                "region_code": deal.region_code, "instrument": body.instrument, "rule_year": year,
                "computed_amount": computation.amount, "amount": cents(amount), "capped": computation.capped,
                "applied_at": now}, subject=subsidy.id)
            return subsidy

        try:
            subsidy = self._act(work, request, principal)
        except DuplicateKeyError:
            raise Conflict("this deal already has a pending or approved application for this instrument",
                           [field_error("instrument", "already applied for (pending or approved)")])
        return web.json_response(subsidy.public(), status=201, headers={"Location": f"/api/v1/subsidies/{subsidy.id}"})

    @http("POST", "/api/v1/subsidies/<string:subsidy_id>/<string:action>")
    @web.api
    def decide_subsidy(self, request, subsidy_id, action):
        """approve or reject (reason): a reviewer of the organization's region, or an admin."""
        if action not in SUBSIDY_DECIDED:
            raise NotFound(f"no action {action!r}; one of: approve, reject")
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, domain.ReasonIn) if action == "reject" else None
        now = now_ms()

        def work(uow):
            subsidy = _get(uow.db, Subsidy, subsidy_id, uow.session, "no such subsidy application")
            auth.require_region(principal, subsidy.region_code)
            subsidy.status = subsidies.decide(action, subsidy.status)
            subsidy.decided_at, subsidy.decided_by = now, principal.sub
            base = {"subsidy_id": subsidy.id, "deal_id": subsidy.deal_id, "organization_id": subsidy.organization_id}
            if action == "approve":
                data = {**base, "region_code": subsidy.region_code, "instrument": subsidy.instrument,
                        "rule_year": subsidy.rule_year, "amount": cents(subsidy.amount), "approved_at": now}
            else:
                subsidy.rejection_reason = body.reason
                data = {**base, "reason": body.reason, "rejected_at": now}
            _replace_unchanged(uow, subsidy, {"status": "applied"}, "the application changed meanwhile; reload it")
            uow.emit(SUBSIDY_DECIDED[action], data, subject=subsidy.id)
            return subsidy

        subsidy = self._act(work, request, principal)
        if action == "approve":
            SUBSIDIES_APPROVED.labels(subsidy.instrument).inc(float(subsidy.amount))
        return web.json_response(subsidy.public())

    @http("GET", "/api/v1/subsidies")
    @web.api
    def list_subsidies(self, request):
        """Applications of the caller's organization (reviewers: their region's; admins: all), newest first,
        by status; paged like the pool."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        query = self._scope(principal)
        status = web.query_param(request, "status", choices=subsidies.SUBSIDY_STATUSES)
        if status:
            query["status"] = status
        return self._page(request, Subsidy, query, NEWEST_SUBSIDIES)

    @http("GET", "/api/v1/subsidies/<string:subsidy_id>")
    @web.api
    def get_subsidy(self, request, subsidy_id):
        principal = self.principal(request)
        auth.require(principal)
        subsidy = _get(self.store.db, Subsidy, subsidy_id, missing="no such subsidy application")
        if principal.org != subsidy.organization_id and not self._is_department(principal, subsidy.region_code):
            raise NotFound("no such subsidy application")
        return web.json_response(subsidy.public())

    # -- roadshows and matchmaking (路演, 对接会) ---------------------------------------------
    @http("POST", "/api/v1/roadshows")
    @web.api
    def schedule_roadshow(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, pool.RoadshowIn)
        auth.require_region(principal, body.region_code)
        roadshow = Roadshow(id=uuid.uuid4().hex, scheduled_by=principal.sub, investor_ids=[], **body.model_dump())

        def work(uow):
            listed = {d["_id"] for d in uow.db[FinancingProject._get_collection_name()].find(
                {"_id": {"$in": body.financing_project_ids}, "status": "listed"}, {"_id": 1}, session=uow.session)}
            for i, project_id in enumerate(body.financing_project_ids):
                if project_id not in listed:
                    raise ValidationFailed.at(f"financing_project_ids.{i}", "not a listed financing project")
            uow.insert(roadshow)
            uow.emit(ROADSHOW_SCHEDULED, {"roadshow_id": roadshow.id, **body.model_dump()}, subject=roadshow.id)

        self._act(work, request, principal)
        return web.json_response(roadshow.public(), status=201)

    @http("POST", "/api/v1/roadshows/<string:roadshow_id>/registrations")
    @web.api
    def register_for_roadshow(self, request, roadshow_id):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, pool.RoadshowRegistrationIn)
        now = now_ms()

        def work(uow):
            investor = self._investor_of(uow.db, principal, body.investor_id, uow.session)
            roadshow = _get(uow.db, Roadshow, roadshow_id, uow.session, "no such roadshow")
            if investor.id in roadshow.investor_ids:
                raise TransitionRefused("the investor is already registered")
            registered = list(roadshow.investor_ids)
            roadshow.investor_ids.append(investor.id)
            _replace_unchanged(uow, roadshow, {"investor_ids": registered},
                               "the roadshow's registrations changed meanwhile; try again")
            uow.emit(ROADSHOW_INVESTOR, {"roadshow_id": roadshow.id, "investor_id": investor.id,
                                         "registered_at": now}, subject=roadshow.id)
            return roadshow

        return web.json_response(self._act(work, request, principal).public(), status=201)

    @http("GET", "/api/v1/roadshows")
    @web.api
    def list_roadshows(self, request):
        """Public: upcoming events first (soonest first), then past ones (latest first), by region and kind;
        paged like the pool."""
        query = {}
        for name, field, choices in (("region", "region_code", None), ("kind", "kind", list(pool.ROADSHOW_KINDS))):
            value = web.query_param(request, name, choices=choices)
            if value is not None:
                query[field] = value
        limit, offset = paging.limit(request), paging.offset(request)
        collection, now = self.store.db[Roadshow._get_collection_name()], now_ms()
        upcoming = {**query, "starts_at": {"$gte": now}}
        past = {**query, "starts_at": {"$lt": now}}
        docs = list(collection.find(upcoming).sort([("starts_at", 1), ("_id", 1)]).skip(offset).limit(limit))
        if len(docs) < limit:
            skipped = max(0, offset - collection.count_documents(upcoming)) if not docs else 0
            docs += collection.find(past).sort([("starts_at", -1), ("_id", -1)]).skip(skipped).limit(
                limit - len(docs))
        return web.json_response({"items": [Roadshow._from_son(d).public() for d in docs],
                                  "offset": offset, "limit": limit})

    @http("GET", "/api/v1/roadshows/<string:roadshow_id>")
    @web.api
    def get_roadshow(self, request, roadshow_id):
        """Public: the event, its presenting projects and registered investors, and the deals that followed."""
        roadshow = _get(self.store.db, Roadshow, roadshow_id, missing="no such roadshow")
        follow_ups = [{"deal_id": d["_id"], "financing_project_id": d["financing_project_id"],
                       "investor_id": d["investor_id"], "status": d["status"]}
                      for d in self.store.db[Deal._get_collection_name()].find({"roadshow_id": roadshow.id})]
        return web.json_response({**roadshow.public(), "follow_ups": follow_ups})

    # -- replica of other services' events ---------------------------------------------
    @consume(CONTRACT_REGISTERED)
    def on_contract_registered(self, event):
        """A registered technology contract makes its seller eligible for IP pledge financing."""
        self.store.transact(lambda uow: uow.db[OrganizationFacts._get_collection_name()].update_one(
            {"_id": event.data["seller_organization_id"]},
            {"$addToSet": {"registered_contract_ids": event.data["contract_id"]}}, upsert=True, session=uow.session),
            dedup=event)

    @consume(ACHIEVEMENT_PUBLISHED)
    def on_achievement_published(self, event):
        """A published achievement (its completing organizations own the IP) also makes them eligible."""
        def work(uow):
            for org in event.data["organization_ids"]:
                uow.db[OrganizationFacts._get_collection_name()].update_one(
                    {"_id": org}, {"$addToSet": {"published_achievement_ids": event.data["achievement_id"]}},
                    upsert=True, session=uow.session)

        self.store.transact(work, dedup=event)

    @http("GET", "/api/v1/organizations/<string:organization_id>/eligibility")
    @web.api
    def eligibility(self, request, organization_id):
        """What the replica knows of an organization: IP pledge eligibility and its grounds."""
        auth.require(self.principal(request))
        doc = self.store.db[OrganizationFacts._get_collection_name()].find_one({"_id": str(organization_id)})
        facts = OrganizationFacts._from_son(doc) if doc else OrganizationFacts(id=str(organization_id))
        return web.json_response({"organization_id": facts.id, "ip_pledge_eligible": facts.ip_pledge_eligible,
                                  "registered_contract_ids": list(facts.registered_contract_ids),
                                  "published_achievement_ids": list(facts.published_achievement_ids)})

    # -- RPC for other services --------------------------------------------------------
    @rpc
    def get_transformation_project(self, project_id):
        """Public view of an approved, running or completed project, or None."""
        doc = self.store.db[TransformationProject._get_collection_name()].find_one(
            {"_id": str(project_id), "status": {"$in": list(PUBLIC_PROJECT_STATUSES)}})
        return None if doc is None else json.loads(web.dumps(TransformationProject._from_son(doc).public()))

    @rpc
    def get_financing_project_summary(self, financing_project_id):
        """A listed financing project, or None (also for a withdrawn one)."""
        doc = self.store.db[FinancingProject._get_collection_name()].find_one(
            {"_id": str(financing_project_id), "status": "listed"})
        return None if doc is None else json.loads(web.dumps(FinancingProject._from_son(doc).public()))
