"""The rule modules, without servers: passwords, the lockout arithmetic, scopes, who manages whom, TOTP and
recovery codes, client registrations and token claims."""
import datetime as dt
from types import SimpleNamespace

import pyotp
import pytest
from pydantic import ValidationError

from ttp_common.auth import Principal, Roles
from ttp_common.refusals import Invalid, NotAllowed, TransitionRefused

from identity import accounts, clients, lockout, passwords, scopes, tokens, totp
from identity.settings import Settings

AT = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)


# -- passwords ------------------------------------------------------------------------------

@pytest.mark.parametrize("password, broken", [
    ("short-Pw1", "at least 12 characters"),
    ("zhang.san.2026!", "not the account name"),          # contains the account name
    ("NAS.GNAHZ", "not the account name"),                 # the name reversed (and short)
    ("Password1234", "not a common password"),             # case-insensitive
    ("1qaz2wsx3edc", "not a common password"),
    ("woaini1314520", "not a common password"),
    ("aaaaaaaaaaab", "at least 5 different characters"),
    ("x" * 129, "at most 128 characters"),
])
def test_passwords_breaking_a_rule_are_refused_naming_it(password, broken):
    with pytest.raises(Invalid) as refused:
        passwords.check(password, "zhang.san")
    assert broken in refused.value.message and refused.value.field == "password"


def test_a_good_password_passes_and_one_time_passwords_always_do():
    passwords.check("蜀道难-难于上青天-2026", "zhang.san")
    for _ in range(20):
        assert passwords.problems(passwords.one_time_password(), "zhang.san") == []


def test_the_common_password_list_ships_with_the_service():
    common = passwords.common_passwords()
    assert len(common) > 200 and "123456" in common and "woaini1314" in common


def test_argon2id_hashes_verify_in_constant_form_and_tell_when_to_rehash():
    hasher = passwords.PasswordHasher(time_cost=1, memory_kib=8192, offload=False)
    hashed = hasher.hash("a-long-enough-password")
    assert hashed.startswith("$argon2id$") and "a-long-enough-password" not in hashed
    assert hasher.verify(hashed, "a-long-enough-password")
    assert not hasher.verify(hashed, "a-long-enough-passwore")
    assert not hasher.verify("not-a-hash", "x") and not hasher.verify_dummy("x")
    stronger = passwords.PasswordHasher(time_cost=2, memory_kib=8192, offload=False)
    assert stronger.needs_rehash(hashed) and not hasher.needs_rehash(hashed)


# -- the lockout arithmetic -----------------------------------------------------------------

def test_the_sixth_attempt_within_a_minute_is_over_the_account_limit():
    settings = Settings()
    assert [lockout.over_limit(n, settings.account_failures_per_minute) for n in range(1, 8)] == [
        False, False, False, False, False, True, True]
    assert lockout.throttled(6, 1, settings) == "account"
    assert lockout.throttled(1, 21, settings) == "address"
    assert lockout.throttled(5, 20, settings) is None
    assert lockout.window_start(AT) == AT - dt.timedelta(minutes=1)


def test_the_lock_falls_at_the_configured_count_and_never_when_it_is_zero():
    assert not lockout.lock_due(9, 10) and lockout.lock_due(10, 10) and lockout.lock_due(11, 10)
    assert not lockout.lock_due(100, 0)


# -- scopes ---------------------------------------------------------------------------------

def test_scopes_parse_and_cover():
    assert str(scopes.parse("transactions:contracts:write")) == "transactions:contracts:write"
    assert scopes.covers("registry:write", "registry:read")
    assert scopes.covers("registry:read", "registry:achievements:read")
    assert not scopes.covers("registry:read", "registry:write")
    assert not scopes.covers("transactions:contracts:write", "transactions:listings:write")
    assert not scopes.covers("finance:read", "registry:read")
    assert scopes.audiences(["registry:read", "transactions:contracts:write", "openid"]) == ["registry", "transactions"]
    assert scopes.split("b a b") == ["b", "a"]
    assert scopes.normalise(["registry:read", "registry:read", "openid"], openid=True) == ["openid", "registry:read"]


@pytest.mark.parametrize("text", ["registry", "registry:delete", "payroll:read", "registry:Contracts:read",
                                  "a:b:c:d", "openid"])
def test_scopes_that_are_not_service_scopes_are_refused(text):
    with pytest.raises(Invalid):
        scopes.parse(text)


# -- who manages whom -----------------------------------------------------------------------

