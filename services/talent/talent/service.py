"""Talent service entrypoints."""
import uuid

from mongoengine import BooleanField, Document, ListField, StringField
from ttp_common.web import http

from ttp_common import auth, web
from ttp_common.service_base import PlatformService, service_openapi

from .domain import PersonIn

PERSON_REGISTERED = "talent.person.registered.v1"


class Person(Document):
    meta = {"collection": "people"}

    id = StringField(primary_key=True)
    name = StringField(required=True)
    kinds = ListField(StringField(), required=True)
    organization_id = StringField()
    public_profile = BooleanField(default=False)
    created_by = StringField(required=True)


class TalentService(PlatformService):
    name = "talent"
    documents = [Person]
    openapi_spec = service_openapi(
        "talent", "人才队伍 Talent API",
        "People, technology brokers and their certification, training, experts and rewards.",
        paths={"/api/v1/people": {"post": {
            "summary": "Register a person (institution for its own organization, admin)",
            "security": [{"bearerAuth": []}],
            "requestBody": {"required": True, **web.json_body("PersonIn")},
            "responses": {"201": {"description": "Registered", "content": {"application/json": {
                "schema": {"type": "object"}}}}, **web.error_responses(400, 401, 403, 413, 415)},
        }}},
        schemas=web.model_schema(PersonIn),
    )

    @http("POST", "/api/v1/people")
    @web.api
    def register_person(self, request):
        principal = self.principal(request)
        auth.require(principal, auth.Roles.INSTITUTION, auth.Roles.ADMIN)
        body = web.parse_body(request, PersonIn)
        if principal.role == auth.Roles.INSTITUTION:
            auth.require_org(principal, body.organization_id)
        person = Person(id=uuid.uuid4().hex, created_by=principal.sub, **body.model_dump())

        def work(uow):
            uow.insert(person)
            uow.emit(PERSON_REGISTERED, {"person_id": person.id, "kinds": list(person.kinds),
                                         "organization_id": person.organization_id}, subject=person.id)

        self.store.transact(work, actor=self.actor(request, principal))
        return web.json_response({"id": person.id, "kinds": person.kinds,
                                  "organization_id": person.organization_id}, status=201)
