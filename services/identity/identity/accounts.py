"""Accounts: what an account is, what each role belongs to, and who may manage whom. No I/O.

One role per account (a person with two duties has two accounts, as on government workstations).

    role                belongs to                      may manage accounts
    institution         its organization (registry id)  –
    institution_admin   its organization                institution and institution_admin of its organization
    investor            its organization                –
    supervisor          its organization (the 主管部门)  –
    reviewer            a region (GB/T 2260)            –
    registrar           a region (登记机构)              –
    admin               nothing: the platform           every account
    admin + region      a region's office               reviewer, registrar and admin accounts of divisions
                                                        inside its region (never a platform admin, never an
                                                        organization's accounts, never an auditor)
    auditor             nothing                         – (reads the security audit)

Privileged accounts (admin, reviewer, registrar, auditor) sign in with a second factor (TOTP).
Nobody changes an account into one they could not manage (no escalation), nor disables, re-roles or
resets themselves through the administration API (they use the self-service one).
"""
import re

from pydantic import Field, field_validator, model_validator

from ttp_common import regions
from ttp_common.auth import Roles
from ttp_common.models import StrictModel
from ttp_common.refusals import Invalid, NotAllowed, TransitionRefused
from ttp_common.regions import RegionScope

ORGANIZATION_ROLES = frozenset({Roles.INSTITUTION, Roles.INSTITUTION_ADMIN, Roles.INVESTOR, Roles.SUPERVISOR})
REGION_ROLES = frozenset({Roles.REVIEWER, Roles.REGISTRAR})
ASSIGNABLE = ORGANIZATION_ROLES | REGION_ROLES | {Roles.ADMIN, Roles.AUDITOR}
PRIVILEGED = frozenset({Roles.ADMIN, Roles.REVIEWER, Roles.REGISTRAR, Roles.AUDITOR})
ACCOUNT_MANAGERS = (Roles.ADMIN, Roles.INSTITUTION_ADMIN)
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
ORGANIZATION_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# an address a mail server takes (one @, a dotted domain, no spaces or angle brackets); its delivery is the proof
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
EMAIL = re.compile(rf"[^@\s<>,;\"]{{1,64}}@{_LABEL}(?:\.{_LABEL})+")


def normal_username(value):
    value = str(value).strip().lower()
    if not USERNAME.fullmatch(value):
        raise ValueError("3-64 characters: lower-case letters, digits, '.', '_' or '-', starting with a letter or digit")
    return value


class Belonging(StrictModel):
    role: Roles = Field(description="One role per account")
    organization_id: str | None = Field(None, description="The registry id of the account's organization "
                                                          "(institution, institution_admin, investor, supervisor)")
    region_code: RegionScope | None = Field(None, description="GB/T 2260 code of the account's office (reviewer, "
                                                              "registrar; an admin's region makes it that region's "
                                                              "office administrator); 510000: the province")

    @field_validator("organization_id")
    @classmethod
    def _organization(cls, value):
        if value is not None and not ORGANIZATION_ID.fullmatch(value):
            raise ValueError("1-64 characters: letters, digits, '.', '_', ':' or '-'")
        return value

    @model_validator(mode="after")
    def _belongs(self):
        check_belonging(self.role, self.organization_id, self.region_code)
        return self


class AccountIn(Belonging):
    """A new account (an administrator's request); its one-time password is answered once."""

    username: str = Field(description="Sign-in name: 3-64 of a-z, 0-9, '.', '_', '-' (stored lower case)")
    display_name: str = Field(min_length=1, max_length=100, description="姓名 or the office's name")
    email: str | None = Field(None, max_length=254, description="Where the portal mails the person's notifications "
                                                                "(站内消息); none: in the portal only")

    @field_validator("username")
    @classmethod
    def _username(cls, value):
        return normal_username(value)

    @field_validator("email")
    @classmethod
    def _email(cls, value):
        if value is not None and not EMAIL.fullmatch(value.strip()):
            raise ValueError("not an email address")
        return None if value is None else value.strip()


class RoleChangeIn(Belonging):
    """A new role (and what it belongs to) for an account."""

    reason: str | None = Field(None, max_length=500)


class ReasonIn(StrictModel):
    reason: str | None = Field(None, max_length=500, description="Why (kept in the security audit)")


class PasswordChangeIn(StrictModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


def check_belonging(role, organization_id, region_code):
    """What a role's account must and must not belong to (``Invalid`` otherwise)."""
    role = Roles(role)
    if role not in ASSIGNABLE:
        raise Invalid(f"role '{role}' is not given to accounts of people", field="role")
    if role in ORGANIZATION_ROLES:
        if not organization_id:
            raise Invalid(f"a {role} account belongs to an organization", field="organization_id")
        if region_code:
            raise Invalid(f"a {role} account belongs to its organization, not to a region", field="region_code")
    elif role in REGION_ROLES:
        if not region_code:
            raise Invalid(f"a {role} account belongs to a region's office", field="region_code")
        if organization_id:
            raise Invalid(f"a {role} account belongs to a region's office, not to an organization",
                          field="organization_id")
    else:
        if organization_id:
            raise Invalid(f"an {role} account belongs to no organization", field="organization_id")
        if role == Roles.AUDITOR and region_code:
            raise Invalid("an auditor account belongs to no region", field="region_code")


def is_privileged(role):
    """Privileged roles sign in with two factors (GB/T 22239-2019 level 3)."""
    return Roles(role) in PRIVILEGED


def may_manage(actor, role, organization_id, region_code):
    """Whether ``actor`` (a Principal) may create or manage an account of ``role`` belonging there."""
    role = Roles(role)
    if actor.role == Roles.ADMIN:
        if actor.region is None:
            return True
        return (role in REGION_ROLES | {Roles.ADMIN} and region_code is not None
                and regions.covers(actor.region, region_code))
    if actor.role == Roles.INSTITUTION_ADMIN:
        return (role in {Roles.INSTITUTION, Roles.INSTITUTION_ADMIN} and actor.org is not None
                and organization_id == actor.org)
    return False


def check_manage(actor, role, organization_id, region_code):
    if not may_manage(actor, role, organization_id, region_code):
        raise NotAllowed("you may not manage this account (its role, organization or region is outside yours)")


def check_manage_account(actor, account):
    """``actor`` manages the stored ``account`` (and is not acting on themselves)."""
    check_manage(actor, account.role, account.organization_id, account.region_code)
    if account.id == actor.sub:
        raise NotAllowed("use the self-service API for your own account")


def check_role_change(actor, account, change):
    """``actor`` may manage ``account`` both as it is and as ``change`` makes it."""
    check_manage_account(actor, account)
    check_manage(actor, change.role, change.organization_id, change.region_code)
    if (change.role, change.organization_id, change.region_code) == (
            account.role, account.organization_id, account.region_code):
        raise TransitionRefused("the account already has this role")


def check_status_change(account, status):
    if account.status == status:
        raise TransitionRefused(f"the account is already {status}")


def scope_query(actor):
    """The accounts a manager sees in listings (a MongoDB filter)."""
    if actor.role == Roles.ADMIN:
        if actor.region is None:
            return {}
        return {"role": {"$in": sorted(REGION_ROLES | {Roles.ADMIN})}, **regions.query(actor.region)} | (
            {"region_code": {"$ne": None}} if actor.region == regions.PROVINCE else {})
    return {"organization_id": actor.org, "role": {"$in": [Roles.INSTITUTION, Roles.INSTITUTION_ADMIN]}}