PLATFORM_ADMIN = Principal(sub="a1", role=Roles.ADMIN)
CHENGDU_OFFICE = Principal(sub="a2", role=Roles.ADMIN, region="510100")
ORG_ADMIN = Principal(sub="a3", role=Roles.INSTITUTION_ADMIN, org="org-1")
REVIEWER = Principal(sub="r1", role=Roles.REVIEWER, region="510100")


@pytest.mark.parametrize("actor, role, org, region, allowed", [
    (PLATFORM_ADMIN, "auditor", None, None, True),
    (PLATFORM_ADMIN, "institution", "org-9", None, True),
    (CHENGDU_OFFICE, "reviewer", None, "510100", True),
    (CHENGDU_OFFICE, "registrar", None, "510104", True),    # a district of Chengdu
    (CHENGDU_OFFICE, "reviewer", None, "510700", False),   # Mianyang
    (CHENGDU_OFFICE, "reviewer", None, "510000", False),   # the province is wider than Chengdu
    (CHENGDU_OFFICE, "admin", None, None, False),          # never a platform administrator
    (CHENGDU_OFFICE, "institution", "org-1", None, False),
    (CHENGDU_OFFICE, "auditor", None, None, False),
    (ORG_ADMIN, "institution", "org-1", None, True),
    (ORG_ADMIN, "institution_admin", "org-1", None, True),
    (ORG_ADMIN, "institution", "org-2", None, False),
    (ORG_ADMIN, "investor", "org-1", None, False),
    (REVIEWER, "institution", "org-1", None, False),
])
def test_who_may_manage_which_account(actor, role, org, region, allowed):
    assert accounts.may_manage(actor, role, org, region) is allowed


@pytest.mark.parametrize("fields, field", [
    ({"role": "institution"}, "organization_id"),
    ({"role": "reviewer"}, "region_code"),
    ({"role": "reviewer", "region_code": "510100", "organization_id": "o"}, "organization_id"),
    ({"role": "auditor", "region_code": "510100"}, "region_code"),
    ({"role": "client"}, "role"),
    ({"role": "public"}, "role"),
])
def test_what_each_role_belongs_to(fields, field):
    with pytest.raises(Invalid) as refused:
        accounts.AccountIn(username="someone", display_name="某人", **fields)
    assert refused.value.field == field


def test_usernames_are_normalised_and_checked():
    assert accounts.AccountIn(username=" Zhang.San ", display_name="张三", role="auditor").username == "zhang.san"
    with pytest.raises(ValueError):
        accounts.AccountIn(username="张三", display_name="张三", role="auditor")


def test_nobody_manages_themselves_or_escalates_through_a_role_change():
    own = SimpleNamespace(id="a2", role="admin", organization_id=None, region_code="510100")
    with pytest.raises(NotAllowed):
        accounts.check_manage_account(CHENGDU_OFFICE, own)
    reviewer = SimpleNamespace(id="r9", role="reviewer", organization_id=None, region_code="510100")
    with pytest.raises(NotAllowed):
        accounts.check_role_change(CHENGDU_OFFICE, reviewer, accounts.RoleChangeIn(role="admin"))
    with pytest.raises(TransitionRefused):
        accounts.check_role_change(CHENGDU_OFFICE, reviewer, accounts.RoleChangeIn(role="reviewer", region_code="510100"))
    accounts.check_role_change(CHENGDU_OFFICE, reviewer, accounts.RoleChangeIn(role="registrar", region_code="510100"))


def test_privileged_roles_need_two_factors():
    assert {role for role in Roles if role not in (Roles.PUBLIC, Roles.CLIENT) and accounts.is_privileged(role)} == {
        Roles.ADMIN, Roles.REVIEWER, Roles.REGISTRAR, Roles.AUDITOR}


# -- TOTP and recovery codes ----------------------------------------------------------------

def test_a_totp_code_is_accepted_once_within_the_drift_and_never_for_an_earlier_step():
    secret = totp.new_secret()
    step = totp.step_of(AT)
    code = pyotp.TOTP(secret).at(AT)
    assert totp.matching_step(secret, code, AT, last_step=0) == step
    assert totp.matching_step(secret, code, AT, last_step=step) is None          # replayed
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(AT - dt.timedelta(seconds=30)), AT, 0) == step - 1
    assert totp.matching_step(secret, pyotp.TOTP(secret).at(AT - dt.timedelta(seconds=90)), AT, 0) is None
    assert totp.matching_step(secret, "12345", AT, 0) is None and totp.matching_step(secret, "abcdef", AT, 0) is None


def test_enrolment_gives_an_otpauth_uri_and_a_qr_code():
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, "dev-admin")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    assert totp.qr_svg_data_uri(uri).startswith("data:image/svg+xml")


