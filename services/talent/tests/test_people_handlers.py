"""The people handlers over a fake unit of work: what registering a person, a post or a programme selection
and updating a person store and announce, and what they refuse, without any server."""
import datetime as dt

import pytest

from talent.documents import Person, Post
from talent.handlers import people as handlers
from talent.people import PersonIn, PersonUpdateIn, PostIn, TalentProgrammeIn
from ttp_common.auth import Principal, Roles
from ttp_common.errors import Forbidden
from ttp_common.refusals import Conflict, Invalid, NotFound

SCU = Principal(sub="hr-scu", role=Roles.INSTITUTION, org="org-scu")
OTHER = Principal(sub="hr-other", role=Roles.INSTITUTION, org="org-other")
ADMIN = Principal(sub="admin-1", role=Roles.ADMIN)
AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


def person_in(**fields):
    return PersonIn(**{"name": "陈技术经纪人", "kinds": ["broker"], "organization_id": "org-scu",
                       "contact": {"phone": "13912345678"}, "public_fields": ["name"], **fields})


def test_a_registration_stores_the_person_and_announces_no_personal_data(uow):
    person = handlers.register(uow, person_in(), SCU)

    stored = uow.get(Person, person.id)
    assert (stored.name, stored.contact["phone"], stored.created_by) == ("陈技术经纪人", "13912345678", "hr-scu")
    [event] = uow.events
    assert event.name == "talent.person.registered.v1" and event.subject == person.id
    assert event.data == {"person_id": person.id, "kinds": ["broker"], "organization_id": "org-scu"}


def test_an_institution_registers_only_its_own_people(uow):
    with pytest.raises(Forbidden):
        handlers.register(uow, person_in(), OTHER)
    assert uow.count(Person) == 0 and uow.events == []


def test_an_update_changes_only_the_keys_given_and_announces_which_without_their_values(uow):
    person = handlers.register(uow, person_in(fields=["新材料"]), ADMIN)

    updated = handlers.update(uow, person.id, PersonUpdateIn(public_fields=[], contact={"phone": "13900001111"}),
                              SCU, AT)

    assert updated.public_fields == [] and updated.fields == ["新材料"] and updated.contact["phone"] == "13900001111"
    assert (updated.updated_by, updated.updated_at) == ("hr-scu", AT)
    event = uow.events[-1]
    assert event.name == "talent.person.updated.v1" and event.subject == person.id
    assert event.data == {"person_id": person.id, "organization_id": "org-scu",
                          "changed_fields": ["contact", "public_fields"], "updated_at": AT}
    handlers.update(uow, person.id, PersonUpdateIn(fields=["新材料"]), SCU, AT)  # the same fields: no change
    assert uow.names() == ["talent.person.registered.v1", "talent.person.updated.v1"]
    with pytest.raises(Invalid, match="nothing to change"):
        handlers.update(uow, person.id, PersonUpdateIn(), SCU, AT)
    with pytest.raises(Forbidden):
        handlers.update(uow, person.id, PersonUpdateIn(fields=[]), OTHER, AT)
    with pytest.raises(NotFound, match="no such person"):
        handlers.update(uow, "nobody", PersonUpdateIn(fields=[]), SCU, AT)
    assert len(uow.events) == 2


def test_a_post_is_registered_once_per_organization_and_kind(uow):
    person = handlers.register(uow, person_in(), ADMIN)
    body = PostIn(organization_id="org-scu", starts_on="2026-09-01")

    post = handlers.register_post(uow, person.id, body, SCU)

    assert uow.get(Post, post.id).record == {"organization_id": "org-scu", "post_kind": "transfer_post",
                                             "starts_on": "2026-09-01"}
    assert uow.events[-1].data == {"person_id": person.id, "post_id": post.id, "organization_id": "org-scu",
                                   "post_kind": "transfer_post", "starts_on": dt.date(2026, 9, 1)}
    with pytest.raises(Conflict) as refused:
        handlers.register_post(uow, person.id, PostIn(organization_id="org-scu", starts_on="2026-10-01"), SCU)
    assert refused.value.field == "post_kind"
    assert uow.count(Post) == 1


def test_a_programme_selection_counts_once_per_programme_and_year_whatever_its_name(uow):
    person = handlers.register(uow, person_in(), ADMIN)
    selection = {"programme": "tianfu_talents", "programme_name": "天府万人计划", "year": 2020}

    joined = handlers.join_programme(uow, person.id, TalentProgrammeIn(**selection), SCU)

    assert uow.events[-1].name == "talent.person.programme_joined.v1"
    assert uow.events[-1].data["participation_id"] == joined.id
    with pytest.raises(Conflict) as refused:
        handlers.join_programme(uow, person.id, TalentProgrammeIn(**{**selection, "programme_name": "天府计划"}),
                                ADMIN)
    assert refused.value.field == "year"
    with pytest.raises(Forbidden):
        handlers.join_programme(uow, person.id, TalentProgrammeIn(**{**selection, "year": 2021}), OTHER)
    assert uow.count(Post) == 1
