"""Technology contracts and their registration (技术合同认定登记), and the registered turnover.

A party submits a contract (checked against the listing, auction and achievement it names), corrects
and resubmits it after a return; the registration body of the contract's region (a reviewer of that
region) registers it with a 16-digit number or returns it with reasons. The public reads the registered
turnover (技术合同登记交易额) of the province or of one region; other services read it over RPC
(``integration``, through ``_turnover``).
"""
import uuid
from decimal import Decimal

from prometheus_client import Counter

from ttp_common import auth, web
from ttp_common.errors import Forbidden, NotFound, ValidationFailed, field_error
from ttp_common.mongo import next_serial
from ttp_common.reference import SICHUAN_REGIONS
from ttp_common.web import http

from .. import domain
from ..documents import AchievementReplica, Auction, Contract, Listing, now_ms
from ..domain import ContractIn, ReturnIn, cents
from .common import TransactionsHelpers

CONTRACT_SUBMITTED = "transactions.contract.submitted.v1"
CONTRACT_RETURNED = "transactions.contract.returned.v1"
CONTRACT_REGISTERED = "transactions.contract.registered.v1"
PROVINCE = "510000"  # 四川省: as a region filter, every division

CONTRACTS_REGISTERED = Counter("ttp_transactions_contracts_registered_total", "Technology contracts registered",
                               ["contract_type"])
TECHNOLOGY_TURNOVER = Counter("ttp_transactions_registered_technology_yuan_total",
                              "Technology transaction amount (技术交易额) of registered contracts, yuan (a float "
                              "for dashboards; exact figures: GET /api/v1/turnover)")


