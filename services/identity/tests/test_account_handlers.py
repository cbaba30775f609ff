"""The service layer over a fake unit of work: what account and client changes store, announce and audit,
and what they refuse, without any server."""
import datetime as dt

import pytest

from ttp_common.auth import Principal, Roles
from ttp_common.events import Actor
from ttp_common.refusals import Conflict, NotAllowed, TransitionRefused
from ttp_testing.fakes import FakeUnitOfWork

from identity.accounts import AccountIn, RoleChangeIn
from identity.clients import ClientIn
from identity.documents import DOCUMENTS, Account, AuditRecord, BrowserSession, Client, RefreshToken
from identity.handlers import Caller
from identity.handlers import accounts as handlers
from identity.handlers import clients as client_handlers

AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
LATER = AT + dt.timedelta(hours=1)


def caller(principal):
    return Caller(principal, Actor.from_principal(principal, ip="10.0.0.7"), "pytest")


ADMIN = caller(Principal(sub="admin-1", role=Roles.ADMIN))
CHENGDU_OFFICE = caller(Principal(sub="office-1", role=Roles.ADMIN, region="510100"))
ORG_ADMIN = caller(Principal(sub="orgadmin-1", role=Roles.INSTITUTION_ADMIN, org="org-1"))


@pytest.fixture
def uow():
    return FakeUnitOfWork(*DOCUMENTS, service="identity")


def new(uow, by=ADMIN, **fields):
    body = AccountIn(**{"username": "zhang.san", "display_name": "张三", "role": "institution",
                        "organization_id": "org-1", **fields})
    return handlers.create(uow, body, by, "$argon2id$fake", AT)


def audit_actions(uow):
    return [record.action for record in uow.find(AuditRecord, {}, sort=[("at", 1)])]


def test_an_account_is_created_with_a_one_time_password_announced_and_audited(uow):
    account = new(uow)
    stored = uow.get(Account, account.id)
    assert stored.must_change_password and stored.password_expires_at > AT and stored.status == "active"
    [event] = uow.events
    assert event.name == "identity.account.created.v1" and event.subject == account.id
    assert event.data["organization_id"] == "org-1" and event.data["role"] == "institution"
    assert not any("password" in key or "hash" in key for key in event.data)
    [record] = uow.find(AuditRecord, {})
    assert (record.action, record.actor_sub, record.address, record.target_id) == (
        "account.create", "admin-1", "10.0.0.7", account.id)


def test_a_username_is_taken_once(uow):
    new(uow)
    with pytest.raises(Conflict) as refused:
        new(uow, display_name="另一个张三")
    assert refused.value.field == "username" and uow.count(Account) == 1


def test_an_institution_administrator_manages_only_its_own_organizations_staff(uow):
    assert new(uow, by=ORG_ADMIN).organization_id == "org-1"
    with pytest.raises(NotAllowed):
        new(uow, by=ORG_ADMIN, username="li.si", organization_id="org-2")
    with pytest.raises(NotAllowed):
        new(uow, by=ORG_ADMIN, username="wang.wu", role="investor")
    assert uow.count(Account) == 1


def test_a_region_office_manages_only_offices_inside_its_region(uow):
    reviewer = new(uow, by=CHENGDU_OFFICE, username="cd.reviewer", role="reviewer", organization_id=None,
                   region_code="510100")
    assert reviewer.region_code == "510100"
    with pytest.raises(NotAllowed):
        new(uow, by=CHENGDU_OFFICE, username="my.reviewer", role="reviewer", organization_id=None, region_code="510700")
    with pytest.raises(NotAllowed):
        handlers.change_role(uow, reviewer.id, RoleChangeIn(role="admin"), CHENGDU_OFFICE, LATER)


def test_a_role_change_ends_the_sessions_and_announces_before_and_after(uow):
    account = new(uow)
    uow.insert(BrowserSession(id="s1", secret_hash="h1", account_id=account.id, expires_at=LATER))
    uow.insert(RefreshToken(id="t1", family_id="f1", client_id="portal", account_id=account.id, session_id="s1",
                            auth_time=1, expires_at=LATER))
    handlers.change_role(uow, account.id, RoleChangeIn(role="institution_admin", organization_id="org-1",
                                                       reason="机构指定"), ADMIN, LATER)
    assert uow.get(Account, account.id).role == "institution_admin"
    assert uow.get(BrowserSession, "s1").ended_at is not None and uow.get(RefreshToken, "t1").revoked_at is not None
    event = uow.events[-1]
    assert event.name == "identity.account.role_changed.v1"
    assert (event.data["previous_role"], event.data["role"], event.data["reason"]) == (
        "institution", "institution_admin", "机构指定")
    assert audit_actions(uow) == ["account.create", "account.role_change"]


