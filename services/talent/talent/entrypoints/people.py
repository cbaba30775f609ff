"""People (人才): registration, the public search, a person's record (full or as consented), updates of
contact details, fields and consent, transfer posts and talent programme selections; and the public view
for other services. The work is in ``talent.handlers.people``.
"""
from typing import Literal

from pydantic import Field

from ttp_common import clock, paging
from ttp_common.auth import Roles
from ttp_common.endpoints import created, endpoint
from ttp_common.rpc import rpc

from .. import people
from ..documents import Person, Post
from ..handlers import brokers
from ..handlers import people as handlers
from ..people import PERSON_KINDS, PersonIn, PersonUpdateIn, PostIn, TalentProgrammeIn
from .common import RECORD, rpc_reply

INSTITUTIONS = (Roles.INSTITUTION, Roles.ADMIN)


class PeopleQuery(paging.CursorParams):
    # the parameters' stored names are also the consent's names (people.PUBLIC_FIELDS)
    kind: Literal[tuple(PERSON_KINDS)] | None = Field(
        None, description=" · ".join(PERSON_KINDS) + " (needs consent to show kinds)")
    field: str | None = Field(None, description="专业领域 (needs consent to show fields)")
    organization: str | None = Field(None, description="所在单位 id (needs consent to show organization_id)")


class PeopleEntrypoints:
    """People, posts and talent programmes."""

    @endpoint("POST", "/api/v1/people", roles=INSTITUTIONS, body=PersonIn, status=201, response=RECORD,
              summary="Register a person (institution for its own organization, admin); the response is the full "
                      "record, contact and ID number included, for the registrant only")
    def register_person(self, ctx):
        person = self.store.transact(handlers.register, ctx.body, ctx.principal, actor=ctx.actor)
        return created(people.private_view(person.as_dict()), f"/api/v1/people/{person.id}")

    @endpoint("GET", "/api/v1/people", query=PeopleQuery, response=RECORD,
              summary="Find people (public), by id (not by registration time, which nobody consented to show): "
                      "{items, next_cursor}, each only with what the person consented to show "
                      "(as GET /people/{person_id}), never contact details or ID numbers; a filter finds only "
                      "people who consented to show what it filters on, and people who consented to show nothing "
                      "are not listed")
    def search_people(self, ctx):
        """Public: people by ``kind``, ``field`` and ``organization``, by id, cursor-paged; each as the public
        view. A filter only finds people who consented to show what it filters on, and nobody who consented
        to show nothing is listed. Not newest first, and the cursor holds only the last id shown: no one
        consented to show when they were registered (``paging.by_id``)."""
        q = ctx.query
        filters = {"kinds": q.kind, "fields": q.field, "organization_id": q.organization}
        query = {name: value for name, value in filters.items() if value is not None}
        # the stored names filtered on are also the consent's names (people.PUBLIC_FIELDS)
        query["public_fields"] = {"$all": list(query)} if query else {"$in": list(people.PUBLIC_FIELDS)}
        docs, next_cursor = paging.by_id(self.store.collection(Person), query, q.limit, q.cursor)
        return {"items": [people.public_view(self.store.load(Person, d).as_dict()) for d in docs],
                "next_cursor": next_cursor}

    @endpoint("GET", "/api/v1/people/<string:person_id>", response=RECORD,
              summary="A person: the full record for their organization and admins; for anyone else only the "
                      "fields the person consented to show (public_fields)")
    def get_person(self, ctx, person_id):
        """The full record for the person's organization and admins; for anyone else, what they consented to show."""
        person = handlers.person(self.store, person_id)
        if not handlers.may_see(ctx.principal, person):
            return people.public_view(person.as_dict())
        view = people.private_view(person.as_dict())
        view["broker"] = brokers.broker(self.store, person.id, clock.china_date(ctx.now))
        view["posts"] = [post.as_dict() for post in self.store.find(Post, {"person_id": person.id},
                                                                    sort=[("created_at", 1)])]
        return view

    @endpoint("PATCH", "/api/v1/people/<string:person_id>", roles=INSTITUTIONS, body=PersonUpdateIn,
              response=RECORD, errors=(409,),
              summary="Change a person's contact details, fields or consent (public_fields; [] withdraws it); only "
                      "the keys given change (the person's organization, admins); talent.person.updated.v1 names the "
                      "fields that changed, not their values")
    def update_person(self, ctx, person_id):
        """The person's organization (or an admin) changes their contact details, fields or consent
        (public_fields); only the keys given change. The event says which fields changed, never their values
        (contact details never go into an event); the record keeps who changed it last."""
        person = self.store.transact(handlers.update, person_id, ctx.body, ctx.principal, ctx.now, actor=ctx.actor)
        return people.private_view(person.as_dict())

    @endpoint("POST", "/api/v1/people/<string:person_id>/posts", roles=INSTITUTIONS, body=PostIn, status=201,
              response=RECORD, errors=(409,),
              summary="Register a technology transfer post (科技成果转移转化岗) the organization gave one of its own "
                      "people; 409 if already registered (same organization and post kind)")
    def register_post(self, ctx, person_id):
        """An institution registers a transfer post (科技成果转移转化岗) it gave one of its own people; admins
        too. Once per person, organization and post kind (409)."""
        return self.store.transact(handlers.register_post, person_id, ctx.body, ctx.principal,
                                   actor=ctx.actor).as_dict()

    @endpoint("POST", "/api/v1/people/<string:person_id>/talent-programmes", roles=INSTITUTIONS,
              body=TalentProgrammeIn, status=201, response=RECORD, errors=(409,),
              summary="Register the person's selection into a talent programme (千人计划 and similar); 409 if "
                      "already registered (same programme and year, whatever the programme_name; under other, "
                      "the same programme_name)")
    def join_talent_programme(self, ctx, person_id):
        """The person's organization (or an admin) registers their selection into a talent programme (千人计划…);
        once per programme and year, whatever the programme_name (409; ``people.participation_key``)."""
        return self.store.transact(handlers.join_programme, person_id, ctx.body, ctx.principal,
                                   actor=ctx.actor).as_dict()

    @rpc
    def get_public_person(self, person_id):
        """For other services: what the person consented to show, or None."""
        person = self.store.find_one(Person, {"_id": str(person_id)})
        return None if person is None else rpc_reply(people.public_view(person.as_dict()))
