"""Transactions service entrypoints."""
import datetime as dt
import uuid

from mongoengine import DateTimeField, DecimalField, Document, StringField
from ttp_common.web import http
from pymongo import ReturnDocument

from ttp_common import auth, web
from ttp_common.service_base import PlatformService, service_openapi

from .domain import ContractRegistrationIn, registration_number

CONTRACT_REGISTERED = "transactions.contract.registered.v1"


class Contract(Document):
    meta = {"collection": "contracts"}

    id = StringField(primary_key=True)
    registration_number = StringField(required=True, unique=True)
    contract_type = StringField(required=True)
    contract_amount = DecimalField(required=True, precision=2, force_string=True)
    technology_transaction_amount = DecimalField(required=True, precision=2, force_string=True)
    seller_organization_id = StringField(required=True)
    region_code = StringField(required=True)
    registered_at = DateTimeField(required=True)
    registered_by = StringField(required=True)

    def public(self):
        return {k: self[k] for k in ("id", "registration_number", "contract_type", "contract_amount",
                                     "technology_transaction_amount", "seller_organization_id",
                                     "region_code", "registered_at")}


class TransactionsService(PlatformService):
    name = "transactions"
    documents = [Contract]
    openapi_spec = service_openapi(
        "transactions", "技术交易网络系统 Transactions API",
        "The online technology market and technology contract registration (技术合同认定登记).",
        paths={"/api/v1/contract-registrations": {"post": {
            "summary": "Register a technology contract (registration bodies: reviewer, admin)",
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": True, **web.json_body("ContractRegistrationIn")},
            "responses": {"201": {"description": "Registered", "content": {"application/json": {
                "schema": {"type": "object"}}}}, **web.error_responses(400, 401, 403, 413, 415)},
        }}},
        schemas=web.model_schema(ContractRegistrationIn),
    )

    @http("POST", "/api/v1/contract-registrations")
    @web.api
    def register_contract(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.REVIEWER, auth.Roles.ADMIN)
        body = web.parse_body(request, ContractRegistrationIn)
        if principal.role == auth.Roles.REVIEWER:
            auth.require_region(principal, body.region_code)
        now = dt.datetime.now(dt.timezone.utc)

        def work(uow):
            serial = uow.db["sequences"].find_one_and_update(
                {"_id": f"contract|{body.region_code}|{now.year}"}, {"$inc": {"value": 1}},
                upsert=True, return_document=ReturnDocument.AFTER, session=uow.session)["value"]
            contract = Contract(id=uuid.uuid4().hex, registration_number=registration_number(body.region_code, now.year, serial),
                                registered_at=now, registered_by=principal.sub, **body.model_dump())
            uow.insert(contract)
            uow.emit(CONTRACT_REGISTERED, {
                "contract_id": contract.id, "registration_number": contract.registration_number,
                "contract_type": contract.contract_type, "contract_amount": body.contract_amount,
                "technology_transaction_amount": body.technology_transaction_amount,
                "seller_organization_id": contract.seller_organization_id, "region_code": contract.region_code,
                "registered_at": now,
            }, subject=contract.id)
            return contract

        contract = self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response(contract.public(), status=201)
