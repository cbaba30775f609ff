"""People (人才): registering a person, changing their contact details, fields or consent, the transfer
posts (科技成果转移转化岗) and talent programme selections (人才计划) registered for them; and who may read a
person's full record. The rules are in ``talent.people``.
"""
import uuid

from pymongo.errors import DuplicateKeyError

from ttp_common import auth
from ttp_common.refusals import Conflict, NotFound

from .. import people
from ..documents import Person, Post

PERSON_REGISTERED = "talent.person.registered.v1"
POST_REGISTERED = "talent.person.post_registered.v1"
PROGRAMME_JOINED = "talent.person.programme_joined.v1"
PERSON_UPDATED = "talent.person.updated.v1"


def person(repo, person_id, field=None):
    """The person; ``NotFound`` naming ``field`` (the body's field that gave the id), if any."""
    found = repo.find_one(Person, {"_id": str(person_id)})
    if found is None:
        raise NotFound("no such person", field=field)
    return found


def may_see(principal, person):
    """The full record is for admins and the person's own organization (an institution of it)."""
    if principal.role == auth.Roles.ADMIN:
        return True
    return (principal.role == auth.Roles.INSTITUTION and person.organization_id is not None
            and principal.org == person.organization_id)


def register(uow, body, principal):
    """A person from ``body`` (``PersonIn``): an institution registers only its own organization's people."""
    if principal.role == auth.Roles.INSTITUTION:
        auth.require_org(principal, body.organization_id)
    data = body.model_dump(mode="json")
    registered = Person(id=uuid.uuid4().hex, created_by=principal.sub, **{**data, "contact": data["contact"] or {}})
    uow.insert(registered)
    uow.emit(PERSON_REGISTERED, {"person_id": registered.id, "kinds": list(registered.kinds),
                                 "organization_id": registered.organization_id}, subject=registered.id)
    return registered


def update(uow, person_id, body, principal, at):
    """The person's organization (or an admin) changes the keys ``body`` (``PersonUpdateIn``) gives; the record
    keeps who changed it last. The event names the fields that changed, never their values (contact details are
    personal data); nothing changed: no event."""
    changes = people.person_changes(body)
    current = person(uow, person_id)
    auth.require_org(principal, current.organization_id)
    changed = people.changed_fields(current.as_dict(), changes)
    uow.update(Person, {"_id": current.id}, {"$set": {**changes, "updated_at": at, "updated_by": principal.sub}})
    if changed:
        uow.emit(PERSON_UPDATED, {"person_id": current.id, "organization_id": current.organization_id,
                                  "changed_fields": changed, "updated_at": at}, subject=current.id)
    return person(uow, current.id)


def register_post(uow, person_id, body, principal):
    """A transfer post the organization (``body.organization_id``, the caller's) gave one of its own people;
    once per person, organization and post kind."""
    auth.require_org(principal, body.organization_id)
    holder = person(uow, person_id)
    auth.require_org(principal, holder.organization_id)
    post = Post(id=uuid.uuid4().hex, person_id=str(person_id), category="post", created_by=principal.sub,
                key=people.post_key(person_id, body), record=body.model_dump(mode="json"))
    try:
        uow.insert(post)
    except DuplicateKeyError:
        raise Conflict("this post is already registered for the person", field="post_kind",
                       detail="already registered at this organization") from None
    uow.emit(POST_REGISTERED, {"person_id": post.person_id, "post_id": post.id, **body.model_dump()},
             subject=post.person_id)
    return post


def join_programme(uow, person_id, body, principal):
    """The person's selection into a talent programme, registered by their organization (or an admin); once
    per programme and year, whatever the programme_name (``people.participation_key``)."""
    selected = person(uow, person_id)
    auth.require_org(principal, selected.organization_id)
    participation = Post(id=uuid.uuid4().hex, person_id=str(person_id), category="programme",
                         created_by=principal.sub, key=people.participation_key(person_id, body),
                         record=body.model_dump(mode="json"))
    try:
        uow.insert(participation)
    except DuplicateKeyError:
        raise Conflict("this participation is already registered for the person", field="year",
                       detail="already registered for this programme and year") from None
    uow.emit(PROGRAMME_JOINED, {"person_id": participation.person_id, "participation_id": participation.id,
                                "organization_id": selected.organization_id, **body.model_dump()},
             subject=participation.person_id)
    return participation