def test_disable_then_enable_and_the_transitions_refused(uow):
    account = new(uow)
    uow.insert(RefreshToken(id="t1", family_id="f1", client_id="portal", account_id=account.id, session_id="s1",
                            auth_time=1, expires_at=LATER))
    handlers.disable(uow, account.id, "离职", ADMIN, LATER)
    assert uow.get(Account, account.id).status == "disabled" and uow.get(RefreshToken, "t1").revoked_at
    with pytest.raises(TransitionRefused):
        handlers.disable(uow, account.id, None, ADMIN, LATER)
    handlers.enable(uow, account.id, None, ADMIN, LATER)
    assert uow.names()[-2:] == ["identity.account.disabled.v1", "identity.account.enabled.v1"]
    assert uow.events[-2].data["reason"] == "离职"


def test_nobody_disables_themselves_through_the_administration_api(uow):
    me = new(uow, username="orgadmin", role="institution_admin")
    with pytest.raises(NotAllowed, match="self-service"):
        handlers.disable(uow, me.id, None, caller(Principal(sub=me.id, role=Roles.INSTITUTION_ADMIN, org="org-1")), LATER)


def test_a_lock_is_announced_once_and_lifted_by_an_administrator(uow):
    account = new(uow)
    record = handlers.lock(uow, account.id, 10, LATER, "203.0.113.9")
    assert record.action == "account.lock" and record.address == "203.0.113.9"
    assert handlers.lock(uow, account.id, 11, LATER, "203.0.113.9") is None
    assert uow.get(Account, account.id).locked
    handlers.unlock(uow, account.id, ADMIN, LATER)
    stored = uow.get(Account, account.id)
    assert not stored.locked and stored.failed_count == 0
    assert uow.names()[-2:] == ["identity.account.locked.v1", "identity.account.unlocked.v1"]
    assert uow.events[-2].data["failed_sign_ins"] == 10
    with pytest.raises(TransitionRefused):
        handlers.unlock(uow, account.id, ADMIN, LATER)


def test_a_password_reset_replaces_the_hash_and_forces_a_change(uow):
    account = new(uow)
    uow.update(Account, {"_id": account.id}, {"$set": {"must_change_password": False}})
    handlers.reset_password(uow, account.id, ADMIN, "$argon2id$other", LATER)
    stored = uow.get(Account, account.id)
    assert stored.password_hash == "$argon2id$other" and stored.must_change_password
    assert audit_actions(uow)[-1] == "account.password_reset"
    assert uow.names() == ["identity.account.created.v1"]  # a reset is audited, not an event


# -- clients --------------------------------------------------------------------------------

def service_client(**fields):
    return ClientIn(**{"name": "成都市成果管理系统", "kind": "service", "scopes": ["registry:read"], **fields})


def test_a_client_secret_rotates_with_an_overlap_and_a_revoked_client_stops(uow):
    client = client_handlers.register(uow, service_client(), ADMIN, "$argon2id$one", AT)
    assert client.grant_types == ["client_credentials"] and client.secrets[0]["expires_at"] is None
    client_handlers.rotate_secret(uow, client.id, ADMIN, "$argon2id$two", AT, overlap_hours=24)
    first, second = uow.get(Client, client.id).secrets
    assert first["hash"] == "$argon2id$one" and first["expires_at"] == AT + dt.timedelta(hours=24)
    assert second["hash"] == "$argon2id$two" and second["expires_at"] is None
    client_handlers.rotate_secret(uow, client.id, ADMIN, "$argon2id$three", AT + dt.timedelta(hours=30), 24)
    assert [s["hash"] for s in uow.get(Client, client.id).secrets] == ["$argon2id$two", "$argon2id$three"]
    client_handlers.revoke(uow, client.id, "系统下线", ADMIN, AT + dt.timedelta(hours=31))
    assert uow.get(Client, client.id).status == "revoked"
    with pytest.raises(TransitionRefused):
        client_handlers.rotate_secret(uow, client.id, ADMIN, "$argon2id$four", LATER, 24)
    assert audit_actions(uow) == ["client.register", "client.rotate_secret", "client.rotate_secret", "client.revoke"]


def test_only_the_platforms_administrators_register_clients(uow):
    with pytest.raises(NotAllowed):
        client_handlers.register(uow, service_client(), CHENGDU_OFFICE, "$argon2id$one", AT)