def test_recovery_codes_are_random_shown_once_and_stored_as_digests():
    shown, digests = totp.new_recovery_codes()
    assert len(set(shown)) == 10 and all(totp.looks_like_recovery_code(code) for code in shown)
    assert digests == [totp.recovery_digest(code) for code in shown]
    assert totp.recovery_digest(shown[0].upper().replace("-", "")) == digests[0]
    assert not any(code in digest for code in shown for digest in digests)


# -- clients and token claims ---------------------------------------------------------------

def test_client_registrations():
    service = clients.ClientIn(name="成都市科技局系统", kind="service", scopes=["registry:read", "registry:read"],
                               region_code="510100")
    assert service.scopes == ["registry:read"]
    web = clients.ClientIn(name="门户", kind="web", scopes=["openid"], redirect_uris=["https://portal.example/cb"])
    assert web.scopes == ["openid"]
    with pytest.raises(Invalid):
        clients.ClientIn(name="门户", kind="web", scopes=["registry:read"], redirect_uris=["https://p.example/cb"])
    with pytest.raises(Invalid):
        clients.ClientIn(name="系统", kind="service", scopes=["registry:read"], redirect_uris=["https://p.example/cb"])
    with pytest.raises(ValueError):
        clients.ClientIn(name="门户", kind="web", scopes=["openid"], redirect_uris=["http://portal.example/cb"])


def test_a_client_acts_as_a_role_of_its_organization_or_region():
    def registered(**given):
        return clients.ClientIn(name="外部系统", kind="service", scopes=["transactions:contracts:write"], **given)

    assert registered(region_code="510100").acts_as == "reviewer"  # a city's system sees what a city sees
    assert registered(region_code="510100", acts_as="registrar").acts_as == "registrar"
    assert registered(organization_id="org-1").acts_as == "institution"
    assert registered(organization_id="org-1", acts_as="investor").acts_as == "investor"
    assert registered().acts_as is None  # acts for nobody: the public
    for given, field in ((dict(acts_as="registrar"), "region_code"), (dict(acts_as="supervisor"), "organization_id"),
                         (dict(acts_as="institution", organization_id="o", region_code="510100"), "region_code"),
                         (dict(acts_as="reviewer", organization_id="o"), "region_code")):
        with pytest.raises(Invalid) as refused:
            registered(**given)
        assert refused.value.field == field, given
    with pytest.raises(ValidationError):
        registered(region_code="510100", acts_as="admin")  # never an administrator
    with pytest.raises(Invalid):
        clients.ClientIn(name="门户", kind="web", scopes=["openid"], redirect_uris=["https://p.example/cb"],
                         acts_as="institution")


def test_the_claims_of_a_person_and_of_a_client():
    account = SimpleNamespace(id="acc-1", role="reviewer", organization_id=None, region_code="510100",
                              username="dev-reviewer-chengdu")
    claims = tokens.person_claims(account, issuer="https://id.example", now=AT, ttl_seconds=900, client_id="portal",
                                  scope="openid", session_id="s-1", auth_time=1, amr=["pwd", "otp"])
    assert (claims["sub"], claims["aud"], claims["role"], claims["region"], claims["exp"] - claims["iat"]) == (
        "acc-1", "ttp", "reviewer", "510100", 900)
    assert "org" not in claims and claims["client_id"] == "portal" and claims["jti"]
    client = SimpleNamespace(id="svc-1", organization_id=None, region_code="510100", acts_as="registrar")
    claims = tokens.client_claims(client, issuer="https://id.example", now=AT, ttl_seconds=900,
                                  scope="registry:read", audiences=["registry"])
    assert (claims["sub"], claims["role"], claims["aud"], claims["region"], claims["acts_as"]) == (
        "svc-1", "client", "registry", "510100", "registrar")
    assert tokens.digest("x") != "x" and len(tokens.new_secret()) >= 43


def test_an_accounts_email_is_optional_and_must_look_like_an_address():
    base = {"username": "li.si", "display_name": "李四", "role": "institution", "organization_id": "org-1"}
    assert accounts.AccountIn(**base).email is None
    assert accounts.AccountIn(**base, email=" li.si@uni.edu.cn ").email == "li.si@uni.edu.cn"
    for wrong in ("li.si", "li si@uni.edu.cn", "li.si@localhost", "a@-b.cn", "<x@y.cn>", "a@b.cn,c@d.cn"):
        with pytest.raises(ValidationError):
            accounts.AccountIn(**base, email=wrong)