class ContractEntrypoints(TransactionsHelpers):
    """Contracts, their review and the turnover."""

    def _contract_origin(self, uow, body):
        """(listing_id, auction_id, achievement_id, programme, buyer) checked against the market's records;
        the buyer (given, or the auction's winner) is required and is not the seller. The achievement must be
        published, unless the contract names a sale made before the registry withdrew it (a sold auction or a
        listing closed as sold)."""
        listing_id, achievement_id, buyer = body.listing_id, body.achievement_id, body.buyer_organization_id
        sold = bool(body.auction_id)  # checked below: only a sold auction is accepted
        if body.auction_id:
            doc = self._coll(Auction, uow).find_one({"_id": body.auction_id}, session=uow.session)
            if doc is None or doc["status"] != "sold":
                raise ValidationFailed.at("auction_id", "not a sold auction")
            if doc["seller_organization_id"] != body.seller_organization_id:
                raise ValidationFailed.at("seller_organization_id", "not the auction's seller")
            if buyer not in (None, doc["leader_organization_id"]):
                raise ValidationFailed.at("buyer_organization_id", "not the auction's winner")
            if listing_id not in (None, doc["listing_id"]):
                raise ValidationFailed.at("listing_id", "not the auctioned listing")
            listing_id, buyer = doc["listing_id"], doc["leader_organization_id"]
        if listing_id:
            doc = self._coll(Listing, uow).find_one({"_id": listing_id}, session=uow.session)
            if doc is None:
                raise ValidationFailed.at("listing_id", "no such listing")
            if doc["seller_organization_id"] != body.seller_organization_id:
                raise ValidationFailed.at("seller_organization_id", "not the listing's seller")
            if achievement_id not in (None, doc["achievement_id"]):
                raise ValidationFailed.at("achievement_id", "not the listed achievement")
            achievement_id = doc["achievement_id"]
            sold = sold or doc.get("close_reason") == "sold"
        programme = None
        if achievement_id:
            replica = self._coll(AchievementReplica, uow).find_one({"_id": achievement_id}, session=uow.session)
            # unknown, or withdrawn by the registry with no sale made before
            if replica is None or (replica.get("status") != "published" and not sold):
                raise ValidationFailed.at("achievement_id", "not an achievement the registry has published")
            programme = replica.get("programme")
        problem = domain.check_parties(body.seller_organization_id, buyer, body.buyer_name)
        if problem:
            raise ValidationFailed.at(*problem)
        return listing_id, body.auction_id, achievement_id, programme, buyer

    def _contract_fields(self, uow, body):
        listing_id, auction_id, achievement_id, programme, buyer = self._contract_origin(uow, body)
        return {**body.model_dump(exclude={"listing_id", "auction_id", "achievement_id", "buyer_organization_id"}),
                "listing_id": listing_id, "auction_id": auction_id, "achievement_id": achievement_id,
                "programme": programme, "buyer_organization_id": buyer}

    @staticmethod
    def _submitted_data(contract, resubmission):
        return {"contract_id": contract.id, "resubmission": resubmission, "submitted_at": contract.submitted_at,
                **{k: contract[k] for k in ("contract_type", "contract_amount", "technology_transaction_amount",
                                            "seller_organization_id", "buyer_organization_id", "region_code",
                                            "listing_id", "auction_id", "achievement_id")}}

    @staticmethod
    def _check_party(principal, fields):
        """The caller's organization is the seller or the buyer (the buyer may come from the auction)."""
        if not auth.acts_for(principal, fields["seller_organization_id"], fields["buyer_organization_id"]):
            raise Forbidden("only a party to the contract may submit it",
                            [field_error("seller_organization_id", "the caller's organization is not a party")])

    @http("POST", "/api/v1/contracts")
    @web.api
    def submit_contract(self, request):
        """A party (seller or buyer organization) submits a contract for registration (认定登记申请)."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, ContractIn)
        now = now_ms()

        def work(uow):
            fields = self._contract_fields(uow, body)
            self._check_party(principal, fields)
            contract = Contract(id=uuid.uuid4().hex, status="submitted", submitted_at=now, submitted_by=principal.sub,
                                submitted_by_organization_id=self._org_of(principal), **fields)
            uow.insert(contract)
            uow.emit(CONTRACT_SUBMITTED, self._submitted_data(contract, False), subject=contract.id)
            return contract

        contract = self._act(work, self.actor(request, principal))
        return web.json_response(contract.view(), status=201, headers={"Location": f"/api/v1/contracts/{contract.id}"})

    @http("PUT", "/api/v1/contracts/<string:contract_id>")
    @web.api
    def resubmit_contract(self, request, contract_id):
        """After a return, the submitting party corrects and resubmits; the review starts again."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, ContractIn)
        now = now_ms()

        def work(uow):
            contract = self._get(Contract, contract_id, uow, "no such contract")
            if not auth.acts_for(principal, contract.seller_organization_id, contract.buyer_organization_id):
                raise NotFound("no such contract")
            status = domain.transition(domain.CONTRACT_TRANSITIONS, "resubmit", contract.status)
            fields = self._contract_fields(uow, body)
            self._check_party(principal, fields)
            for name, value in fields.items():
                setattr(contract, name, value)
            contract.status, contract.submitted_at, contract.submitted_by = status, now, principal.sub
            uow.replace(contract)
            uow.emit(CONTRACT_SUBMITTED, self._submitted_data(contract, True), subject=contract.id)
            return contract

        return web.json_response(self._act(work, self.actor(request, principal)).view())

    def _may_see_contract(self, principal, contract):
        if principal.role == auth.Roles.ADMIN:
            return True
        if principal.role == auth.Roles.INSTITUTION:
            return principal.org in (contract.seller_organization_id, contract.buyer_organization_id)
        if principal.role == auth.Roles.REVIEWER:
            return auth.region_covers(principal.region, contract.region_code)
        return False

    @http("GET", "/api/v1/contracts/<string:contract_id>")
    @web.api
    def get_contract(self, request, contract_id):
        """The parties, the registration body of its region and admins."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        contract = self._get(Contract, contract_id, missing="no such contract")
        if not self._may_see_contract(principal, contract):
            raise NotFound("no such contract")
        return web.json_response(contract.view())

    @http("GET", "/api/v1/contracts")
    @web.api
    def list_contracts(self, request):
        """A registration body's queue (status=submitted, its region), a party's own contracts, or all (admins)."""
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        query = {}
        status = web.query_param(request, "status", choices=("submitted", "returned", "registered"))
        if status:
            query["status"] = status
        region = self._region(request, province=True)
        if principal.role == auth.Roles.REVIEWER:
            region = region or principal.region
            auth.require_region(principal, region)
        if principal.role == auth.Roles.INSTITUTION:
            query["$or"] = [{"seller_organization_id": principal.org}, {"buyer_organization_id": principal.org}]
        if region and region != PROVINCE:  # the province's code means every division
            query["region_code"] = region
        docs = self._coll(Contract).find(query).sort([("submitted_at", 1), ("_id", 1)]).limit(500)
        return web.json_response({"items": [Contract._from_son(d).view() for d in docs]})

    @http("POST", "/api/v1/contracts/<string:contract_id>/<string:action>")
    @web.api
    def review_contract(self, request, contract_id, action):
        """register (with a registration number) or return (with reasons): the registration body of the
        contract's region (a reviewer of that region) or admins."""
        if action not in ("register", "return"):
            raise NotFound(f"no action {action!r}; one of: register, return")
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, ReturnIn) if action == "return" else None
        now = now_ms()

        def work(uow):
            contract = self._get(Contract, contract_id, uow, "no such contract")
            if principal.role == auth.Roles.REVIEWER:
                auth.require_region(principal, contract.region_code)
            contract.status = domain.transition(domain.CONTRACT_TRANSITIONS, action, contract.status)
            if action == "return":
                contract.return_reasons = body.reasons
                uow.replace(contract)
                uow.emit(CONTRACT_RETURNED, {
                    "contract_id": contract.id, "seller_organization_id": contract.seller_organization_id,
                    "region_code": contract.region_code, "reasons": body.reasons, "returned_at": now},
                    subject=contract.id)
                return contract
            serial = next_serial(uow.db, f"contract|{contract.region_code}|{now.year}")  # after every check
            contract.registration_number = domain.registration_number(contract.region_code, now.year, serial)
            contract.registered_at, contract.registered_by, contract.return_reasons = now, principal.sub, []
            uow.replace(contract)
            uow.emit(CONTRACT_REGISTERED, {
                "contract_id": contract.id, "registration_number": contract.registration_number,
                "registered_at": now, "broker_person_ids": list(contract.broker_person_ids),
                **{k: contract[k] for k in ("contract_type", "contract_amount", "technology_transaction_amount",
                                            "seller_organization_id", "region_code", "buyer_organization_id",
                                            "achievement_id", "programme", "listing_id", "auction_id")}},
                subject=contract.id)
            return contract

        contract = self._act(work, self.actor(request, principal))
        if action == "register":
            CONTRACTS_REGISTERED.labels(contract.contract_type).inc()
            TECHNOLOGY_TURNOVER.inc(float(contract.technology_transaction_amount))
        return web.json_response(contract.view())

    @staticmethod
    def _region(request, province=False):
        """The ``region`` query parameter: one of Sichuan's 21 division codes, or (``province``, where it
        means every division) the province's own 510000; None when absent."""
        return web.query_param(request, "region", choices=(PROVINCE, *SICHUAN_REGIONS) if province
                               else tuple(SICHUAN_REGIONS))

    def _turnover(self, region=None):
        query = {"status": "registered"}
        if region and region != PROVINCE:
            query["region_code"] = region
        count, amount, technology = 0, Decimal(0), Decimal(0)
        for doc in self._coll(Contract).find(query, {"contract_amount": 1, "technology_transaction_amount": 1}):
            count += 1
            amount += Decimal(doc["contract_amount"])
            technology += Decimal(doc["technology_transaction_amount"])
        return {"region_code": region or PROVINCE, "contracts": count, "contract_amount": cents(amount),
                "technology_transaction_amount": cents(technology)}

    @http("GET", "/api/v1/turnover")
    @web.api
    def get_turnover(self, request):
        """Public: registered technology contract turnover (技术合同登记交易额), optionally of one region."""
        region = self._region(request, province=True)
        return web.json_response(self._turnover(region))
